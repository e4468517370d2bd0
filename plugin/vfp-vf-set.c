/* vfp-vf-set.c: a set of one pool's VFs as bits, indexed by PF and VF index. */
#include "config.h"
#include "vfp-vf-set.h"

struct _VfpVfSet {
  const VfpPool *pool;
  guint *offset;        /* first bit of each PF of pool->pfs */
  guint64 *bits;
};

VfpVfSet *
vfp_vf_set_new (const VfpPool *pool)
{
  VfpVfSet *set = g_new0 (VfpVfSet, 1);
  guint total = 0;

  set->pool = pool;
  set->offset = g_new (guint, pool->pfs->len + 1);
  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];
      set->offset[i] = total;
      total += pf->vfs != NULL ? pf->vfs->len : 0;
    }
  set->offset[pool->pfs->len] = total;
  set->bits = g_new0 (guint64, total / 64 + 1);
  return set;
}

gboolean
vfp_vf_set_add (VfpVfSet *set, const char *pci)
{
  guint domain, rid;

  /* Parsed once, then arithmetic per PF: a start adds every lease of the
   * host, thousands of them. */
  if (!vfp_pci_address_rid (pci, &domain, &rid))
    return FALSE;
  for (guint i = 0; i < set->pool->pfs->len; i++)
    {
      const VfpPf *pf = set->pool->pfs->pdata[i];
      int index = pf->vf_stride > 0 ? vfp_pf_vf_index_at (pf, domain, rid)
                                    : vfp_pf_vf_index (pf, pci);

      if (index >= 0)
        {
          guint bit = set->offset[i] + index;
          set->bits[bit / 64] |= G_GUINT64_CONSTANT (1) << (bit % 64);
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
vfp_vf_set_contains (const VfpVfSet *set, guint pf_pos, guint index)
{
  guint bit;

  if (pf_pos >= set->pool->pfs->len || set->offset[pf_pos] + index >= set->offset[pf_pos + 1])
    return FALSE;
  bit = set->offset[pf_pos] + index;
  return (set->bits[bit / 64] >> (bit % 64)) & 1;
}

void
vfp_vf_set_free (VfpVfSet *set)
{
  if (set == NULL)
    return;
  g_free (set->offset);
  g_free (set->bits);
  g_free (set);
}
