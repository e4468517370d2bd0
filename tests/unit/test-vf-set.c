/* test-vf-set.c: the bit set of a pool's unavailable VFs, filled by
 * routing-ID arithmetic, ranks exactly like the string set it replaced on
 * the start path; pool member lookup by address. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vfp-alloc.h"
#include "vfp-config.h"
#include "vfp-vf-set.h"
#include "vfp-test-util.h"

/* numa2: ens1f0 (NUMA 0) VFs 0000:01:10.{0,2,4,6}, ens4f0 (NUMA 1) VFs
 * 0000:81:10.{0,2,4,6}.  Pool a takes VFs 1-2 of ens1f0 and all of ens4f0,
 * pool b the rest of ens1f0. */
static const char pools[] = "[pool a]\npfs=ens1f0#1-2;ens4f0\n\n[pool b]\npfs=ens1f0#0,3\n";

typedef struct {
  char *dir;
  VfpConfig *config;
} Env;

static Env *
env_new (const char *layout, const char *text)
{
  Env *env = g_new0 (Env, 1);
  g_autofree char *sys = NULL;
  g_autofree char *etc = NULL;
  g_autofree char *pools_d = NULL;
  g_autoptr (GError) error = NULL;

  env->dir = vfp_test_mkdtemp ("vf-set");
  sys = g_build_filename (env->dir, "sys", NULL);
  etc = g_build_filename (env->dir, "etc", NULL);
  pools_d = g_build_filename (etc, "pools.d", NULL);
  vfp_test_make_sysfs (sys, layout);
  vfp_test_write (pools_d, "p.conf", text);
  if (!vfp_config_load (etc, sys, &env->config, &error) || env->config->pools->len != 2)
    fail_msg ("config: %s", error ? error->message : "not 2 pools");
  return env;
}

static int
setup (void **state)
{
  *state = env_new ("numa2", pools);
  return 0;
}

static int
teardown (void **state)
{
  Env *env = *state;

  vfp_config_free (env->config);
  vfp_test_rmtree (env->dir);
  g_free (env->dir);
  g_free (env);
  return 0;
}

static void
test_add_and_contains (void **state)
{
  Env *env = *state;
  VfpPool *a = vfp_config_find_pool (env->config, "a");
  g_autoptr (VfpVfSet) set = vfp_vf_set_new (a);
  static const char *const not_vfs[] = {
    "0000:01:00.0",           /* the PF itself */
    "0000:01:10.1",           /* between two VFs (stride 2): another PF's */
    "0000:01:10.8",           /* not an address (function 8) */
    "0000:01:11.0",           /* past the last VF */
    "0001:01:10.0",           /* same RID, other PCI domain */
    "0000:01:10.2.tmp-AbC123",
    "",
    "0000:01:10",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (not_vfs); i++)
    if (vfp_vf_set_add (set, not_vfs[i]))
      fail_msg ("'%s' was taken for a VF of pool a's PFs", not_vfs[i]);
  for (guint pf = 0; pf < 2; pf++)
    for (guint i = 0; i < 4; i++)
      assert_false (vfp_vf_set_contains (set, pf, i));

  assert_true (vfp_vf_set_add (set, "0000:01:10.4"));    /* ens1f0 VF 2 */
  assert_true (vfp_vf_set_add (set, "0000:81:10.6"));    /* ens4f0 VF 3 */
  /* A VF of the PF outside the pool's range is still placed (rank never
   * asks about it): the set is about the PFs, the members are the pool's. */
  assert_true (vfp_vf_set_add (set, "0000:01:10.0"));
  for (guint pf = 0; pf < 2; pf++)
    for (guint i = 0; i < 4; i++)
      assert_int_equal (vfp_vf_set_contains (set, pf, i),
                        (pf == 0 && (i == 2 || i == 0)) || (pf == 1 && i == 3));
  assert_false (vfp_vf_set_contains (set, 0, 4));
  assert_false (vfp_vf_set_contains (set, 2, 0));
}

static void
test_find_member (void **state)
{
  Env *env = *state;
  VfpPool *a = vfp_config_find_pool (env->config, "a");
  VfpPool *b = vfp_config_find_pool (env->config, "b");
  VfpVf *vf = NULL;

  assert_non_null (vfp_pool_find_member (a, "0000:01:10.2"));
  assert_int_equal (vfp_pool_find_member (a, "0000:01:10.2")->index, 1);
  assert_null (vfp_pool_find_member (a, "0000:01:10.0"));    /* pool b's */
  assert_null (vfp_pool_find_member (a, "0000:01:10.6"));    /* pool b's */
  assert_null (vfp_pool_find_member (a, "0000:01:10.1"));
  assert_int_equal (vfp_pool_find_member (a, "0000:81:10.6")->index, 3);
  assert_int_equal (vfp_pool_find_member (b, "0000:01:10.6")->index, 3);
  assert_ptr_equal (vfp_config_find_vf (env->config, "0000:01:10.6", &vf), b);
  assert_int_equal (vf->index, 3);
  assert_ptr_equal (vfp_config_find_vf (env->config, "0000:81:10.0", &vf), a);
  assert_null (vfp_config_find_vf (env->config, "0000:81:00.0", NULL));
}

static char *
describe (GPtrArray *ranked)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < ranked->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", ((VfpVf *) ranked->pdata[i])->pci);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* For many random lease sets of @all (the VFs of @pool's PFs), stickies,
 * NUMA nodes and limits: the bit set and the string set give the same
 * candidates in the same order. */
static void
check_rank_same_as_hash (VfpPool *pool, const char *const *all, guint n_all)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (14);

  for (guint round = 0; round < 400; round++)
    {
      g_autoptr (GHashTable) leased = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr (VfpVfSet) set = vfp_vf_set_new (pool);
      VfpAllocQuery by_hash = { leased, NULL, -1, NULL, 0, NULL };
      VfpAllocQuery by_set = { NULL, NULL, -1, NULL, 0, set };
      g_autoptr (GPtrArray) r1 = NULL;
      g_autoptr (GPtrArray) r2 = NULL;
      g_autofree char *d1 = NULL;
      g_autofree char *d2 = NULL;
      guint sticky = g_rand_int_range (rand, 0, n_all + 1);

      for (guint i = 0; i < n_all; i++)
        if (g_rand_boolean (rand))
          {
            g_hash_table_add (leased, (gpointer) all[i]);
            if (!vfp_vf_set_add (set, all[i]))
              fail_msg ("%s is a VF of pool %s's PFs", all[i], pool->name);
          }
      by_hash.sticky_pci = by_set.sticky_pci = sticky < n_all ? all[sticky] : NULL;
      by_hash.numa_node = by_set.numa_node = g_rand_int_range (rand, -1, 2);
      by_hash.limit = by_set.limit = g_rand_int_range (rand, 0, 4);
      r1 = vfp_alloc_rank_query (pool, &by_hash, NULL);
      r2 = vfp_alloc_rank_query (pool, &by_set, NULL);
      d1 = describe (r1);
      d2 = describe (r2);
      if (strcmp (d1, d2) != 0)
        fail_msg ("round %u: by hash '%s', by bits '%s'", round, d1, d2);
      /* The limited ranking is the head of the full one. */
      if (by_set.limit > 0)
        {
          g_autoptr (GPtrArray) full = NULL;
          g_autofree char *df = NULL;

          by_set.limit = 0;
          full = vfp_alloc_rank_query (pool, &by_set, NULL);
          g_ptr_array_set_size (full, MIN (full->len, r2->len));
          df = describe (full);
          if (strcmp (df, d2) != 0)
            fail_msg ("round %u: limited '%s' is not the head of '%s'", round, d2, df);
        }
    }
}

static void
test_rank_same_as_hash (void **state)
{
  Env *env = *state;
  static const char *const all[] = {
    "0000:01:10.0", "0000:01:10.2", "0000:01:10.4", "0000:01:10.6",
    "0000:81:10.0", "0000:81:10.2", "0000:81:10.4", "0000:81:10.6",
  };

  check_rank_same_as_hash (vfp_config_find_pool (env->config, "a"), all, G_N_ELEMENTS (all));
}

/* demo: the two functions of one igb card interleave their VFs (stride 2
 * each, ens1f0 at .0 .2 .4 .6, ens1f1 at .1 .3 .5 .7), so their ranges of
 * routing IDs overlap; each VF still lands on its own PF. */
static void
test_interleaved_pfs (void **state)
{
  Env *env = env_new ("demo", "[pool a]\npfs=ens1f0;ens1f1#1-2\n\n"
                              "[pool b]\npfs=ens1f1#0,3\n");
  VfpPool *a = vfp_config_find_pool (env->config, "a");
  static const char *const all[] = {
    "0000:01:10.0", "0000:01:10.1", "0000:01:10.2", "0000:01:10.3",
    "0000:01:10.4", "0000:01:10.5", "0000:01:10.6", "0000:01:10.7",
  };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr (VfpVfSet) set = vfp_vf_set_new (a);

      assert_true (vfp_vf_set_add (set, all[i]));
      for (guint pf = 0; pf < 2; pf++)
        for (guint j = 0; j < 4; j++)
          if (vfp_vf_set_contains (set, pf, j) != (pf == i % 2 && j == i / 2))
            fail_msg ("%s: bit of PF %u VF %u is %d", all[i], pf, j,
                      vfp_vf_set_contains (set, pf, j));
    }
  assert_int_equal (vfp_pool_find_member (a, "0000:01:10.3")->index, 1);
  assert_ptr_equal (vfp_pool_find_member (a, "0000:01:10.3")->pf, a->pfs->pdata[1]);
  assert_null (vfp_pool_find_member (a, "0000:01:10.1"));      /* pool b's */
  check_rank_same_as_hash (a, all, G_N_ELEMENTS (all));
  teardown ((void **) &env);
}

/* vfp_vf_set_add_flags() sets exactly the VFs whose byte is 1, eight at a
 * time, also where a PF's bits start mid-word and cross a word boundary
 * (PFs of 100 VFs: bits 100-199 and 200-299), and for a tail shorter
 * than eight. */
static void
test_add_flags (void **state)
{
  Env *env = env_new ("scale:3:100", "[pool a]\npfs=ens1f0#1-99;ens2f0;ens3f0\n\n"
                                     "[pool b]\npfs=ens1f0#0\n");
  VfpPool *a = vfp_config_find_pool (env->config, "a");
  g_autoptr (GRand) rand = g_rand_new_with_seed (14);

  /* ens1f0's VF 0 is pool b's: a has 299 members over 300 VFs. */
  assert_int_equal (a->pfs->len, 3);
  for (guint round = 0; round < 200; round++)
    {
      g_autoptr (VfpVfSet) set = vfp_vf_set_new (a);
      guint8 flags[3][100];

      for (guint pf = 0; pf < 3; pf++)
        {
          /* Dense, sparse, empty and full runs. */
          gint32 density = g_rand_int_range (rand, 0, 5);

          for (guint j = 0; j < 100; j++)
            flags[pf][j] = density == 0 ? 0 : density == 4 ? 1
                           : g_rand_int_range (rand, 0, 4) < density;
          vfp_vf_set_add_flags (set, pf, flags[pf], round % 2 ? 100 : 97);
        }
      for (guint pf = 0; pf < 3; pf++)
        for (guint j = 0; j < 100; j++)
          {
            gboolean want = flags[pf][j] && j < (round % 2 ? 100u : 97u);

            if (vfp_vf_set_contains (set, pf, j) != want)
              fail_msg ("round %u: PF %u VF %u is %d, flag %u", round, pf, j,
                        vfp_vf_set_contains (set, pf, j), flags[pf][j]);
          }
    }
  teardown ((void **) &env);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_add_and_contains),
    cmocka_unit_test (test_find_member),
    cmocka_unit_test (test_rank_same_as_hash),
    cmocka_unit_test (test_interleaved_pfs),
    cmocka_unit_test (test_add_flags),
  };
  return cmocka_run_group_tests (tests, setup, teardown);
}
