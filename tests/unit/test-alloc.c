/* test-alloc.c: the allocation policy — sticky, NUMA-local, spread, index. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vfp-alloc.h"

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

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_rank),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
