/* vfp-alloc.c: rank a pool's free VFs (sticky, NUMA-local, spread, index). */
#include "config.h"
#include "vfp-alloc.h"

#include <string.h>

typedef struct {
  VfpVf *vf;
  guint sticky;      /* 0 = the sticky VF */
  guint remote;      /* 0 = on the requested NUMA node */
  guint pf_load;     /* leased members on the same PF */
  guint pf_order;    /* PF position in the pool config (tie break) */
} Candidate;

static gint
compare_candidates (gconstpointer pa, gconstpointer pb)
{
  const Candidate *a = pa, *b = pb;

  if (a->sticky != b->sticky)
    return a->sticky < b->sticky ? -1 : 1;
  if (a->remote != b->remote)
    return a->remote < b->remote ? -1 : 1;
  if (a->pf_load != b->pf_load)
    return a->pf_load < b->pf_load ? -1 : 1;
  if (a->pf_order != b->pf_order)
    return a->pf_order < b->pf_order ? -1 : 1;
  if (a->vf->index != b->vf->index)
    return a->vf->index < b->vf->index ? -1 : 1;
  return 0;
}

GPtrArray *
vfp_alloc_rank (VfpPool *pool, GHashTable *unavailable, const char *sticky_pci,
                int numa_node)
{
  g_autoptr (GArray) cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_autofree guint *load = g_new0 (guint, pool->pfs->len + 1);
  GPtrArray *out;

  /* Load per PF counts the pool's own leased VFs, so pools that share a PF
   * (with disjoint ranges) spread independently. */
  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      guint pf_pos;
      if (unavailable != NULL && g_hash_table_contains (unavailable, vf->pci)
          && g_ptr_array_find (pool->pfs, vf->pf, &pf_pos))
        load[pf_pos]++;
    }
  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      Candidate c = { vf, 1, 0, 0, 0 };

      if (unavailable != NULL && g_hash_table_contains (unavailable, vf->pci))
        continue;
      g_ptr_array_find (pool->pfs, vf->pf, &c.pf_order);
      c.sticky = (sticky_pci != NULL && strcmp (sticky_pci, vf->pci) == 0) ? 0 : 1;
      c.remote = (numa_node >= 0 && vf->pf->numa_node != numa_node) ? 1 : 0;
      c.pf_load = load[c.pf_order];
      g_array_append_val (cands, c);
    }
  g_array_sort (cands, compare_candidates);
  out = g_ptr_array_sized_new (cands->len);
  for (guint i = 0; i < cands->len; i++)
    g_ptr_array_add (out, g_array_index (cands, Candidate, i).vf);
  return out;
}
