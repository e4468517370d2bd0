/* vfp-netport.c: the network hook's port-created and port-deleted for
 * network-backed pools (see vfp-netport.h). */
#include "config.h"
#include "vfp-netport.h"
#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-lease.h"
#include "vfp-release.h"
#include "vfp-vf-apply.h"
#include "vfp-vfio.h"

#include <string.h>

/* The lease a port-created writes: the same fields a request's prepare
 * writes, so status, reconcile, metrics and quarantine read it alike; the
 * port's UUID is its start id, so only this port's deletion frees it. */
static VfpLease *
port_lease (VfpContext *ctx, const VfpNetPort *port, VfpPool *pool, VfpVf *vf,
            const VfpVfConfig *want)
{
  VfpLease *lease = vfp_lease_new ();

  lease->vf_pci = g_strdup (vf->pci);
  lease->pf_pci = g_strdup (vf->pf->pci);
  lease->pf_netdev = g_strdup (vf->pf->netdev);
  lease->vf_index = vf->index;
  lease->pool = g_strdup (pool->name);
  lease->nic = 0;
  lease->owner_uuid = g_strdup (port->owner_uuid);
  lease->owner_name = g_strdup (port->owner_name);
  lease->boot_id = vfp_context_read_boot_id (ctx, NULL);
  lease->start_id = g_strdup (port->port_uuid);
  lease->port = g_strdup (port->port_uuid);
  lease->created = g_get_real_time () / G_USEC_PER_SEC;
  lease->state = VFP_LEASE_RESERVED;
  lease->form = VFP_FORM_INTERFACE;   /* libvirt's <interface type='network'> */
  lease->managed = pool->managed;
  lease->applied = *want;
  return lease;
}

/* Under the VF's lock, as prepare configures: the original first, in the
 * file, then the knobs. */
static gboolean
configure_locked (VfpContext *ctx, VfpPool *pool, VfpVf *vf, VfpLease *lease, GError **error)
{
  VfpNetlink *nl = vfp_context_get_netlink (ctx, error);
  VfpVfTarget target = vfp_lease_target (lease, vfp_pf_driver (vf->pf, ctx->sysfs_root));

  if (nl == NULL)
    return FALSE;
  if (!pool->managed && !vfp_vfio_check_bound (ctx->sysfs_root, vf->pci, pool->name, error))
    return FALSE;
  if (!vfp_lease_check_pf_netdev (lease, error))
    return FALSE;
  if (!vfp_netlink_get_vf (nl, lease->pf_netdev, lease->vf_index, &lease->original, error))
    return FALSE;
  lease->state = VFP_LEASE_CONFIGURING;
  if (!vfp_lease_update_locked (ctx->state_dir, lease, NULL, error)
      || !vfp_vf_apply (nl, &target, &lease->applied, &lease->original, NULL, NULL, error))
    return FALSE;
  lease->state = VFP_LEASE_CONFIGURED;
  return vfp_lease_update_locked (ctx->state_dir, lease, NULL, error);
}

/* The VF is leased already: the same port again (libvirt replaying its
 * port-created, e.g. a hook rerun) is done; a lease from before the last
 * reboot goes; anyone else's refuses the port.  *@done: nothing to do. */
static gboolean
check_existing (VfpContext *ctx, const VfpNetPort *port, const char *shown_net,
                const char *shown_dom, const char *vf_pci, gboolean *done, GError **error)
{
  g_autoptr (VfpLease) existing = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *boot_id = NULL;
  g_autofree char *holder = NULL;

  *done = FALSE;
  if (!vfp_lease_read (ctx->state_dir, vf_pci, &existing, &local_error))
    {
      if (g_error_matches (local_error, VFP_ERROR, VFP_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "network '%s' port of domain '%s': VF %s: ", shown_net,
                                  shown_dom, vf_pci);
      return FALSE;
    }
  if (g_strcmp0 (existing->port, port->port_uuid) == 0
      && strcmp (existing->owner_uuid, port->owner_uuid) == 0)
    {
      *done = TRUE;
      return TRUE;
    }
  boot_id = vfp_context_read_boot_id (ctx, NULL);
  if (vfp_lease_is_stale (boot_id, existing))
    return vfp_release_lease (ctx, existing, FALSE, NULL, error);
  holder = vfp_error_quote (existing->owner_name);
  g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY,
               "network '%s' port of domain '%s': VF %s is leased to domain '%s'%s",
               shown_net, shown_dom, vf_pci, holder,
               existing->port != NULL ? " through another port" : "");
  return FALSE;
}

gboolean
vfp_netport_created (VfpContext *ctx, const VfpNetPort *port, GError **error)
{
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (VfpLease) lease = NULL;
  g_autofree char *shown_net = vfp_error_quote (port->network->name);
  g_autofree char *shown_dom = vfp_error_quote (port->owner_name);
  const char *pool_name = vfp_net_info_owner_pool (port->network);
  VfpVfConfig none = { 0 }, want = { 0 };
  gboolean failover = FALSE, done = FALSE;
  VfpPool *pool;
  VfpVf *vf = NULL;
  int lock_fd = -1;
  gboolean ok;

  if (g_strcmp0 (port->plug_type, "hostdev-pci") != 0 || port->vf_pci == NULL)
    {
      g_autofree char *plug = vfp_error_quote (port->plug_type ? port->plug_type : "none");
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "network '%s' port of domain '%s': plug type '%s' is not hostdev-pci; "
                   "run 'vfpoolctl net-sync'", shown_net, shown_dom, plug);
      return FALSE;
    }
  if (!vfp_config_load (ctx->config_dir, ctx->sysfs_root, &config, error))
    return FALSE;
  pool = vfp_config_get_pool (config, pool_name, error);
  if (pool == NULL)
    {
      g_prefix_error (error, "network '%s' port of domain '%s': ", shown_net, shown_dom);
      return FALSE;
    }
  if (!pool->network)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "network '%s' port of domain '%s': pool '%s' is not network-backed "
                   "(no network=yes in %s); run 'vfpoolctl net-sync'", shown_net, shown_dom,
                   pool->name, pool->file);
      return FALSE;
    }
  if (!vfp_pool_allows (pool, port->owner_name, port->owner_uuid))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "network '%s' port of domain '%s': pool '%s' does not allow this domain "
                   "(allow= in %s)", shown_net, shown_dom, pool->name, pool->file);
      return FALSE;
    }
  /* Refused rather than ignored: a VF the pool does not list is one vfpool
   * cannot account for, and the network listing it is out of step. */
  if (vfp_config_find_vf (config, port->vf_pci, &vf) != pool)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "network '%s' port of domain '%s': VF %s is not in pool '%s'; run "
                   "'vfpoolctl net-sync'", shown_net, shown_dom, port->vf_pci, pool->name);
      return FALSE;
    }
  if (!vfp_pool_resolve_request (pool, &none, VFP_FAILOVER_UNSET, &want, &failover, error))
    {
      g_prefix_error (error, "network '%s' pool '%s': ", shown_net, pool->name);
      return FALSE;
    }
  /* libvirt sets MAC and VLAN from the domain's <interface>. */
  want.set &= ~(VFP_KNOB_MAC | VFP_KNOB_VLAN);
  if (!vfp_lease_store_open (ctx->state_dir, error)
      || !check_existing (ctx, port, shown_net, shown_dom, vf->pci, &done, error))
    return FALSE;
  if (done)
    return TRUE;
  lease = port_lease (ctx, port, pool, vf, &want);
  if (!vfp_lease_claim (ctx->state_dir, lease, error))
    {
      g_prefix_error (error, "network '%s' port of domain '%s': ", shown_net, shown_dom);
      return FALSE;
    }
  if (!vfp_lease_lock (ctx->state_dir, vf->pci, &lock_fd, error))
    ok = FALSE;
  else
    {
      ok = configure_locked (ctx, pool, vf, lease, error);
      vfp_lease_unlock (lock_fd);
    }
  if (!ok)
    {
      /* the file says how far configuring got: release restores that much */
      vfp_release_lease (ctx, lease, FALSE, NULL, NULL);
      g_prefix_error (error, "network '%s' port of domain '%s' (pool '%s', VF %s): ",
                      shown_net, shown_dom, pool->name, vf->pci);
    }
  return ok;
}

gboolean
vfp_netport_deleted (VfpContext *ctx, const VfpNetPort *port, GPtrArray *warnings,
                     gboolean *released, GError **error)
{
  g_autoptr (VfpLease) lease = NULL;
  g_autoptr (GError) local_error = NULL;

  *released = FALSE;
  if (port->vf_pci == NULL)
    return TRUE;
  if (!vfp_lease_read (ctx->state_dir, port->vf_pci, &lease, &local_error))
    {
      if (g_error_matches (local_error, VFP_ERROR, VFP_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* Only this port's lease: a forged or late port-deleted for a VF that is
   * now someone else's frees nothing. */
  if (g_strcmp0 (lease->port, port->port_uuid) != 0
      || strcmp (lease->owner_uuid, port->owner_uuid) != 0)
    return TRUE;
  if (!vfp_release_lease (ctx, lease, FALSE, warnings, error))
    return FALSE;
  *released = TRUE;
  return TRUE;
}
