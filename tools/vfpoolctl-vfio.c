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
      if (!(bind ? vfp_vfio_bind : vfp_vfio_unbind) (ctl->ctx->sysfs_root, vf->pci, &vf_error))
        {
          fprintf (stderr, "vfpoolctl: %s: %s\n", argv[0], vf_error->message);
          status = 1;
          continue;
        }
      driver = driver_now (ctl, vf->pci);
      printf ("%s (VF %u of %s): %s\n", vf->pci, vf->index, pf, driver);
    }
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
