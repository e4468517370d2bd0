/* vfp-vf-set.c: a set of one pool's VFs as bits, indexed by PF and VF index. */
#include "config.h"
#include "vfp-vf-set.h"

#include <stdlib.h>
#include <string.h>

/* Where a PF's VFs are, for the arithmetic of vfp_vf_set_add(). */
struct _VfpVfSetPfRids {
  guint64 start, end;   /* domain << 16 | RID of its first and last VF */
  guint64 max_end;      /* the largest end of this and the earlier ranges */
  guint stride;
  guint pf_pos;         /* in pool->pfs */
};
typedef VfpVfSetPfRids PfRids;

static gint
compare_rids (gconstpointer a, gconstpointer b)
{
  const PfRids *x = a, *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

VfpVfSet *
vfp_vf_set_new (const VfpPool *pool)
{
  VfpVfSet *set = g_new0 (VfpVfSet, 1);
  guint total = 0;

  set->pool = pool;
  set->offset = g_new (guint, pool->pfs->len + 1);
  set->rids = g_new0 (PfRids, pool->pfs->len);
  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];
      guint n = pf->vfs != NULL ? pf->vfs->len : 0;

      set->offset[i] = total;
      total += n;
      if (pf->vf_stride > 0 && n > 0)
        set->rids[set->n_rids++] = (PfRids) {
          .start = (guint64) pf->vf_domain << 16 | pf->vf_rid0,
          .end = (guint64) pf->vf_domain << 16 | (pf->vf_rid0 + (n - 1) * pf->vf_stride),
          .stride = pf->vf_stride, .pf_pos = i };
      else if (n > 0)
        set->others = TRUE;
    }
  qsort (set->rids, set->n_rids, sizeof *set->rids, compare_rids);
  for (guint i = 0; i < set->n_rids; i++)
    set->rids[i].max_end = MAX (set->rids[i].end, i > 0 ? set->rids[i - 1].max_end : 0);
  set->offset[pool->pfs->len] = total;
  set->bits = g_new0 (guint64, total / 64 + 1);
  return set;
}

gboolean
vfp_vf_set_add (VfpVfSet *set, const char *pci)
{
  guint domain, rid;

  return vfp_pci_address_rid (pci, &domain, &rid) && vfp_vf_set_add_rid (set, pci, domain, rid);
}

/* A binary search of the PFs' VF ranges: a start adds every lease of the
 * host, thousands of them, against dozens of PFs. */
gboolean
vfp_vf_set_add_rid (VfpVfSet *set, const char *pci, guint domain, guint rid)
{
  guint64 key = (guint64) domain << 16 | rid;
  guint lo = 0, hi;

  hi = set->n_rids;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (set->rids[mid].start <= key)
        lo = mid + 1;
      else
        hi = mid;
    }
  /* rids[lo - 1] is the last range starting at or before the address.
   * Ranges overlap where PFs interleave their VFs (two functions of one
   * card, stride 2 each), so earlier ones are checked too, as long as one
   * of them reaches this far. */
  for (guint i = lo; i > 0 && set->rids[i - 1].max_end >= key; i--)
    {
      const PfRids *r = &set->rids[i - 1];
      if (key <= r->end && (key - r->start) % r->stride == 0)
        {
          vfp_vf_set_add_at (set, r->pf_pos, (key - r->start) / r->stride);
          return TRUE;
        }
    }
  for (guint i = 0; set->others && i < set->pool->pfs->len; i++)
    {
      const VfpPf *pf = set->pool->pfs->pdata[i];
      int index;

      if (pf->vf_stride > 0 || (index = vfp_pf_vf_index (pf, pci)) < 0)
        continue;
      vfp_vf_set_add_at (set, i, index);
      return TRUE;
    }
  return FALSE;
}

void
vfp_vf_set_add_flags (VfpVfSet *set, guint pf_pos, const guint8 *flags, guint n)
{
  guint base = set->offset[pf_pos], i = 0;

  for (; i + 8 <= n; i += 8)
    {
      guint64 w, byte;
      guint bit = base + i;

      memcpy (&w, flags + i, 8);
      if (w == 0)
        continue;
      /* Bytes of 0 or 1 to 8 bits, byte k to bit k: the multiply sums
       * each byte's low bit into the top byte at its own place. */
      byte = (w * G_GUINT64_CONSTANT (0x0102040810204080)) >> 56;
      set->bits[bit / 64] |= byte << (bit % 64);
      if (bit % 64 > 56)
        set->bits[bit / 64 + 1] |= byte >> (64 - bit % 64);
    }
  for (; i < n; i++)
    if (flags[i])
      vfp_vf_set_add_at (set, pf_pos, i);
}

guint
vfp_vf_set_count_pf (const VfpVfSet *set, guint pf_pos)
{
  guint from = set->offset[pf_pos], to = set->offset[pf_pos + 1], count = 0;

  /* A word at a time: the PF's bits, masked at both ends. */
  for (guint w = from / 64; w * 64 < to; w++)
    {
      guint64 word = set->bits[w];
      if (w == from / 64)
        word &= ~G_GUINT64_CONSTANT (0) << (from % 64);
      if ((w + 1) * 64 > to)
        word &= ~(~G_GUINT64_CONSTANT (0) << (to % 64));
      count += __builtin_popcountll (word);
    }
  return count;
}

int
vfp_vf_set_next_clear (const VfpVfSet *set, guint pf_pos, guint from)
{
  guint start = set->offset[pf_pos], end = set->offset[pf_pos + 1];

  for (guint bit = start + from; bit < end;)
    {
      /* The clear bits of this word from @bit on. */
      guint64 clear = ~set->bits[bit / 64] & (~G_GUINT64_CONSTANT (0) << (bit % 64));
      if (clear != 0)
        {
          guint found = (bit / 64) * 64 + __builtin_ctzll (clear);
          return found < end ? (int) (found - start) : -1;
        }
      bit = (bit / 64 + 1) * 64;
    }
  return -1;
}

void
vfp_vf_set_free (VfpVfSet *set)
{
  if (set == NULL)
    return;
  g_free (set->offset);
  g_free (set->rids);
  g_free (set->bits);
  g_free (set);
}
