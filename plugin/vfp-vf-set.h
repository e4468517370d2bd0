/* vfp-vf-set.h: a set of one pool's VFs (leased, quarantined or taken) as
 * bits, filled from PCI addresses by routing-ID arithmetic: a start asks
 * "is this VF free" of thousands of VFs without hashing a string or
 * allocating per VF (BENCHMARKS.md). */
#pragma once

#include <glib.h>
#include "vfp-config.h"

G_BEGIN_DECLS

typedef struct _VfpVfSet VfpVfSet;

/* Private; in the header so that vfp_vf_set_contains(), asked twice per VF
 * of the pool on every start, is inlined. */
typedef struct _VfpVfSetPfRids VfpVfSetPfRids;
struct _VfpVfSet {
  const VfpPool *pool;
  guint *offset;        /* first bit of each PF of pool->pfs, and the total */
  VfpVfSetPfRids *rids; /* PFs with a stride rule, by their first VF */
  guint n_rids;
  gboolean others;      /* some PF has no rule: compare its strings */
  guint64 *bits;
};

/* An empty set over the VFs of @pool's PFs (borrowed: the set must not
 * outlive the pool). */
VfpVfSet *vfp_vf_set_new (const VfpPool *pool);
/* Add the VF at PCI address @pci.  FALSE, and nothing added, when it is no
 * VF of the pool's PFs (another pool's lease, a temporary file name). */
gboolean vfp_vf_set_add (VfpVfSet *set, const char *pci);
/* The same for an address already split by vfp_pci_address_rid(). */
gboolean vfp_vf_set_add_rid (VfpVfSet *set, const char *pci, guint domain, guint rid);
/* Add VF @index of the pool's PF number @pf_pos (no bounds check: the
 * caller walks that PF's VFs).  Inline: a start adds every leased VF of
 * its pool from the index, 2048 of them at 4096 VFs. */
static inline void
vfp_vf_set_add_at (VfpVfSet *set, guint pf_pos, guint index)
{
  guint bit = set->offset[pf_pos] + index;

  set->bits[bit / 64] |= G_GUINT64_CONSTANT (1) << (bit % 64);
}
/* Add the VFs of the pool's PF number @pf_pos whose byte in @flags (@n of
 * them, each 0 or 1, as the lease index gives them) is 1: eight VFs per
 * step, not a test and a store per VF. */
void vfp_vf_set_add_flags (VfpVfSet *set, guint pf_pos, const guint8 *flags, guint n);
/* Is VF @index of the pool's PF number @pf_pos (its place in pool->pfs)
 * in the set? */
static inline gboolean
vfp_vf_set_contains (const VfpVfSet *set, guint pf_pos, guint index)
{
  guint bit;

  if (pf_pos >= set->pool->pfs->len || set->offset[pf_pos] + index >= set->offset[pf_pos + 1])
    return FALSE;
  bit = set->offset[pf_pos] + index;
  return (set->bits[bit / 64] >> (bit % 64)) & 1;
}
/* How many VFs of PF number @pf_pos are in the set. */
guint vfp_vf_set_count_pf (const VfpVfSet *set, guint pf_pos);
/* The lowest VF index >= @from of PF number @pf_pos not in the set, or -1:
 * a word of 64 VFs per step. */
int vfp_vf_set_next_clear (const VfpVfSet *set, guint pf_pos, guint from);
void vfp_vf_set_free (VfpVfSet *set);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpVfSet, vfp_vf_set_free)

G_END_DECLS
