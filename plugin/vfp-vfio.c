/* vfp-vfio.c: bind VFs to vfio-pci and back with driver_override. */
#include "config.h"
#include "vfp-vfio.h"
#include "vfp-error.h"
#include "vfp-host.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define VFIO_DRIVER "vfio-pci"

static gboolean
check_address (const char *vf_pci, GError **error)
{
  if (vf_pci != NULL && vfp_pci_address_is_valid (vf_pci))
    return TRUE;
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
               "'%s' is not a PCI address (expected DDDD:BB:SS.F)",
               vf_pci != NULL ? vf_pci : "");
  return FALSE;
}

/* The driver VF @dev_path is bound to (*out NULL when unbound).  A missing
 * device is VFP_ERROR_NOT_FOUND. */
static gboolean
read_driver (const char *dev_path, const char *vf_pci, char **out, GError **error)
{
  g_autofree char *link = g_build_filename (dev_path, "driver", NULL);
  g_autofree char *target = NULL;
  int errnum;

  if (!g_file_test (dev_path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "VF %s does not exist (no %s)",
                   vf_pci, dev_path);
      return FALSE;
    }
  target = g_file_read_link (link, NULL);
  errnum = errno;
  if (target == NULL && errnum != ENOENT)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errnum),
                   "cannot read %s: %s", link, g_strerror (errnum));
      return FALSE;
    }
  *out = target != NULL ? g_path_get_basename (target) : NULL;
  return TRUE;
}

/* One write(2) of @text: sysfs attributes take their value in one write, and
 * O_CREAT is left out so a missing attribute (old kernel) fails plainly. */
static gboolean
write_attr (const char *path, const char *text, GError **error)
{
  gsize len = strlen (text);
  int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  ssize_t n;
  int errnum;

  if (fd < 0)
    {
      errnum = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errnum),
                   "cannot open %s: %s", path, g_strerror (errnum));
      return FALSE;
    }
  do
    n = write (fd, text, len);
  while (n < 0 && errno == EINTR);
  errnum = errno;
  close (fd);
  if (n < 0 || (gsize) n != len)
    {
      g_autofree char *shown = g_strchomp (g_strdup (text));

      if (n >= 0)
        errnum = EIO;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errnum),
                   "cannot write '%s' to %s: %s", shown, path, g_strerror (errnum));
      return FALSE;
    }
  return TRUE;
}

/* Detach from the current driver, then let the kernel match the device
 * again (it honours driver_override). */
static gboolean
unbind_and_probe (const char *root, const char *dev_path, const char *vf_pci,
                  const char *driver, GError **error)
{
  g_autofree char *probe = g_build_filename (root, "bus", "pci", "drivers_probe", NULL);

  if (driver != NULL)
    {
      g_autofree char *unbind = g_build_filename (dev_path, "driver", "unbind", NULL);
      if (!write_attr (unbind, vf_pci, error))
        return FALSE;
    }
  return write_attr (probe, vf_pci, error);
}

gboolean
vfp_vfio_bind (const char *sysfs_root, const char *vf_pci, GError **error)
{
  const char *root = vfp_host_root (sysfs_root);
  g_autofree char *dev_path = NULL;
  g_autofree char *vfio_dir = NULL;
  g_autofree char *override = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (!check_address (vf_pci, error))
    return FALSE;
  dev_path = g_build_filename (root, "bus", "pci", "devices", vf_pci, NULL);
  if (!read_driver (dev_path, vf_pci, &before, error))
    return FALSE;
  if (g_strcmp0 (before, VFIO_DRIVER) == 0)
    return TRUE;
  /* Checked first: without vfio-pci the unbind would leave the VF with no
   * driver at all. */
  vfio_dir = g_build_filename (root, "bus", "pci", "drivers", VFIO_DRIVER, NULL);
  if (!g_file_test (vfio_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "cannot bind VF %s: vfio-pci is not loaded (no %s): modprobe vfio-pci",
                   vf_pci, vfio_dir);
      return FALSE;
    }
  override = g_build_filename (dev_path, "driver_override", NULL);
  if (!write_attr (override, VFIO_DRIVER, error)
      || !unbind_and_probe (root, dev_path, vf_pci, before, error)
      || !read_driver (dev_path, vf_pci, &after, error))
    {
      g_prefix_error (error, "VF %s: ", vf_pci);
      return FALSE;
    }
  if (g_strcmp0 (after, VFIO_DRIVER) == 0)
    return TRUE;
  /* vfio-pci is loaded (checked above), so a VF on a driver now was claimed
   * by that driver instead: a failure, or a managed=no start fails later. */
  if (after != NULL)
    g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                 "VF %s did not bind to vfio-pci: it is on %s", vf_pci, after);
  else
    g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                 "VF %s did not bind to vfio-pci (it is unbound; is the vfio-pci module "
                 "loaded? modprobe vfio-pci)", vf_pci);
  return FALSE;
}

gboolean
vfp_vfio_unbind (const char *sysfs_root, const char *vf_pci, GError **error)
{
  const char *root = vfp_host_root (sysfs_root);
  g_autofree char *dev_path = NULL;
  g_autofree char *override = NULL;
  g_autofree char *driver = NULL;

  if (!check_address (vf_pci, error))
    return FALSE;
  dev_path = g_build_filename (root, "bus", "pci", "devices", vf_pci, NULL);
  if (!read_driver (dev_path, vf_pci, &driver, error))
    return FALSE;
  /* A lone newline clears the override (an empty write is refused). */
  override = g_build_filename (dev_path, "driver_override", NULL);
  if (!write_attr (override, "\n", error))
    {
      g_prefix_error (error, "VF %s: ", vf_pci);
      return FALSE;
    }
  /* On a host driver already: leave it there. */
  if (driver != NULL && strcmp (driver, VFIO_DRIVER) != 0)
    return TRUE;
  if (!unbind_and_probe (root, dev_path, vf_pci, driver, error))
    {
      g_prefix_error (error, "VF %s: ", vf_pci);
      return FALSE;
    }
  return TRUE;
}

gboolean
vfp_vfio_check_bound (const char *sysfs_root, const char *vf_pci, const char *pool,
                      GError **error)
{
  g_autoptr (VfpVfInfo) info = NULL;

  if (!vfp_host_read_vf_info (sysfs_root, vf_pci, &info, error))
    return FALSE;
  if (g_strcmp0 (info->driver, VFIO_DRIVER) == 0)
    return TRUE;
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
               "VF %s is %s%s, not vfio-pci, and pool '%s' has managed=no: "
               "run 'vfpoolctl vfio-bind %s'",
               vf_pci, info->driver != NULL ? "bound to " : "unbound",
               info->driver != NULL ? info->driver : "", pool, pool);
  return FALSE;
}
