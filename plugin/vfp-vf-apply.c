/* vfp-vf-apply.c: one knob per netlink request, in a fixed order, with undo. */
#include "config.h"
#include "vfp-vf-apply.h"
#include "vfp-error.h"

#include <string.h>

static void
prefix_target (GError **error, const VfpVfTarget *t)
{
  g_prefix_error (error, "VF %s (VF %u of %s%s%s): ", t->vf_pci, t->vf_index,
                  t->pf_netdev, t->pf_driver ? ", driver " : "",
                  t->pf_driver ? t->pf_driver : "");
}

void
vfp_vf_effective (const VfpVfConfig *want, const VfpVfConfig *original, VfpVfConfig *out)
{
  VfpVfConfig eff = *original;

  vfp_vf_config_merge (&eff, want);
  eff.set = want->set;
  *out = eff;
}

gboolean
vfp_vf_apply (VfpNetlink *nl, const VfpVfTarget *target, const VfpVfConfig *want,
                   const VfpVfConfig *original, VfpVfApplyStep step, gpointer step_data,
                   GError **error)
{
  VfpVfConfig eff;
  guint done = 0;

  vfp_vf_effective (want, original, &eff);
  if ((want->set & VFP_KNOB_RATE) && eff.max_tx_rate != 0
      && eff.min_tx_rate > eff.max_tx_rate)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "min-tx-rate %u is above max-tx-rate %u", eff.min_tx_rate,
                   eff.max_tx_rate);
      prefix_target (error, target);
      return FALSE;
    }
  for (guint bit = 1; bit <= VFP_KNOB_LINK_STATE; bit <<= 1)
    {
      g_autoptr (GError) undo_error = NULL;

      if (!(want->set & bit))
        continue;
      if (vfp_netlink_set_vf (nl, target->pf_netdev, target->vf_index, bit, &eff, error))
        {
          done |= bit;
          if (step != NULL)
            step (bit, step_data);
          continue;
        }
      /* Step N failed: put back steps 1..N-1 of this call, then report N. */
      if (done != 0
          && !vfp_vf_restore (nl, target, original, done, NULL, &undo_error))
        g_prefix_error (error, "(undo also failed: %s) ", undo_error->message);
      if (g_error_matches (*error, VFP_ERROR, VFP_ERROR_UNSUPPORTED))
        {
          /* Say it in the request's own words: which setting this driver
           * refuses, before the kernel's terse reason. */
          VfpVfConfig asked = *want;
          g_autofree char *what = NULL;

          asked.set &= ~(guint) VFP_KNOB_ALL | bit;
          what = vfp_vf_config_describe (&asked);
          g_prefix_error (error, "the %s driver does not support %s; ",
                          target->pf_driver ? target->pf_driver : "PF", what);
        }
      prefix_target (error, target);
      return FALSE;
    }
  return TRUE;
}

/* TRUE if @knob has the same value in @a and @b. */
static gboolean
knob_equal (guint knob, const VfpVfConfig *a, const VfpVfConfig *b)
{
  switch (knob)
    {
    case VFP_KNOB_MAC:
      return memcmp (a->mac, b->mac, sizeof a->mac) == 0;
    case VFP_KNOB_VLAN:
      return a->vlan == b->vlan && a->qos == b->qos && a->vlan_proto == b->vlan_proto;
    case VFP_KNOB_SPOOFCHK:
      return !a->spoofchk == !b->spoofchk;
    case VFP_KNOB_TRUST:
      return !a->trust == !b->trust;
    case VFP_KNOB_RATE:
      return a->min_tx_rate == b->min_tx_rate && a->max_tx_rate == b->max_tx_rate;
    case VFP_KNOB_LINK_STATE:
      return a->link_state == b->link_state;
    default:
      return FALSE;
    }
}

/* A knob whose restore failed may never have been changed: release restores
 * every knob of the request because it cannot know how far an interrupted
 * apply got, and a driver that refused to set a knob (the very failure that
 * unwinds a start) refuses to "restore" it too.  If the VF already holds the
 * original value there is nothing to restore and no reason to quarantine. */
static gboolean
knob_is_original (VfpNetlink *nl, const VfpVfTarget *target, guint knob,
                  const VfpVfConfig *original)
{
  VfpVfConfig now = { 0 };

  return vfp_netlink_get_vf (nl, target->pf_netdev, target->vf_index, &now, NULL)
         && (now.set & knob) && knob_equal (knob, &now, original);
}

gboolean
vfp_vf_restore (VfpNetlink *nl, const VfpVfTarget *target, const VfpVfConfig *original,
                guint knobs, GPtrArray *warnings, GError **error)
{
  g_autoptr (GError) first = NULL;

  for (guint bit = 1; bit <= VFP_KNOB_LINK_STATE; bit <<= 1)
    {
      g_autoptr (GError) local_error = NULL;

      if (!(knobs & bit) || !(original->set & bit))
        continue;
      if (vfp_netlink_set_vf (nl, target->pf_netdev, target->vf_index, bit, original,
                              &local_error)
          || knob_is_original (nl, target, bit, original))
        continue;
      if (bit == VFP_KNOB_MAC && vfp_mac_is_zero (original->mac)
          && g_error_matches (local_error, VFP_ERROR, VFP_ERROR_UNSUPPORTED))
        {
          if (warnings != NULL)
            g_ptr_array_add (warnings,
                             g_strdup_printf ("VF %s (VF %u of %s): the driver refuses an "
                                              "all-zero MAC, leaving the last MAC in place (%s)",
                                              target->vf_pci, target->vf_index,
                                              target->pf_netdev, local_error->message));
          continue;
        }
      if (first == NULL)
        first = g_steal_pointer (&local_error);
    }
  if (first != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      g_prefix_error (error, "restoring ");
      prefix_target (error, target);
      return FALSE;
    }
  return TRUE;
}
