/* vfp-lifecycle-stop.c: the end of a domain's life — release end, a failed
 * hot-plug, an undone boot-time start, reconnect and reconcile (see
 * vfp-lifecycle.h). */
#include "config.h"
#include "vfp-lifecycle.h"
#include "vfp-lease-index.h"
#include "vfp-error.h"
#include "vfp-release.h"
#include "vfp-quarantine.h"
#include "vfp-state-dir.h"

#include <string.h>

gboolean
vfp_lifecycle_release (VfpContext *ctx, const char *uuid, GPtrArray *warnings, GError **error)
{
  g_autoptr (GPtrArray) mine = NULL;
  g_autoptr (GPtrArray) corrupt = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) first = NULL;

  if (!vfp_release_list_owner (ctx, uuid, &mine, corrupt, error))
    return FALSE;
  /* An unreadable lease holds nothing back: the others are released below,
   * and a failure to quarantine it is reported like a failed release. */
  vfp_release_quarantine_unreadable (ctx, corrupt, warnings, &first);
  return vfp_release_leases (ctx, mine, FALSE, warnings, &first, error);
}

gboolean
vfp_lifecycle_release_vf (VfpContext *ctx, const char *uuid, const char *vf_pci,
                          const char *start_id, GPtrArray *warnings, GError **error)
{
  g_autoptr (VfpLease) lease = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!vfp_state_dir_check (ctx->state_dir, error))
    return FALSE;
  if (!vfp_lease_read (ctx->state_dir, vf_pci, &lease, &local_error))
    {
      if (g_error_matches (local_error, VFP_ERROR, VFP_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* Not ours to release: someone else's now, or a later start's of the
   * same domain (its VF is in use by the guest running now). */
  if (strcmp (lease->owner_uuid, uuid) != 0 || g_strcmp0 (lease->start_id, start_id) != 0)
    return TRUE;
  return vfp_release_lease (ctx, lease, FALSE, warnings, error);
}

gboolean
vfp_lifecycle_release_held (VfpContext *ctx, GPtrArray *held, GPtrArray *warnings,
                            GError **error)
{
  g_autoptr (GError) first = NULL;

  return held == NULL || vfp_release_leases (ctx, held, TRUE, warnings, &first, error);
}

gboolean
vfp_lifecycle_release_injected (VfpContext *ctx, VfpDomXml *dom, GPtrArray *warnings,
                                guint *released, GError **error)
{
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);
  g_autoptr (GError) first = NULL;

  *released = 0;
  for (guint i = 0; i < devices->len; i++)
    {
      VfpDomDevice *dev = devices->pdata[i];
      g_autoptr (VfpLease) lease = NULL;
      g_autoptr (GError) local_error = NULL;

      if (!vfp_lease_read (ctx->state_dir, dev->pci, &lease, NULL)
          || strcmp (lease->owner_uuid, vfp_domxml_get_uuid (dom)) != 0
          || lease->nic != dev->nic || lease->state != VFP_LEASE_RESERVED)
        continue;
      if (vfp_release_lease (ctx, lease, TRUE, warnings, &local_error))
        (*released)++;
      else if (first == NULL)
        first = g_steal_pointer (&local_error);
    }
  if (first != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  return TRUE;
}

void
vfp_lifecycle_reconnect (VfpContext *ctx, VfpDomXml *dom, GPtrArray *warnings)
{
  g_autoptr (GPtrArray) mine = NULL;
  g_autoptr (GError) error = NULL;
  gint64 pid = vfp_liveness_read_qemu_pid (ctx, vfp_domxml_get_name (dom));

  if (!vfp_release_list_owner (ctx, vfp_domxml_get_uuid (dom), &mine, NULL, &error))
    {
      g_ptr_array_add (warnings, g_strdup_printf ("reading leases: %s, ignoring", error->message));
      return;
    }
  for (guint i = 0; i < mine->len; i++)
    {
      VfpLease *lease = mine->pdata[i];
      g_autoptr (GError) local_error = NULL;

      if (pid <= 0 || lease->qemu_pid == pid)
        continue;
      lease->qemu_pid = pid;
      if (!vfp_lease_update (ctx->state_dir, lease, NULL, &local_error))
        g_ptr_array_add (warnings, g_strdup_printf ("updating lease of VF %s: %s, ignoring",
                                                    lease->vf_pci, local_error->message));
    }
}

void
vfp_reconcile_entry_free (VfpReconcileEntry *entry)
{
  g_free (entry->vf);
  g_free (entry->domain);
  g_free (entry->uuid);
  g_free (entry->reason);
  g_ptr_array_unref (entry->warnings);
  g_free (entry->text);
  g_free (entry);
}

const char *
vfp_reconcile_action_to_string (VfpReconcileAction action)
{
  static const char *const names[] = { "kept", "released", "release-failed", "quarantined" };

  return names[action];
}

static VfpReconcileEntry *
reconcile_entry_new (const char *vf, const VfpLease *lease, VfpReconcileAction action,
                     const char *reason)
{
  VfpReconcileEntry *entry = g_new0 (VfpReconcileEntry, 1);

  entry->vf = g_strdup (vf);
  entry->domain = lease != NULL ? g_strdup (lease->owner_name) : NULL;
  entry->uuid = lease != NULL ? g_strdup (lease->owner_uuid) : NULL;
  entry->action = action;
  entry->reason = g_strdup (reason);
  entry->warnings = g_ptr_array_new_with_free_func (g_free);
  return entry;
}

/* Quarantine the unreadable leases one by one, so each gets its entry. */
static gboolean
reconcile_unreadable (VfpContext *ctx, GPtrArray *corrupt, GPtrArray *report, GError **error)
{
  for (guint i = 0; i < corrupt->len; i++)
    {
      g_autoptr (GPtrArray) one = g_ptr_array_new ();
      g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GHashTable) quarantined = NULL;
      VfpReconcileEntry *entry;

      g_ptr_array_add (one, corrupt->pdata[i]);
      if (!vfp_release_quarantine_unreadable (ctx, one, lines, error))
        return FALSE;
      if (lines->len == 0)
        continue;
      quarantined = vfp_quarantine_list (ctx->state_dir);
      entry = reconcile_entry_new (corrupt->pdata[i], NULL, VFP_RECONCILE_QUARANTINED,
                                   g_hash_table_lookup (quarantined, corrupt->pdata[i]));
      entry->text = g_strdup (lines->pdata[0]);
      g_ptr_array_add (report, entry);
    }
  return TRUE;
}

gboolean
vfp_lifecycle_reconcile (VfpContext *ctx, VfpOwnerProbe probe, gpointer data,
                         GPtrArray *report, GError **error)
{
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) corrupt = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *boot_id = vfp_context_read_boot_id (ctx, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean ok = TRUE;

  /* Reconcile reads every domain's state: every owner index is checked. */
  if (!vfp_lease_store_open (ctx->state_dir, error)
      || !vfp_state_dir_check (ctx->state_dir, error)
      || !vfp_lease_list (ctx->state_dir, &all, corrupt, error))
    return FALSE;
  if (!reconcile_unreadable (ctx, corrupt, report, error))
    return FALSE;
  for (guint i = 0; i < all->len; i++)
    {
      VfpLease *lease = all->pdata[i];
      VfpOwnerState state
        = vfp_liveness_combine (vfp_liveness_check (ctx, lease, boot_id, now),
                                probe ? probe (lease->owner_uuid, lease->owner_name, data)
                                      : VFP_OWNER_UNKNOWN);
      g_autoptr (GError) local_error = NULL;
      g_autofree char *shown = vfp_error_quote (lease->owner_name);
      VfpReconcileEntry *entry;

      if (state != VFP_OWNER_GONE)
        {
          gboolean alive = state == VFP_OWNER_ALIVE;

          entry = reconcile_entry_new (lease->vf_pci, lease, VFP_RECONCILE_KEPT,
                                       alive ? "running" : "may-be-starting");
          entry->text = g_strdup_printf ("%s: kept, domain '%s' %s", lease->vf_pci, shown,
                                         alive ? "is running" : "may be starting");
          g_ptr_array_add (report, entry);
          continue;
        }
      entry = reconcile_entry_new (lease->vf_pci, lease, VFP_RECONCILE_RELEASED,
                                   vfp_lease_is_stale (boot_id, lease) ? "before-reboot"
                                                                        : "gone");
      if (vfp_release_lease (ctx, lease, FALSE, entry->warnings, &local_error))
        entry->text = g_strdup_printf ("%s: released, domain '%s' %s", lease->vf_pci, shown,
                                       strcmp (entry->reason, "gone") == 0
                                         ? "is gone" : "held it before the last reboot");
      else
        {
          ok = FALSE;
          entry->action = VFP_RECONCILE_FAILED;
          g_free (entry->reason);
          entry->reason = g_strdup (local_error->message);
          entry->text = g_strdup_printf ("%s: release failed: %s", lease->vf_pci,
                                         local_error->message);
        }
      g_ptr_array_add (report, entry);
    }
  /* The lease index is a cache of what is left now: rebuilt from the
   * lease files (a VF it wrongly shows leased is free again for starts).
   * Best effort: a start that cannot use an index lists leases/. */
  vfp_lease_index_rebuild_all (ctx->state_dir, ctx->sysfs_root, NULL);
  if (!ok)
    g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "some leases could not be released");
  return ok;
}
