/* vfp-release.c: the one way a lease goes away — re-read under the VF's
 * lock, restore what was changed, remove — and what every remover shares
 * (see vfp-release.h). */
#include "config.h"
#include "vfp-release.h"
#include "vfp-error.h"
#include "vfp-fault.h"
#include "vfp-quarantine.h"
#include "vfp-state-dir.h"

#include <string.h>

VfpVfTarget
vfp_lease_target (const VfpLease *lease, const char *driver)
{
  VfpVfTarget t = { lease->pf_netdev, driver, lease->vf_pci, lease->vf_index };
  return t;
}

gboolean
vfp_lease_check_pf_netdev (const VfpLease *lease, GError **error)
{
  if (lease->pf_netdev == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "PF %s of VF %s has no network interface to configure VFs through",
                   lease->pf_pci, lease->vf_pci);
      return FALSE;
    }
  return TRUE;
}

/* A lease written in an earlier boot: its domain cannot be running (the
 * VFs were even recreated), whatever its QEMU pid says. */
gboolean
vfp_lease_is_stale (const char *boot_id, const VfpLease *lease)
{
  return boot_id != NULL && lease->boot_id != NULL && strcmp (boot_id, lease->boot_id) != 0;
}

/* Restore (when changed) and drop one lease.  Restore failures quarantine
 * the VF so it is never handed out half-configured. */
static gboolean
restore_and_remove (VfpContext *ctx, const VfpLease *lease, GPtrArray *warnings,
                    GError **error)
{
  /* CONFIGURING means "some knobs may have been applied": restoring every
   * knob of the applied set covers any prefix of the apply loop. */
  if (lease->state != VFP_LEASE_RESERVED)
    {
      g_autoptr (GError) local_error = NULL;
      VfpNetlink *nl = vfp_context_get_netlink (ctx, &local_error);
      VfpVfTarget target = vfp_lease_target (lease, NULL);

      if (nl == NULL || lease->pf_netdev == NULL
          || !vfp_vf_restore (nl, &target, &lease->original, lease->applied.set,
                              warnings, &local_error))
        {
          const char *why = local_error ? local_error->message : "PF has no netdev";
          if (!vfp_quarantine_add (ctx->state_dir, lease->vf_pci, why, error))
            return FALSE;
          if (warnings != NULL)
            g_ptr_array_add (warnings,
                             g_strdup_printf ("VF %s quarantined: %s", lease->vf_pci, why));
        }
    }
  vfp_fault_point (ctx, VFP_FAULT_AFTER_RESTORE);
  return vfp_lease_remove (ctx->state_dir, lease, error);
}

/* Release the lease @seen describes, if it still is that lease.  Release
 * end, rollback, reconcile and a take-over may all go for the same lease;
 * under the VF's lock the file is re-read, so only one of them restores and
 * removes it, and nobody restores a VF that was freed and claimed again in
 * between (that would undo the new owner's configuration). */
gboolean
vfp_release_lease (VfpContext *ctx, const VfpLease *seen, gboolean only_reserved,
                  GPtrArray *warnings, GError **error)
{
  g_autoptr (VfpLease) lease = NULL;
  g_autoptr (GError) read_error = NULL;
  int lock_fd = -1;
  gboolean ok = TRUE;

  if (!vfp_lease_lock (ctx->state_dir, seen->vf_pci, &lock_fd, error))
    return FALSE;
  if (vfp_lease_read (ctx->state_dir, seen->vf_pci, &lease, &read_error))
    {
      /* The file, not @seen, says how far configuring got. */
      if (vfp_lease_same_holder (lease, seen) && lease->created == seen->created
          && (!only_reserved || lease->state == VFP_LEASE_RESERVED))
        ok = restore_and_remove (ctx, lease, warnings, error);
    }
  else if (!g_error_matches (read_error, VFP_ERROR, VFP_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&read_error));
      ok = FALSE;
    }
  vfp_lease_unlock (lock_fd);
  return ok;
}

/* Release each of @leases (only those still reserved, with
 * @only_reserved), going on after a failure: every other VF still goes
 * back.  The first failure — *@first if set already — is reported. */
gboolean
vfp_release_leases (VfpContext *ctx, GPtrArray *leases, gboolean only_reserved,
              GPtrArray *warnings, GError **first, GError **error)
{
  for (guint i = 0; i < leases->len; i++)
    {
      g_autoptr (GError) local_error = NULL;
      if (!vfp_release_lease (ctx, leases->pdata[i], only_reserved, warnings, &local_error)
          && *first == NULL)
        *first = g_steal_pointer (&local_error);
    }
  if (*first != NULL)
    {
      g_propagate_error (error, g_steal_pointer (first));
      return FALSE;
    }
  return TRUE;
}

/* The leases @uuid holds, sorted by VF, once the state dir passed the check
 * (hook operations after prepare trust it no more than prepare does).  The
 * VFs of leases that cannot be read go to @corrupt (if not NULL). */
gboolean
vfp_release_list_owner (VfpContext *ctx, const char *uuid, GPtrArray **out, GPtrArray *corrupt,
           GError **error)
{
  return vfp_state_dir_check_fast (ctx->state_dir, error)
         && vfp_lease_list_owner (ctx->state_dir, uuid, out, corrupt, error);
}

/* VFs in @corrupt have a lease file that cannot be read: nothing in it can
 * be restored, and the allocator counts the VF as taken while the file is
 * there.  Quarantine each, with why, so it stays out of use even once the
 * file goes, until an operator has looked; one line each in @lines. */
gboolean
vfp_release_quarantine_unreadable (VfpContext *ctx, GPtrArray *corrupt, GPtrArray *lines,
                       GError **error)
{
  for (guint i = 0; i < corrupt->len; i++)
    {
      const char *vf_pci = corrupt->pdata[i];
      g_autoptr (VfpLease) lease = NULL;
      g_autoptr (GError) why = NULL;
      g_autofree char *reason = NULL;

      /* Read again for the reason; gone or readable now means in between
       * someone released or rewrote it: nothing to set aside. */
      if (vfp_lease_read (ctx->state_dir, vf_pci, &lease, &why)
          || g_error_matches (why, VFP_ERROR, VFP_ERROR_NOT_FOUND))
        continue;
      reason = g_strdup_printf ("lease file unreadable: %s", why->message);
      if (!vfp_quarantine_add (ctx->state_dir, vf_pci, reason, error))
        return FALSE;
      if (lines != NULL)
        g_ptr_array_add (lines, g_strdup_printf ("VF %s quarantined: %s; inspect the file, "
                                                 "then 'vfpoolctl quarantine clear %s'",
                                                 vf_pci, reason, vf_pci));
    }
  return TRUE;
}

