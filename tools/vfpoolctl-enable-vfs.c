/* vfpoolctl-enable-vfs.c: "enable-vfs" — create the VFs CONFIG_DIR/sriov.conf
 * asks for by writing sriov_numvfs (run at boot by vfpool-vfs.service). */
#include "config.h"
#include "vfpoolctl.h"
#include "vfp-error.h"
#include "vfp-file.h"
#include "vfp-host.h"
#include "vfp-lease.h"
#include "vfp-state-dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VFP_SRIOV_CONF "sriov.conf"
#define VFP_PF_GROUP_PREFIX "pf "
/* Linux interface names are at most IFNAMSIZ - 1 bytes. */
#define VFP_IFNAME_MAX 15
/* sriov_totalvfs is a 16-bit field of the SR-IOV capability. */
#define VFP_NUMVFS_MAX 65535

typedef struct {
  char *group;          /* "pf ens1f0", for messages */
  char *name;           /* netdev or PCI address */
  guint numvfs;
  int autoprobe;        /* -1: leave it as it is */
} VfpSriovPf;

static void
vfp_sriov_pf_free (VfpSriovPf *pf)
{
  g_free (pf->group);
  g_free (pf->name);
  g_free (pf);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpSriovPf, vfp_sriov_pf_free)

/* The whole file is checked before anything is written: a typo in one
 * group must not leave the host half configured. */
static gboolean
load_config (const char *path, GPtrArray **out, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GPtrArray) pfs = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_sriov_pf_free);
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr (VfpSriovPf) pf = g_new0 (VfpSriovPf, 1);
      g_auto (GStrv) keys = NULL;
      const char *name;
      gboolean have_numvfs = FALSE;

      if (!g_str_has_prefix (groups[i], VFP_PF_GROUP_PREFIX))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "%s: [%s]: unknown group (expected [pf NAME], NAME a network "
                       "interface or a PCI address)", path, groups[i]);
          return FALSE;
        }
      name = groups[i] + strlen (VFP_PF_GROUP_PREFIX);
      /* the name becomes a path under the sysfs root */
      if (!vfp_pci_address_is_valid (name)
          && (!vfp_name_is_safe (name) || strlen (name) > VFP_IFNAME_MAX))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "%s: [%s]: '%s' is neither an interface name nor a PCI "
                       "address like 0000:3b:00.0", path, groups[i], name);
          return FALSE;
        }
      for (guint j = 0; j < pfs->len; j++)
        if (strcmp (((VfpSriovPf *) pfs->pdata[j])->name, name) == 0)
          {
            g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                         "%s: [%s] appears twice", path, groups[i]);
            return FALSE;
          }
      pf->group = g_strdup (groups[i]);
      pf->name = g_strdup (name);
      pf->autoprobe = -1;

      keys = g_key_file_get_keys (kf, groups[i], NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_value (kf, groups[i], keys[k], NULL);
          guint64 n = 0;

          if (strcmp (keys[k], "numvfs") == 0)
            {
              if (!g_ascii_string_to_unsigned (value, 10, 0, VFP_NUMVFS_MAX, &n, NULL))
                {
                  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                               "%s: [%s] numvfs: '%s' is not a number 0-%d",
                               path, groups[i], value, VFP_NUMVFS_MAX);
                  return FALSE;
                }
              pf->numvfs = (guint) n;
              have_numvfs = TRUE;
            }
          else if (strcmp (keys[k], "drivers-autoprobe") == 0)
            {
              if (!g_ascii_string_to_unsigned (value, 10, 0, 1, &n, NULL))
                {
                  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                               "%s: [%s] drivers-autoprobe: '%s' is not 0 or 1",
                               path, groups[i], value);
                  return FALSE;
                }
              pf->autoprobe = (int) n;
            }
          else
            {
              g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                           "%s: [%s]: unknown key '%s' (known: numvfs, drivers-autoprobe)",
                           path, groups[i], keys[k]);
              return FALSE;
            }
        }
      if (!have_numvfs)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "%s: [%s]: numvfs is missing", path, groups[i]);
          return FALSE;
        }
      g_ptr_array_add (pfs, g_steal_pointer (&pf));
    }
  *out = g_steal_pointer (&pfs);
  return TRUE;
}

static gboolean
read_uint (const char *dir, const char *file, guint *out, GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *text = NULL;
  guint64 n = 0;

  if (!vfp_file_read (path, 64, &text, error))
    return FALSE;
  if (!g_ascii_string_to_unsigned (g_strstrip (text), 10, 0, G_MAXUINT, &n, NULL))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s: '%s' is not a number", path, text);
      return FALSE;
    }
  *out = (guint) n;
  return TRUE;
}

/* A sysfs attribute takes one write(); no temporary file and rename as for
 * our own files.  No O_CREAT: a missing attribute is an error, not a file. */
static gboolean
write_uint (const char *dir, const char *file, guint value, GError **error)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *text = g_strdup_printf ("%u\n", value);
  gsize len = strlen (text);
  ssize_t n;
  int fd, saved;

  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot open %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  do
    n = write (fd, text, len);
  while (n < 0 && errno == EINTR);
  saved = errno;
  if (close (fd) < 0 && n == (ssize_t) len)
    {
      n = -1;
      saved = errno;
    }
  if (n != (ssize_t) len)
    {
      /* the driver's refusal comes back here (e.g. ENOMEM: not enough
       * bus numbers or MSI-X vectors for that many VFs) */
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (n < 0 ? saved : EIO),
                   "writing %u to %s failed: %s", value, path,
                   g_strerror (n < 0 ? saved : EIO));
      return FALSE;
    }
  return TRUE;
}

/* The PF's sysfs device directory and PCI address. */
static gboolean
resolve_pf (const char *sysfs_root, const VfpSriovPf *pf, char **dir_out, char **pci_out,
            GError **error)
{
  gboolean is_pci = vfp_pci_address_is_valid (pf->name);
  g_autofree char *dir = is_pci
    ? g_build_filename (sysfs_root, "bus", "pci", "devices", pf->name, NULL)
    : g_build_filename (sysfs_root, "class", "net", pf->name, "device", NULL);
  g_autofree char *real = NULL;
  g_autofree char *total = g_build_filename (dir, "sriov_totalvfs", NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "there is no %s '%s' (%s)",
                   is_pci ? "PCI device" : "network interface", pf->name, dir);
      return FALSE;
    }
  if (!g_file_test (total, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "'%s' is not an SR-IOV physical function (no sriov_totalvfs)", pf->name);
      return FALSE;
    }
  real = realpath (dir, NULL);
  *pci_out = g_path_get_basename (real != NULL ? real : dir);
  *dir_out = g_steal_pointer (&dir);
  return TRUE;
}

/* Changing the VF count destroys every VF of the PF, also those in VMs. */
static gboolean
check_no_leases (VfpCtl *ctl, const char *pf_pci, GError **error)
{
  g_autoptr (GPtrArray) leases = NULL;
  g_autoptr (GPtrArray) corrupt = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) holders = g_string_new (NULL);

  if (!vfp_state_dir_check (ctl->ctx->state_dir, error)
      || !vfp_lease_list (ctl->ctx->state_dir, &leases, corrupt, error))
    return FALSE;
  /* An unreadable lease may be one of this PF's: its VF may be in a VM. */
  for (guint i = 0; i < corrupt->len; i++)
    g_string_append_printf (holders, "%s%s (lease file unreadable)", holders->len > 0 ? ", " : "",
                            (char *) corrupt->pdata[i]);
  for (guint i = 0; i < leases->len; i++)
    {
      VfpLease *lease = leases->pdata[i];
      g_autofree char *owner = NULL;

      if (g_strcmp0 (lease->pf_pci, pf_pci) != 0)
        continue;
      owner = vfp_error_quote (lease->owner_name);
      g_string_append_printf (holders, "%s%s (%s)", holders->len > 0 ? ", " : "",
                              lease->vf_pci, owner);
    }
  if (holders->len > 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY,
                   "its VFs are leased: %s; stop those domains first (or --force)",
                   holders->str);
      return FALSE;
    }
  return TRUE;
}

/* At boot the PF's driver may still be probing when we run: wait for the
 * device until @deadline (monotonic µs) rather than fail the unit. */
static gboolean
resolve_pf_waiting (const char *sysfs_root, const VfpSriovPf *pf, gint64 deadline,
                    char **dir_out, char **pci_out, GError **error)
{
  for (;;)
    {
      g_autoptr (GError) local_error = NULL;

      if (resolve_pf (sysfs_root, pf, dir_out, pci_out, &local_error))
        return TRUE;
      if (!g_error_matches (local_error, VFP_ERROR, VFP_ERROR_NOT_FOUND)
          || g_get_monotonic_time () >= deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_usleep (G_USEC_PER_SEC / 10);
    }
}

static gboolean
enable_pf (VfpCtl *ctl, const VfpSriovPf *pf, gboolean dry_run, gboolean force,
           gint64 deadline, GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *pci = NULL;
  g_autoptr (GString) steps = g_string_new (NULL);
  guint total = 0, current = 0, autoprobe = 0;

  if (!resolve_pf_waiting (ctl->ctx->sysfs_root, pf, deadline, &dir, &pci, error)
      || !read_uint (dir, "sriov_totalvfs", &total, error)
      || !read_uint (dir, "sriov_numvfs", &current, error))
    return FALSE;
  if (pf->numvfs > total)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "numvfs=%u but the device supports at most %u VFs (sriov_totalvfs)",
                   pf->numvfs, total);
      return FALSE;
    }

  /* the kernel reads autoprobe when it creates VFs, so it goes first */
  if (pf->autoprobe >= 0)
    {
      if (!read_uint (dir, "sriov_drivers_autoprobe", &autoprobe, error))
        return FALSE;
      if (autoprobe != (guint) pf->autoprobe)
        {
          g_string_append_printf (steps, "sriov_drivers_autoprobe %u -> %d; ",
                                  autoprobe, pf->autoprobe);
          if (!dry_run && !write_uint (dir, "sriov_drivers_autoprobe", (guint) pf->autoprobe, error))
            return FALSE;
        }
    }

  if (current == pf->numvfs)
    g_string_append_printf (steps, "%u VFs already enabled", current);
  else
    {
      if (current != 0 && !force && !check_no_leases (ctl, pci, error))
        return FALSE;
      /* the kernel refuses to go from one non-zero count to another */
      g_string_append_printf (steps, "sriov_numvfs %u", current);
      if (current != 0)
        {
          g_string_append (steps, " -> 0");
          if (!dry_run && !write_uint (dir, "sriov_numvfs", 0, error))
            return FALSE;
        }
      if (pf->numvfs != 0)
        {
          g_string_append_printf (steps, " -> %u", pf->numvfs);
          if (!dry_run && !write_uint (dir, "sriov_numvfs", pf->numvfs, error))
            return FALSE;
        }
    }
  if (strcmp (pf->name, pci) == 0)
    printf ("%s: %s%s\n", pf->name, steps->str, dry_run ? " (dry run)" : "");
  else
    printf ("%s (%s): %s%s\n", pf->name, pci, steps->str, dry_run ? " (dry run)" : "");
  return TRUE;
}

int
vfpctl_enable_vfs (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) pfs = NULL;
  g_autofree char *path = g_build_filename (ctl->ctx->config_dir, VFP_SRIOV_CONF, NULL);
  g_autofree char *wait_arg = NULL;
  gboolean dry_run = FALSE, force = FALSE;
  guint64 wait_s = 0;
  gint64 deadline;
  int status = 0;
  const GOptionEntry entries[] = {
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "say what would be written", NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      "change the VF count even while a VF of the PF is leased", NULL },
    { "wait", 0, 0, G_OPTION_ARG_STRING, &wait_arg,
      "wait up to SECONDS (0-3600) for a PF that does not exist yet", "SECONDS" },
    G_OPTION_ENTRY_NULL
  };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, NULL,
                             "Create the VFs CONFIG_DIR/sriov.conf asks for (run at boot by "
                             "vfpool-vfs.service).", 0, &error))
    return vfpctl_usage_fail (argv[0], error);
  if (wait_arg != NULL && !g_ascii_string_to_unsigned (wait_arg, 10, 0, 3600, &wait_s, NULL))
    return vfpctl_usage (argv[0], "--wait '%s' is not a number of seconds (0-3600)", wait_arg);
  deadline = g_get_monotonic_time () + (gint64) wait_s * G_USEC_PER_SEC;
  /* no file is a host that does not use this: not a failed boot unit */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      printf ("no %s: no VFs to enable\n", path);
      return 0;
    }
  if (!load_config (path, &pfs, &error))
    return vfpctl_fail (error);
  /* one PF that fails must not keep the others from their VFs */
  for (guint i = 0; i < pfs->len; i++)
    {
      VfpSriovPf *pf = pfs->pdata[i];
      g_autoptr (GError) local_error = NULL;

      if (!enable_pf (ctl, pf, dry_run, force, deadline, &local_error))
        {
          fprintf (stderr, "vfpoolctl: %s: [%s]: %s\n", path, pf->group, local_error->message);
          status = 1;
        }
    }
  return status;
}
