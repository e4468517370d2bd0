/* vfp-vf-apply.h: apply a request's knobs to a VF one netlink request at a
 * time, undoing this call's changes on the first failure; and restore a VF's
 * original state on release. */
#pragma once

#include <glib.h>
#include "vfp-netlink.h"

G_BEGIN_DECLS

/* The VF a change is for, with what error messages need to name. */
typedef struct {
  const char *pf_netdev;
  const char *pf_driver;  /* may be NULL */
  const char *vf_pci;
  guint vf_index;
} VfpVfTarget;

/* Apply every knob set in @want (knob order of VfpKnob) to @target.  @original
 * is the VF's state read before any change: it fills the parts of a combined
 * knob the request does not name (a max-tx-rate alone keeps the current min)
 * and is what a failure restores.  The error names the knob, VF, PF and
 * driver, e.g. "VF 0000:01:10.0 (VF 0 of ens1f0, driver igb): setting rate
 * failed: Invalid argument".  @step (may be NULL) is called after each knob
 * applied (the crash points of fault-injection builds). */
typedef void (*VfpVfApplyStep) (VfpKnob knob, gpointer data);

gboolean vfp_vf_apply (VfpNetlink *nl, const VfpVfTarget *target,
                       const VfpVfConfig *want, const VfpVfConfig *original,
                       VfpVfApplyStep step, gpointer step_data, GError **error);

/* Put back every knob of @knobs from @original.  Goes on after a failing
 * knob; returns FALSE with the first error.  A driver that refuses an all-zero
 * MAC (several do) is not a failure: like libvirt we leave the MAC and add a
 * line to @warnings (may be NULL).  Nor is a knob the driver refuses to set
 * that already holds its original value (re-read after the refusal). */
gboolean vfp_vf_restore (VfpNetlink *nl, const VfpVfTarget *target,
                         const VfpVfConfig *original, guint knobs,
                         GPtrArray *warnings, GError **error);

/* The effective value that applying @want over @original leads to. */
void vfp_vf_effective (const VfpVfConfig *want, const VfpVfConfig *original,
                       VfpVfConfig *out);

G_END_DECLS
