/* vfpoolctl-vfio.c: "vfpoolctl vfio-bind|vfio-unbind POOL": move a pool's
 * VFs to vfio-pci ahead of time (managed=no pools) and back. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-host.h"
#include "vfp-lease.h"
#include "vfp-vfio.h"

#include <stdio.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static void
silence_libvirt (void *data, virErrorPtr err)
{
}

/* libvirt keeps its own list of devices it left on vfio-pci: a VF a
 * managed='no' domain used goes on it when the domain stops, and a later
 * managed='yes' use takes that entry over — whereupon libvirt no longer
 * gives the VF back to its host driver when that domain stops (measured in
 * the e2e fixture, libvirt 9.0: the VF stayed on vfio-pci).  So vfio-unbind
 * asks libvirt to re-attach the VF (virNodeDeviceReAttach, as `virsh
 * nodedev-reattach`), which drops it from that list; the sysfs steps after
 * it then find the VF on its host driver.  Without libvirt (not reachable,
 * or a test URI) only the sysfs steps run, and a warning says what to do. */
static gboolean
libvirt_reattach (virConnectPtr conn, const char *vf_pci, GError **error)
{
  g_autofree char *name = g_strdup_printf ("pci_%s", vf_pci);
  virNodeDevicePtr dev;
  gboolean ok;

  for (char *p = name; *p; p++)
    if (*p == ':' || *p == '.')
      *p = '_';
  if ((dev = virNodeDeviceLookupByName (conn, name)) == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "libvirt has no node device %s: %s",
                   name, virGetLastErrorMessage ());
      return FALSE;
    }
  ok = virNodeDeviceReAttach (dev) == 0;
  if (!ok)
    g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "libvirt could not re-attach %s: %s",
                 name, virGetLastErrorMessage ());
  virNodeDeviceFree (dev);
  return ok;
}

/* A connection for libvirt_reattach, or NULL (a test seam URI, or libvirt
 * not reachable: said once). */
static virConnectPtr
open_libvirt (VfpCtl *ctl)
{
  const char *uri = ctl->ctx->libvirt_uri;
  virConnectPtr conn;

  if (g_str_has_prefix (uri, "record:") || g_str_has_prefix (uri, "test:"))
    return NULL;
  virSetErrorFunc (NULL, silence_libvirt);
  if ((conn = virConnectOpen (uri)) == NULL)
    fprintf (stderr, "vfpoolctl: warning: libvirt (%s) is not reachable: %s; the VFs go back "
                     "through sysfs, but a libvirtd that used them as managed='no' will not "
                     "give them back to their driver after a later managed='yes' use until it "
                     "restarts (or run 'virsh nodedev-reattach' for each)\n", uri,
             virGetLastErrorMessage ());
  return conn;
}

/* The driver a VF is on now, for the report line ("unbound" when none). */
static char *
driver_now (VfpCtl *ctl, const char *vf_pci)
{
  g_autoptr (VfpVfInfo) info = NULL;

  if (!vfp_host_read_vf_info (ctl->ctx->sysfs_root, vf_pci, &info, NULL))
    return g_strdup ("unknown");
  return g_strdup (info->driver != NULL ? info->driver : "unbound");
}

static int
run (VfpCtl *ctl, int argc, char **argv, gboolean bind)
{
  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GHashTable) leased = NULL;
  const char *name = NULL;
  VfpPool *pool;
  virConnectPtr conn = NULL;
  int status = 0;

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, "POOL",
                             bind ? "Bind the pool's free VFs to vfio-pci (for managed=no pools)."
                                  : "Give the pool's free VFs back to their host driver.",
                             1, &error))
    return vfpctl_usage_fail (argv[0], error);
  if (argc < 2)
    return vfpctl_usage (argv[0], "needs a POOL name");
  name = argv[1];
  if (!vfp_config_load (ctl->ctx->config_dir, ctl->ctx->sysfs_root, &config, &error))
    return vfpctl_fail (error);
  /* a typo gets the pools there are and the closest name, as in request */
  if (!vfpctl_pool_check_known (config, name, &error))
    return vfpctl_fail (error);
  pool = vfp_config_get_pool (config, name, &error);
  if (pool == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[0]);
      return vfpctl_fail (error);
    }
  if (bind && pool->managed)
    fprintf (stderr, "vfpoolctl: warning: pool '%s' has managed=yes: libvirt binds its VFs "
                     "itself at each start and gives them back at release; binding ahead is "
                     "for managed=no\n", pool->name);
  /* A leased VF is in a domain (or about to be): rebinding it would pull
   * the device from under the guest.  A claim racing with this command is
   * still caught at prepare, which checks the driver again. */
  if (!vfp_lease_list_names (ctl->ctx->state_dir, &leased, &error))
    return vfpctl_fail (error);
  if (!bind)
    conn = open_libvirt (ctl);

  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      const char *pf = vf->pf->netdev != NULL ? vf->pf->netdev : vf->pf->pci;
      g_autoptr (GError) vf_error = NULL;
      g_autofree char *driver = NULL;

      if (g_hash_table_contains (leased, vf->pci))
        {
          g_autoptr (VfpLease) lease = NULL;
          g_autofree char *owner = NULL;

          if (vfp_lease_read (ctl->ctx->state_dir, vf->pci, &lease, NULL))
            owner = vfp_error_quote (lease->owner_name);
          fprintf (stderr, "vfpoolctl: warning: VF %s (VF %u of %s) is leased to %s%s%s, "
                           "skipped\n", vf->pci, vf->index, pf,
                   owner != NULL ? "domain '" : "a domain", owner != NULL ? owner : "",
                   owner != NULL ? "'" : "");
          continue;
        }
      if (!bind && conn != NULL && !libvirt_reattach (conn, vf->pci, &vf_error))
        {
          fprintf (stderr, "vfpoolctl: warning: %s: %s\n", argv[0], vf_error->message);
          g_clear_error (&vf_error);
        }
      if (!(bind ? vfp_vfio_bind : vfp_vfio_unbind) (ctl->ctx->sysfs_root, vf->pci, &vf_error))
        {
          fprintf (stderr, "vfpoolctl: %s: %s\n", argv[0], vf_error->message);
          status = 1;
          continue;
        }
      driver = driver_now (ctl, vf->pci);
      printf ("%s (VF %u of %s): %s\n", vf->pci, vf->index, pf, driver);
    }
  if (conn != NULL)
    virConnectClose (conn);
  return status;
}

int
vfpctl_vfio_bind (VfpCtl *ctl, int argc, char **argv)
{
  return run (ctl, argc, argv, TRUE);
}

int
vfpctl_vfio_unbind (VfpCtl *ctl, int argc, char **argv)
{
  return run (ctl, argc, argv, FALSE);
}
