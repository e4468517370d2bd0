/* vfp-alloc.c: rank a pool's free VFs (link, sticky, NUMA-local, spread,
 * index), keep a bond's nics on distinct ports, and say why none fits. */
#include "config.h"
#include "vfp-alloc.h"
#include "vfp-error.h"

#include <string.h>

/* A free VF and its rank, packed so that a smaller key ranks first: link
 * up before down, then the sticky VF, then NUMA-local, then the PF with
 * the fewest leased members, then PF order in the config, then VF index.
 * One integer compare per step keeps sorting a few thousand candidates
 * cheap on the hook's path (BENCHMARKS.md). */
typedef struct {
  guint64 key;
  VfpVf *vf;
} Candidate;

static guint64
candidate_key (guint down, guint sticky, guint remote, guint pf_load, guint pf_order,
               guint index)
{
  return (guint64) down << 50 | (guint64) sticky << 49 | (guint64) remote << 48
         | (guint64) MIN (pf_load, 0xffff) << 32 | (guint64) MIN (pf_order, 0xffff) << 16
         | MIN (index, 0xffff);
}

static gint
compare_candidates (gconstpointer pa, gconstpointer pb)
{
  const Candidate *a = pa, *b = pb;

  return a->key < b->key ? -1 : a->key > b->key;
}

/* Keep @c if it is among the best @limit seen so far: @best holds *@n
 * candidates in order.  One pass over the free VFs picks the few a start
 * tries, instead of sorting (or rescanning) all of them. */
static void
keep_best (Candidate *best, guint *n, guint limit, Candidate c)
{
  guint i;

  if (*n == limit && c.key >= best[limit - 1].key)
    return;
  i = *n < limit ? (*n)++ : limit - 1;
  for (; i > 0 && best[i - 1].key > c.key; i--)
    best[i] = best[i - 1];
  best[i] = c;
}

/* The place of @vf's PF in pool->pfs.  Members come grouped by PF (a pool
 * lists a PF once), so the answer for the previous VF is almost always the
 * answer: no search per VF. */
static guint
pf_position (const VfpPool *pool, const VfpVf *vf, const VfpPf **last, guint *last_pos)
{
  if (vf->pf != *last)
    {
      *last_pos = 0;
      g_ptr_array_find (pool->pfs, vf->pf, last_pos);
      *last = vf->pf;
    }
  return *last_pos;
}

static gboolean
is_unavailable (const VfpAllocQuery *q, const VfpVf *vf, guint pf_pos)
{
  return (q->unavailable_set != NULL
          && vfp_vf_set_contains (q->unavailable_set, pf_pos, vf->index))
         || (q->unavailable != NULL && g_hash_table_contains (q->unavailable, vf->pci));
}

/* @pf's link: read now if the config load left it for later. */
static VfpLink
pf_link (const VfpAllocQuery *q, const VfpPf *pf)
{
  return vfp_pf_link ((VfpPf *) pf, q->sysfs_root);
}

/* A free VF the pool may not hand out at all (as opposed to ranking it
 * last): its PF's link is down and the pool requires link. */
static gboolean
link_refused (const VfpPool *pool, const VfpAllocQuery *q, const VfpVf *vf)
{
  return pool->require_link && pf_link (q, vf->pf) == VFP_LINK_DOWN;
}

static gboolean
on_avoided_port (const VfpAllocQuery *q, const VfpVf *vf)
{
  return q->avoid_ports != NULL
         && g_hash_table_contains (q->avoid_ports, vfp_pf_port_key (vf->pf));
}

/* What ranks a PF's VFs, worked out once per PF rather than per VF. */
typedef struct {
  guint load;               /* the pool's unavailable VFs on it */
  guint down, remote;       /* candidate_key bits */
  gboolean refused, avoided;
} PfRank;

/* The member of @pool the nic had last time, or NULL. */
static const VfpVf *
find_sticky (VfpPool *pool, const char *sticky_pci)
{
  const VfpVf *vf;

  if (sticky_pci == NULL)
    return NULL;
  vf = vfp_pool_find_member (pool, sticky_pci);
  if (vf != NULL)
    return vf;
  /* Pools built by hand (tests) have no VF lists on their PFs. */
  for (guint i = 0; i < pool->members->len; i++)
    if (strcmp (((VfpVf *) pool->members->pdata[i])->pci, sticky_pci) == 0)
      return pool->members->pdata[i];
  return NULL;
}

/* The members of @pool from @start on are all of @pf's VFs in index order
 * (the usual pfs=ens1f0, not a range): *@run_len of them. */
static gboolean
whole_pf_run (const VfpPool *pool, guint start, const VfpPf *pf, guint *run_len)
{
  guint n = pf->vfs != NULL ? pf->vfs->len : 0;

  if (n == 0 || start + n > pool->members->len)
    return FALSE;
  /* One memcmp of the pointers, not a loop: 4096 members on every start. */
  if (memcmp (pool->members->pdata + start, pf->vfs->pdata, n * sizeof (gpointer)) != 0)
    return FALSE;
  *run_len = n;
  return start + n == pool->members->len
         || ((VfpVf *) pool->members->pdata[start + n])->pf != pf;
}

static GPtrArray *
best_to_array (const Candidate *best, guint n)
{
  GPtrArray *out = g_ptr_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (out, best[i].vf);
  return out;
}

/* A PF of a pool of whole PFs, as rank_whole_pfs() walks them. */
typedef struct {
  const VfpPf *pf;
  guint pos, n, load, remote;
  guint64 key;              /* the key its VFs would have, less link and index */
} PfRun;

static gint
compare_runs (gconstpointer pa, gconstpointer pb)
{
  const PfRun *a = pa, *b = pb;

  return a->key < b->key ? -1 : a->key > b->key;
}

/* The first q->limit free VFs of @r's PF (not the sticky one) into @best:
 * since a PF's VFs rank by index after the per-PF facts, no other of its
 * VFs can be among the best — found a word of 64 VFs at a time. */
static void
add_run (const VfpAllocQuery *q, const PfRun *r, guint down, const VfpVf *sticky_vf,
         Candidate *best, guint *n_best)
{
  guint taken = 0;

  for (int j = vfp_vf_set_next_clear (q->unavailable_set, r->pos, 0); j >= 0 && taken < q->limit;
       j = vfp_vf_set_next_clear (q->unavailable_set, r->pos, j + 1))
    {
      Candidate c = { candidate_key (down, 1, r->remote, r->load, r->pos, j), r->pf->vfs->pdata[j] };
      if (c.vf == sticky_vf)
        continue;
      keep_best (best, n_best, q->limit, c);
      taken++;
    }
}

/* vfp_alloc_rank_query() with a limit, for a pool of whole PFs and the
 * unavailable VFs as bits only (every start): a PF's load is a popcount,
 * and only its first @limit free VFs (and the sticky one) can be among the
 * best.  The PFs are walked best first by everything but the link, which
 * is read as each is reached: once @limit candidates on PFs whose link is
 * not down rank before the next PF, no later PF can place one, and their
 * links are not read (without @outcome, whose counts need every PF).  NULL
 * when the pool has a range of a PF: the general pass decides (same
 * order). */
static GPtrArray *
rank_whole_pfs (VfpPool *pool, const VfpAllocQuery *q, const VfpVf *sticky_vf,
                VfpAllocOutcome *outcome)
{
  const VfpVfSet *set = q->unavailable_set;
  g_autofree Candidate *best = g_new (Candidate, q->limit);
  g_autofree PfRun *runs = g_new (PfRun, pool->pfs->len + 1);
  VfpAllocOutcome local = { 0 };
  guint n_best = 0, n_runs = 0;

  for (guint i = 0; i < pool->members->len;)
    {
      const VfpPf *pf = ((VfpVf *) pool->members->pdata[i])->pf;
      VfpVf probe = { (VfpPf *) pf, 0, NULL };
      PfRun r = { pf, 0, 0, 0, 0, 0 };

      if (!g_ptr_array_find (pool->pfs, pf, &r.pos) || !whole_pf_run (pool, i, pf, &r.n)
          || n_runs == pool->pfs->len)
        return NULL;
      i += r.n;
      r.load = vfp_vf_set_count_pf (set, r.pos);
      if (on_avoided_port (q, &probe))
        {
          /* Counted as the general pass counts it: require-link first. */
          if (outcome != NULL && link_refused (pool, q, &probe))
            local.link_excluded += r.n - r.load;
          else
            local.bond_excluded += r.n - r.load;
          continue;
        }
      r.remote = (q->numa_node >= 0 && pf->numa_node != q->numa_node) ? 1 : 0;
      r.key = candidate_key (0, 1, r.remote, r.load, r.pos, 0);
      runs[n_runs++] = r;
    }
  qsort (runs, n_runs, sizeof *runs, compare_runs);
  /* The sticky VF ranks before every other VF whose PF's link is like its
   * PF's: placed first, so that the walk below can stop early. */
  for (guint k = 0; sticky_vf != NULL && k < n_runs; k++)
    if (runs[k].pf == sticky_vf->pf && !vfp_vf_set_contains (set, runs[k].pos, sticky_vf->index))
      {
        VfpLink link = pf_link (q, runs[k].pf);

        if (!(pool->require_link && link == VFP_LINK_DOWN))
          keep_best (best, &n_best, q->limit,
                     (Candidate) { candidate_key (link == VFP_LINK_DOWN, 0, runs[k].remote,
                                                  runs[k].load, runs[k].pos, sticky_vf->index),
                                   (VfpVf *) sticky_vf });
      }
  for (guint k = 0; k < n_runs; k++)
    {
      const PfRun *r = &runs[k];
      guint down;

      if (outcome == NULL && n_best == q->limit && best[q->limit - 1].key < r->key)
        break;
      down = pf_link (q, r->pf) == VFP_LINK_DOWN ? 1 : 0;
      if (pool->require_link && down)
        {
          local.link_excluded += r->n - r->load;
          continue;
        }
      local.link_down += down * (r->n - r->load);
      add_run (q, r, down, sticky_vf, best, &n_best);
    }
  if (outcome != NULL)
    *outcome = local;
  return best_to_array (best, n_best);
}

GPtrArray *
vfp_alloc_rank_query (VfpPool *pool, const VfpAllocQuery *q, VfpAllocOutcome *outcome)
{
  const VfpVf *sticky_vf = find_sticky (pool, q->sticky_pci);
  g_autoptr (GArray) all = NULL;
  g_autofree Candidate *best = NULL;
  g_autofree PfRank *pfs = NULL;
  g_autofree guint8 *busy = NULL;
  g_autofree guint *pf_of = NULL;
  const VfpPf *last = NULL;
  guint last_pos = 0, n_best = 0;
  VfpAllocOutcome local = { 0 };
  GPtrArray *out;

  if (q->limit > 0 && q->unavailable == NULL && q->unavailable_set != NULL
      && (out = rank_whole_pfs (pool, q, sticky_vf, outcome)) != NULL)
    return out;
  all = q->limit == 0 ? g_array_new (FALSE, FALSE, sizeof (Candidate)) : NULL;
  best = g_new (Candidate, MAX (q->limit, 1));
  pfs = g_new0 (PfRank, pool->pfs->len + 1);
  busy = g_new (guint8, pool->members->len + 1);
  pf_of = g_new (guint, pool->members->len + 1);

  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];
      VfpVf probe = { (VfpPf *) pf, 0, NULL };

      pfs[i].down = pf_link (q, pf) == VFP_LINK_DOWN ? 1 : 0;
      pfs[i].remote = (q->numa_node >= 0 && pf->numa_node != q->numa_node) ? 1 : 0;
      pfs[i].refused = link_refused (pool, q, &probe);
      pfs[i].avoided = on_avoided_port (q, &probe);
    }
  /* Load per PF counts the pool's own leased VFs, so pools that share a PF
   * (with disjoint ranges) spread independently.  Each member is looked up
   * once; the ranking pass below reads the answer back. */
  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      guint pf_pos = pf_position (pool, vf, &last, &last_pos);

      pf_of[i] = pf_pos;
      busy[i] = is_unavailable (q, vf, pf_pos);
      pfs[pf_pos].load += busy[i];
    }
  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      guint pf_pos = pf_of[i];
      const PfRank *r = &pfs[pf_pos];
      Candidate c = { 0, vf };

      if (busy[i])
        continue;
      if (r->refused)
        {
          local.link_excluded++;
          continue;
        }
      if (r->avoided)
        {
          local.bond_excluded++;
          continue;
        }
      local.link_down += r->down;
      c.key = candidate_key (r->down, vf == sticky_vf ? 0 : 1, r->remote, r->load, pf_pos,
                             vf->index);
      if (all != NULL)
        g_array_append_val (all, c);
      else
        keep_best (best, &n_best, q->limit, c);
    }
  if (all != NULL)
    {
      g_array_sort (all, compare_candidates);
      out = g_ptr_array_sized_new (all->len);
      for (guint i = 0; i < all->len; i++)
        g_ptr_array_add (out, g_array_index (all, Candidate, i).vf);
    }
  else
    out = best_to_array (best, n_best);
  if (outcome != NULL)
    *outcome = local;
  return out;
}

GPtrArray *
vfp_alloc_rank (VfpPool *pool, GHashTable *unavailable, const char *sticky_pci, int numa_node)
{
  VfpAllocQuery q = { unavailable, sticky_pci, numa_node, NULL, 0, NULL };
  return vfp_alloc_rank_query (pool, &q, NULL);
}

static const char *
pf_name (const VfpPf *pf)
{
  return pf->netdev != NULL ? pf->netdev : pf->pci;
}

/* How a message names the port @key of @pool: its PFs, "/"-joined when
 * several functions share it ("ens1f0/ens1f1"). */
static char *
port_name (const VfpPool *pool, const char *key)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];
      if (strcmp (vfp_pf_port_key (pf), key) == 0)
        g_string_append_printf (s, "%s%s", s->len ? "/" : "", pf_name (pf));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
append_list (GString *s, GPtrArray *items)
{
  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", (const char *) items->pdata[i]);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char *
vfp_alloc_refusal (VfpPool *pool, const VfpAllocQuery *q, const char *bond)
{
  /* Ports (keys, in pool order) that have a free VF the pool may hand out,
   * and the PFs whose free VFs require-link holds back. */
  g_autoptr (GPtrArray) ports = g_ptr_array_new ();
  g_autoptr (GPtrArray) down = g_ptr_array_new ();
  guint link_excluded = 0, bond_excluded = 0, last_pos = 0;
  const VfpPf *last = NULL;

  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      const char *key = vfp_pf_port_key (vf->pf);

      if (is_unavailable (q, vf, pf_position (pool, vf, &last, &last_pos)))
        continue;
      if (link_refused (pool, q, vf))
        {
          link_excluded++;
          if (!g_ptr_array_find_with_equal_func (down, pf_name (vf->pf), g_str_equal, NULL))
            g_ptr_array_add (down, (gpointer) pf_name (vf->pf));
          continue;
        }
      bond_excluded += on_avoided_port (q, vf);
      if (!g_ptr_array_find_with_equal_func (ports, key, g_str_equal, NULL))
        g_ptr_array_add (ports, (gpointer) key);
    }

  /* The bond is the reason only when every port with a free VF is one the
   * bond has (else the free VFs fell through for another reason). */
  for (guint i = 0; i < ports->len; i++)
    if (q->avoid_ports == NULL || !g_hash_table_contains (q->avoid_ports, ports->pdata[i]))
      bond_excluded = 0;
  if (bond != NULL && bond_excluded > 0)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) holders = g_ptr_array_new ();

      for (guint i = 0; i < ports->len; i++)
        {
          const char *holder = g_hash_table_lookup (q->avoid_ports, ports->pdata[i]);
          g_ptr_array_add (names, port_name (pool, ports->pdata[i]));
          if (!g_ptr_array_find_with_equal_func (holders, holder, g_str_equal, NULL))
            g_ptr_array_add (holders, (gpointer) holder);
        }
      g_ptr_array_sort (holders, compare_strings);
      g_string_append_printf (s, "pool '%s' cannot place bond '%s' on distinct ports: ",
                              pool->name, bond);
      if (ports->len == 1)
        g_string_append (s, "only one port with a free VF (");
      else
        g_string_append_printf (s, "only %u ports with a free VF (", ports->len);
      append_list (s, names);
      g_string_append (s, "), and ");
      append_list (s, holders);
      g_string_append_printf (s, " of the bond ha%s %s", holders->len == 1 ? "s" : "ve",
                              ports->len == 1 ? "it" : "them");
      if (link_excluded > 0)
        g_string_append_printf (s, "; %u more free on PFs whose link is down (require-link=yes)",
                                link_excluded);
      return g_string_free (g_steal_pointer (&s), FALSE);
    }
  if (link_excluded > 0 && ports->len == 0)
    {
      g_autoptr (GString) s = g_string_new (NULL);

      g_string_append_printf (s, "pool '%s' has require-link=yes and its %u free VF%s %s on "
                              "PFs whose link is down (", pool->name, link_excluded,
                              link_excluded == 1 ? "" : "s", link_excluded == 1 ? "is" : "are");
      append_list (s, down);
      g_string_append (s, ")");
      return g_string_free (g_steal_pointer (&s), FALSE);
    }
  return NULL;
}

/* ---- bonds ---------------------------------------------------------------- */

struct _VfpBondPorts {
  GHashTable *bonds;        /* bond name -> GHashTable port key -> "nic N" */
};

VfpBondPorts *
vfp_bond_ports_new (void)
{
  VfpBondPorts *ports = g_new0 (VfpBondPorts, 1);

  ports->bonds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_hash_table_unref);
  return ports;
}

void
vfp_bond_ports_free (VfpBondPorts *ports)
{
  if (ports == NULL)
    return;
  g_hash_table_unref (ports->bonds);
  g_free (ports);
}

GHashTable *
vfp_bond_ports_get (VfpBondPorts *ports, const char *bond)
{
  GHashTable *set;

  if (bond == NULL)
    return NULL;
  set = g_hash_table_lookup (ports->bonds, bond);
  if (set == NULL)
    {
      set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (ports->bonds, g_strdup (bond), set);
    }
  return set;
}

const char *
vfp_bond_ports_add (VfpBondPorts *ports, const char *bond, guint nic, const VfpPf *pf)
{
  GHashTable *set = vfp_bond_ports_get (ports, bond);
  const char *key = vfp_pf_port_key (pf);
  const char *earlier;

  if (set == NULL)
    return NULL;
  earlier = g_hash_table_lookup (set, key);
  if (earlier != NULL)
    return earlier;
  g_hash_table_insert (set, g_strdup (key), g_strdup_printf ("nic %u", nic));
  return NULL;
}

char *
vfp_alloc_bond_conflict (VfpPool *pool, const char *bond, const VfpVf *vf, const char *holder)
{
  g_autofree char *port = port_name (pool, vfp_pf_port_key (vf->pf));

  return g_strdup_printf ("pool '%s' cannot place bond '%s' on distinct ports: the XML names "
                          "VF %s on port %s, which %s of the bond has too", pool->name, bond,
                          vf->pci, port, holder);
}
