/* vfp-alloc.h: the allocation policy — which free VF of a pool a domain nic
 * gets.  Pure and deterministic: same inputs, same order.  The start path
 * (vfp-lifecycle.c) and explain (vfp-explain.c) both decide through it. */
#pragma once

#include <glib.h>
#include "vfp-config.h"
#include "vfp-vf-set.h"

G_BEGIN_DECLS

/* What one nic's pick has to respect besides the pool. */
typedef struct {
  GHashTable *unavailable;  /* PCI addresses leased, quarantined or taken; or NULL */
  const char *sticky_pci;   /* the VF the nic had last time, or NULL */
  int numa_node;            /* the domain's memory node, -1 = any */
  GHashTable *avoid_ports;  /* port key (vfp_pf_port_key) -> "nic N": ports other
                             * nics of the same bond have; NULL = no bond */
  guint limit;              /* return only the best @limit candidates; 0 = all */
  const VfpVfSet *unavailable_set; /* the pool's VFs leased, quarantined or taken,
                             * as bits; or NULL.  A VF in either is unavailable */
  const char *sysfs_root;   /* where the link of a PF loaded without it
                             * (VFP_PF_FACT_LINK) is read, by vfp_pf_link() */
} VfpAllocQuery;

/* What the ranking left out or put last, for messages and explain. */
typedef struct {
  guint bond_excluded;      /* free VFs on a port the bond already has */
  guint link_excluded;      /* free VFs on a PF whose link is down (require-link=yes) */
  guint link_down;          /* ranked, but last: their PF's link is down */
} VfpAllocOutcome;

/* Candidates of @pool for one nic, best first: VFs on a PF whose link is
 * not down (with require-link=yes the others are left out), then the
 * sticky VF (if free), then VFs on the requested NUMA node, then VFs on the
 * PF with the fewest leased pool members, then PF order, then lowest VF
 * index.  VFs in q->unavailable, and VFs on a port in q->avoid_ports, are
 * left out.  Returns borrowed VfpVf*.  @outcome may be NULL; without it a
 * limited ranking reads the link only of the PFs it needs (the best ones
 * first, until @limit candidates on PFs whose link is not down are found). */
GPtrArray *vfp_alloc_rank_query (VfpPool *pool, const VfpAllocQuery *q,
                                 VfpAllocOutcome *outcome);

/* The same without a bond. */
GPtrArray *vfp_alloc_rank (VfpPool *pool, GHashTable *unavailable,
                           const char *sticky_pci, int numa_node);

/* Why @pool has no VF for a nic of @bond (NULL: not in a bond) under @q,
 * when the reason is the bond or require-link; one phrase without the
 * "domain 'D' nic N: " prefix, e.g.
 *   pool 'p' cannot place bond 'b0' on distinct ports: only one port with a
 *   free VF (ens1f0), and nic 0 of the bond has it
 * NULL when the pool simply has no free VF (the caller says who holds them). */
char *vfp_alloc_refusal (VfpPool *pool, const VfpAllocQuery *q, const char *bond);

/* The ports the bonds of one domain's request have so far, while one start
 * (or one explain) places its nics. */
typedef struct _VfpBondPorts VfpBondPorts;

VfpBondPorts *vfp_bond_ports_new (void);
void vfp_bond_ports_free (VfpBondPorts *ports);
/* The ports of @bond so far, for VfpAllocQuery.avoid_ports; NULL when
 * @bond is NULL (a nic outside any bond avoids nothing). */
GHashTable *vfp_bond_ports_get (VfpBondPorts *ports, const char *bond);
/* Nic @nic of @bond got a VF of @pf.  Returns the "nic N" of an earlier nic
 * of the bond on the same port (a conflict: the XML named both VFs), else
 * NULL.  @bond NULL: nothing recorded. */
const char *vfp_bond_ports_add (VfpBondPorts *ports, const char *bond, guint nic,
                                const VfpPf *pf);

/* Why a VF the XML names cannot serve nic @nic of @bond: @holder ("nic N")
 * of the bond is on the same port.  One phrase, no domain prefix. */
char *vfp_alloc_bond_conflict (VfpPool *pool, const char *bond, const VfpVf *vf,
                               const char *holder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpBondPorts, vfp_bond_ports_free)

G_END_DECLS
