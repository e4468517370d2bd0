/* vfp-explain.h: the allocation explained without claiming anything
 * ("vfpoolctl explain"): the allocator and checks a start runs, against the
 * current leases, quarantine, history and sysfs. */
#pragma once

#include <glib.h>
#include "vfp-context.h"
#include "vfp-domxml.h"

G_BEGIN_DECLS

/* Which VF one nic would get and why. */
typedef struct {
  guint nic;
  char *pool;
  char *vf_pci;           /* NULL when no VF is free */
  char *pf;               /* PF netdev (or PCI address) of vf_pci */
  guint vf_index;
  char *reason;           /* "sticky", "numa-local", "least-loaded-pf",
                           * "pf-order", "lowest-index", "only-free",
                           * "link-up", "bond-port", "named-in-xml",
                           * "none-free", "busy", "bond", "link-down",
                           * "not-vfio" */
  char *why;              /* one sentence */
  GPtrArray *notes;       /* char*: what else was looked at and set aside */
  gboolean refused;       /* the start would be refused over this nic */
} VfpExplainNic;

/* Run the allocation of vfp_lifecycle_inject() for every nic of @dom's
 * request against the current leases, quarantine, history and sysfs —
 * claiming nothing, writing nothing.  *@out gets VfpExplainNic* (empty when
 * the domain has no request).  Errors: invalid request or config, unknown
 * pool, pool that does not allow the domain (as prepare would say). */
gboolean vfp_explain_domain (VfpContext *ctx, VfpDomXml *dom, GPtrArray **out,
                             GError **error);

void vfp_explain_nic_free (VfpExplainNic *nic);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpExplainNic, vfp_explain_nic_free)

G_END_DECLS
