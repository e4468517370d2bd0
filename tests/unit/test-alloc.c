/* test-alloc.c: the allocation policy — link, sticky, NUMA-local, spread,
 * index — and what keeps a bond's nics on distinct ports. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vfp-alloc.h"
#include "vfp-test-util.h"

/* Two PFs: pf A on NUMA 0 with VFs a0..a3, pf B on NUMA 1 with b0..b3. */
typedef struct {
  VfpPf pf[2];
  VfpVf vf[8];
  VfpPool pool;
} Fixture;

static void
fixture_init (Fixture *f)
{
  static const char *names[8] = { "0000:01:10.0", "0000:01:10.1", "0000:01:10.2", "0000:01:10.3",
                                  "0000:81:10.0", "0000:81:10.1", "0000:81:10.2", "0000:81:10.3" };
  memset (f, 0, sizeof *f);
  f->pf[0].numa_node = 0;
  f->pf[1].numa_node = 1;
  f->pf[0].netdev = (char *) "ens1f0";
  f->pf[0].pci = (char *) "0000:01:00.0";
  f->pf[1].netdev = (char *) "ens4f0";
  f->pf[1].pci = (char *) "0000:81:00.0";
  f->pool.name = (char *) "p";
  f->pool.pfs = g_ptr_array_new ();
  f->pool.members = g_ptr_array_new ();
  g_ptr_array_add (f->pool.pfs, &f->pf[0]);
  g_ptr_array_add (f->pool.pfs, &f->pf[1]);
  for (int i = 0; i < 8; i++)
    {
      f->vf[i].pf = &f->pf[i / 4];
      f->vf[i].index = i % 4;
      f->vf[i].pci = (char *) names[i];
      g_ptr_array_add (f->pool.members, &f->vf[i]);
    }
}

static void
fixture_clear (Fixture *f)
{
  g_ptr_array_unref (f->pool.pfs);
  g_ptr_array_unref (f->pool.members);
}

typedef struct {
  const char *name;
  const char *leased;     /* space-separated */
  const char *sticky;
  int numa;
  const char *first;      /* expected best candidate */
  guint count;            /* expected number of candidates */
} Case;

static const Case cases[] = {
  { "empty pool state: lowest index on first PF", "", NULL, -1, "0000:01:10.0", 8 },
  { "sticky wins over everything", "", "0000:81:10.2", 0, "0000:81:10.2", 8 },
  { "sticky but leased: ignored", "0000:81:10.2", "0000:81:10.2", -1, "0000:01:10.0", 7 },
  { "NUMA 1 prefers PF B", "", NULL, 1, "0000:81:10.0", 8 },
  { "spread: PF A has more leased", "0000:01:10.0 0000:01:10.1", NULL, -1, "0000:81:10.0", 6 },
  { "NUMA beats spread", "0000:01:10.0 0000:01:10.1", NULL, 0, "0000:01:10.2", 6 },
  { "all leased: no candidate", "0000:01:10.0 0000:01:10.1 0000:01:10.2 0000:01:10.3 "
    "0000:81:10.0 0000:81:10.1 0000:81:10.2 0000:81:10.3", NULL, -1, NULL, 0 },
};

static void
test_rank (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fixture f;
      g_autoptr (GHashTable) leased = g_hash_table_new (g_str_hash, g_str_equal);
      g_auto (GStrv) parts = g_strsplit (cases[i].leased, " ", -1);
      g_autoptr (GPtrArray) r1 = NULL;
      g_autoptr (GPtrArray) r2 = NULL;

      fixture_init (&f);
      for (char **p = parts; *p; p++)
        if (**p)
          g_hash_table_add (leased, *p);
      r1 = vfp_alloc_rank (&f.pool, leased, cases[i].sticky, cases[i].numa);
      r2 = vfp_alloc_rank (&f.pool, leased, cases[i].sticky, cases[i].numa);
      if (r1->len != cases[i].count)
        fail_msg ("case '%s': %u candidates, want %u", cases[i].name, r1->len, cases[i].count);
      if (cases[i].first != NULL
          && strcmp (((VfpVf *) r1->pdata[0])->pci, cases[i].first) != 0)
        fail_msg ("case '%s': first %s, want %s", cases[i].name,
                  ((VfpVf *) r1->pdata[0])->pci, cases[i].first);
      for (guint j = 0; j < r1->len; j++)   /* deterministic */
        if (r1->pdata[j] != r2->pdata[j])
          fail_msg ("case '%s': order differs between two runs at %u", cases[i].name, j);
      for (guint j = 0; j < r1->len; j++)
        if (g_hash_table_contains (leased, ((VfpVf *) r1->pdata[j])->pci))
          fail_msg ("case '%s': leased VF offered", cases[i].name);
      fixture_clear (&f);
    }
}

/* With a limit (a start's first pass) the best few come out in the same
 * order as the full ranking, for every case above. */
static void
test_rank_limit (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint limit = 1; limit <= 2; limit++)
      {
        Fixture f;
        g_autoptr (GHashTable) leased = g_hash_table_new (g_str_hash, g_str_equal);
        g_auto (GStrv) parts = g_strsplit (cases[i].leased, " ", -1);
        g_autoptr (GPtrArray) all = NULL;
        g_autoptr (GPtrArray) best = NULL;
        VfpAllocQuery q = { NULL };

        fixture_init (&f);
        for (char **p = parts; *p; p++)
          if (**p)
            g_hash_table_add (leased, *p);
        q.unavailable = leased;
        q.sticky_pci = cases[i].sticky;
        q.numa_node = cases[i].numa;
        all = vfp_alloc_rank_query (&f.pool, &q, NULL);
        q.limit = limit;
        best = vfp_alloc_rank_query (&f.pool, &q, NULL);
        if (best->len != MIN (limit, all->len))
          fail_msg ("case '%s' limit %u: %u candidates", cases[i].name, limit, best->len);
        for (guint j = 0; j < best->len; j++)
          if (best->pdata[j] != all->pdata[j])
            fail_msg ("case '%s' limit %u: candidate %u differs", cases[i].name, limit, j);
        fixture_clear (&f);
      }
}

/* The PCI addresses of @ranked, space-separated, for one-line asserts. */
static char *
joined (GPtrArray *ranked)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < ranked->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", ((VfpVf *) ranked->pdata[i])->pci);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static GHashTable *
set_of (const char *spaced)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto (GStrv) parts = g_strsplit (spaced, " ", -1);

  for (char **p = parts; *p; p++)
    if (**p)
      g_hash_table_add (set, g_strdup (*p));
  return set;
}

#define PF_A "0000:01:10.0 0000:01:10.1 0000:01:10.2 0000:01:10.3"
#define PF_B "0000:81:10.0 0000:81:10.1 0000:81:10.2 0000:81:10.3"

/* A PF whose link is down goes last, before sticky and NUMA; unknown is not
 * down. */
static void
test_link_down_ranks_last (void **state)
{
  Fixture f;
  VfpAllocOutcome o;
  VfpAllocQuery q = { NULL, "0000:01:10.1", 0, NULL };
  g_autoptr (GPtrArray) r = NULL;
  g_autoptr (GPtrArray) unknown = NULL;
  g_autofree char *order = NULL;

  fixture_init (&f);
  f.pf[1].link = VFP_LINK_UP;          /* A unknown, B up: no difference */
  unknown = vfp_alloc_rank (&f.pool, NULL, NULL, -1);
  assert_string_equal (((VfpVf *) unknown->pdata[0])->pci, "0000:01:10.0");

  f.pf[0].link = VFP_LINK_DOWN;        /* sticky and NUMA both point at A */
  r = vfp_alloc_rank_query (&f.pool, &q, &o);
  order = joined (r);
  assert_string_equal (order, PF_B " 0000:01:10.1 0000:01:10.0 0000:01:10.2 0000:01:10.3");
  assert_int_equal (o.link_down, 4);
  assert_int_equal (o.link_excluded, 0);
  assert_int_equal (o.bond_excluded, 0);
  fixture_clear (&f);
}

/* require-link=yes: VFs of a PF whose link is down are not offered at all,
 * and when nothing else is free the refusal says why. */
static void
test_require_link (void **state)
{
  Fixture f;
  VfpAllocOutcome o;
  g_autoptr (GHashTable) b_leased = set_of (PF_B);
  VfpAllocQuery q = { NULL, NULL, -1, NULL };
  g_autoptr (GPtrArray) r = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autofree char *order = NULL;
  g_autofree char *why = NULL;
  g_autofree char *no_why = NULL;

  fixture_init (&f);
  f.pool.require_link = TRUE;
  f.pf[0].link = VFP_LINK_DOWN;
  r = vfp_alloc_rank_query (&f.pool, &q, &o);
  order = joined (r);
  assert_string_equal (order, PF_B);
  assert_int_equal (o.link_excluded, 4);
  no_why = vfp_alloc_refusal (&f.pool, &q, NULL);
  assert_null (no_why);                /* B has free VFs: not a refusal */

  q.unavailable = b_leased;
  none = vfp_alloc_rank_query (&f.pool, &q, &o);
  assert_int_equal (none->len, 0);
  why = vfp_alloc_refusal (&f.pool, &q, NULL);
  assert_string_equal (why, "pool 'p' has require-link=yes and its 4 free VFs are on PFs "
                            "whose link is down (ens1f0)");
  fixture_clear (&f);
}

/* A bond's second nic never lands on the first one's port; two PFs with
 * one phys_port_id are one port. */
static void
test_bond_ports (void **state)
{
  Fixture f;
  VfpAllocOutcome o;
  g_autoptr (VfpBondPorts) bonds = vfp_bond_ports_new ();
  VfpAllocQuery q = { NULL, NULL, 0, NULL };
  g_autoptr (GPtrArray) free_nic = NULL;
  g_autoptr (GPtrArray) r = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autofree char *order = NULL;
  g_autofree char *why = NULL;

  fixture_init (&f);
  assert_null (vfp_bond_ports_get (bonds, NULL));
  assert_null (vfp_bond_ports_add (bonds, NULL, 0, &f.pf[0]));
  assert_null (vfp_bond_ports_add (bonds, "b0", 0, &f.pf[0]));
  /* A nic outside the bond is not held back (and NUMA 0 prefers A). */
  free_nic = vfp_alloc_rank_query (&f.pool, &q, &o);
  assert_string_equal (((VfpVf *) free_nic->pdata[0])->pci, "0000:01:10.0");

  q.avoid_ports = vfp_bond_ports_get (bonds, "b0");
  r = vfp_alloc_rank_query (&f.pool, &q, &o);
  order = joined (r);
  assert_string_equal (order, PF_B);   /* bond beats NUMA */
  assert_int_equal (o.bond_excluded, 4);
  /* The XML naming a second VF on A for the bond: a conflict with nic 0. */
  assert_string_equal (vfp_bond_ports_add (bonds, "b0", 1, &f.pf[0]), "nic 0");
  assert_null (vfp_bond_ports_add (bonds, "b1", 1, &f.pf[0]));

  /* Same phys_port_id: B is A's port, nothing is left for the bond. */
  f.pf[0].phys_port_id = (char *) "0123abcd";
  f.pf[1].phys_port_id = (char *) "0123abcd";
  g_clear_pointer (&bonds, vfp_bond_ports_free);
  bonds = vfp_bond_ports_new ();
  vfp_bond_ports_add (bonds, "b0", 0, &f.pf[0]);
  q.avoid_ports = vfp_bond_ports_get (bonds, "b0");
  none = vfp_alloc_rank_query (&f.pool, &q, &o);
  assert_int_equal (none->len, 0);
  assert_int_equal (o.bond_excluded, 8);
  why = vfp_alloc_refusal (&f.pool, &q, "b0");
  assert_string_equal (why, "pool 'p' cannot place bond 'b0' on distinct ports: only one port "
                            "with a free VF (ens1f0/ens4f0), and nic 0 of the bond has it");
  fixture_clear (&f);
}

/* Exhaustion of one PF: the bond's second nic has nowhere to go, and the
 * message names the one port left; a plain exhaustion is not a bond refusal. */
static void
test_bond_one_pf_exhausted (void **state)
{
  Fixture f;
  g_autoptr (GHashTable) b_leased = set_of (PF_B);
  g_autoptr (GHashTable) all = set_of (PF_A " " PF_B);
  g_autoptr (VfpBondPorts) bonds = vfp_bond_ports_new ();
  VfpAllocQuery q = { b_leased, NULL, -1, NULL };
  g_autoptr (GPtrArray) r = NULL;
  g_autofree char *why = NULL;
  g_autofree char *full = NULL;

  fixture_init (&f);
  vfp_bond_ports_add (bonds, "b0", 0, &f.pf[0]);
  q.avoid_ports = vfp_bond_ports_get (bonds, "b0");
  r = vfp_alloc_rank_query (&f.pool, &q, NULL);
  assert_int_equal (r->len, 0);
  why = vfp_alloc_refusal (&f.pool, &q, "b0");
  assert_string_equal (why, "pool 'p' cannot place bond 'b0' on distinct ports: only one port "
                            "with a free VF (ens1f0), and nic 0 of the bond has it");
  q.unavailable = all;
  full = vfp_alloc_refusal (&f.pool, &q, "b0");
  assert_null (full);                  /* nothing free at all: the caller's message */
  fixture_clear (&f);
}

/* A pool "p" of the whole PFs ens1f0, ens2f0, ... of a scale:N:VFS host
 * made under @dir, PF p on NUMA node p % 2: the rankings below are drawn
 * on it. */
typedef struct {
  VfpPool pool;
  VfpPf *pfs[4];
  guint n;
} WholePool;

static void
whole_pool_init (WholePool *w, const char *dir, guint n, guint vfs)
{
  g_autofree char *layout = g_strdup_printf ("scale:%u:%u", n, vfs);

  g_assert (n <= G_N_ELEMENTS (w->pfs));
  memset (w, 0, sizeof *w);
  w->n = n;
  w->pool.name = (char *) "p";
  w->pool.pfs = g_ptr_array_new ();
  w->pool.members = g_ptr_array_new ();
  vfp_test_make_sysfs (dir, layout);
  for (guint p = 0; p < n; p++)
    {
      g_autofree char *name = g_strdup_printf ("ens%uf0", p + 1);

      assert_true (vfp_host_read_pf (dir, name, &w->pfs[p], NULL));
      w->pfs[p]->numa_node = p % 2;
      g_ptr_array_add (w->pool.pfs, w->pfs[p]);
      g_ptr_array_extend (w->pool.members, w->pfs[p]->vfs, NULL, NULL);
    }
}

static void
whole_pool_clear (WholePool *w)
{
  g_ptr_array_unref (w->pool.members);
  g_ptr_array_unref (w->pool.pfs);
  for (guint p = 0; p < w->n; p++)
    vfp_pf_free (w->pfs[p]);
}

/* A random share (itself random) of @w's VFs, as a start's unavailable set. */
static VfpVfSet *
random_unavailable (WholePool *w, GRand *rand)
{
  VfpVfSet *set = vfp_vf_set_new (&w->pool);
  guint density = g_rand_int_range (rand, 0, 101);

  for (guint i = 0; i < w->pool.members->len; i++)
    if ((guint) g_rand_int_range (rand, 0, 100) < density)
      assert_true (vfp_vf_set_add (set, ((VfpVf *) w->pool.members->pdata[i])->pci));
  return set;
}

/* @got is @want, candidate by candidate. */
static void
assert_same_ranking (guint round, GPtrArray *got, GPtrArray *want)
{
  if (got->len != want->len)
    fail_msg ("round %u: %u candidates, general pass %u", round, got->len, want->len);
  for (guint j = 0; j < got->len; j++)
    if (got->pdata[j] != want->pdata[j])
      fail_msg ("round %u: candidate %u is %s, general pass %s", round, j,
                ((VfpVf *) got->pdata[j])->pci, ((VfpVf *) want->pdata[j])->pci);
}

/* The start's ranking of whole PFs from the bit set (a word of VFs at a
 * time) gives the same best candidates, in the same order, and the same
 * outcome counts as the general pass, for random leased sets over PFs of
 * 100 VFs (not a multiple of 64), with and without a sticky VF, a NUMA
 * node, a PF whose link is down, and require-link. */
static void
test_rank_whole_pfs_matches_general (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("alloc-whole");
  g_autoptr (GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);
  GRand *rand = g_rand_new_with_seed (14);
  WholePool w;
  VfpPool *pool = &w.pool;
  VfpPf **pfs = w.pfs;

  whole_pool_init (&w, dir, 3, 100);
  for (guint round = 0; round < 200; round++)
    {
      g_autoptr (VfpVfSet) set = random_unavailable (&w, rand);
      const VfpVf *sticky = pool->members->pdata[g_rand_int_range (rand, 0, 300)];
      VfpAllocQuery q = { NULL };
      VfpAllocOutcome fast_o, general_o;
      g_autoptr (GPtrArray) fast = NULL;
      g_autoptr (GPtrArray) general = NULL;

      pfs[1]->link = round % 3 == 0 ? VFP_LINK_DOWN : VFP_LINK_UP;
      pool->require_link = round % 5 == 0;
      q.unavailable_set = set;
      q.sticky_pci = round % 2 ? sticky->pci : NULL;
      q.numa_node = (int) (round % 3) - 1;
      q.limit = round % 4 == 0 ? 1 : round % 4 == 1 ? 8 : round % 4 == 2 ? 64 : 300;
      fast = vfp_alloc_rank_query (pool, &q, &fast_o);
      q.unavailable = none;   /* a hash table too: the general pass */
      general = vfp_alloc_rank_query (pool, &q, &general_o);
      assert_same_ranking (round, fast, general);
      assert_int_equal (fast_o.link_down, general_o.link_down);
      assert_int_equal (fast_o.link_excluded, general_o.link_excluded);
      assert_int_equal (fast_o.bond_excluded, general_o.bond_excluded);
    }
  g_rand_free (rand);
  whole_pool_clear (&w);
  vfp_test_rmtree (dir);
}

/* Write @state into @pf's operstate file under sysfs @root and mark its
 * link unread, as a start's config load leaves it (VFP_PF_FACT_LINK). */
static void
set_unread_link (const char *root, VfpPf *pf, const char *state)
{
  g_autofree char *dir = g_build_filename (root, "bus", "pci", "devices", pf->pci, "net",
                                           pf->netdev, NULL);

  vfp_test_write (dir, "operstate", state);
  pf->link = VFP_LINK_UNKNOWN;
  pf->link_unread = TRUE;
}

/* A start's ranking (limited, no outcome) reads the link only of the PFs
 * it reaches, best first, and still gives exactly the general pass's
 * candidates: for random leased sets, sticky VFs, NUMA nodes, links down
 * and require-link.  Some rounds must leave a PF's link unread, else the
 * walk read every PF. */
static void
test_rank_reads_links_lazily (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("alloc-lazy-link");
  g_autoptr (GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GRand) rand = g_rand_new_with_seed (30);
  WholePool w;
  VfpPool *pool = &w.pool;
  VfpPf **pfs = w.pfs;
  guint rounds_left_unread = 0;

  whole_pool_init (&w, dir, 4, 40);
  for (guint round = 0; round < 300; round++)
    {
      g_autoptr (VfpVfSet) set = random_unavailable (&w, rand);
      const VfpVf *sticky = pool->members->pdata[g_rand_int_range (rand, 0, 160)];
      VfpAllocQuery q = { NULL };
      g_autoptr (GPtrArray) lazy = NULL;
      g_autoptr (GPtrArray) general = NULL;
      gboolean some_unread = FALSE;

      for (guint p = 0; p < 4; p++)
        set_unread_link (dir, pfs[p], g_rand_int_range (rand, 0, 4) == 0 ? "down" : "up");
      pool->require_link = round % 5 == 0;
      q.unavailable_set = set;
      q.sticky_pci = round % 2 ? sticky->pci : NULL;
      q.numa_node = (int) (round % 3) - 1;
      q.limit = round % 3 == 0 ? 1 : round % 3 == 1 ? 8 : 50;
      q.sysfs_root = dir;
      lazy = vfp_alloc_rank_query (pool, &q, NULL);
      for (guint p = 0; p < 4; p++)
        some_unread |= pfs[p]->link_unread;
      rounds_left_unread += some_unread;
      q.unavailable = none;   /* a hash table too: the general pass, every link */
      general = vfp_alloc_rank_query (pool, &q, NULL);
      for (guint p = 0; p < 4; p++)
        assert_false (pfs[p]->link_unread);
      assert_same_ranking (round, lazy, general);
    }
  if (rounds_left_unread < 100)
    fail_msg ("only %u of 300 rounds left a PF's link unread", rounds_left_unread);
  whole_pool_clear (&w);
  vfp_test_rmtree (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_rank),
    cmocka_unit_test (test_rank_limit),
    cmocka_unit_test (test_link_down_ranks_last),
    cmocka_unit_test (test_require_link),
    cmocka_unit_test (test_bond_ports),
    cmocka_unit_test (test_bond_one_pf_exhausted),
    cmocka_unit_test (test_rank_whole_pfs_matches_general),
    cmocka_unit_test (test_rank_reads_links_lazily),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
