/* test-netsync.c: the network XML net-sync writes reads back as vfpool's,
 * ownership needs name AND marker, and the net-sync/doctor plan for each
 * state libvirt may show (missing, in step, drifted with and without ports
 * in use, someone else's network, a mode switch with leases outstanding). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vfp-lease.h"
#include "vfp-netsync.h"
#include "vfp-netxml.h"

static const char *const vfs3[] = { "0000:01:10.2", "0000:01:10.0", "0000:01:10.4" };

/* A pool "tenant-a" of the VFs @pcis (no sysfs: only what the plan reads). */
static VfpPool *
pool_new (const char *const *pcis, guint n, gboolean managed)
{
  VfpPool *pool = g_new0 (VfpPool, 1);

  pool->name = g_strdup ("tenant-a");
  pool->network = TRUE;
  pool->managed = managed;
  pool->members = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    {
      VfpVf *vf = g_new0 (VfpVf, 1);
      vf->pci = g_strdup (pcis[i]);
      g_ptr_array_add (pool->members, vf);
    }
  return pool;
}

static void
pool_free (VfpPool *pool)
{
  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      g_free (vf->pci);
      g_free (vf);
    }
  g_ptr_array_unref (pool->members);
  g_free (pool->name);
  g_free (pool);
}

static VfpNetInfo *
parse (const char *xml)
{
  VfpNetInfo *info = NULL;
  g_autoptr (GError) error = NULL;

  assert_true (vfp_net_info_parse (xml, strlen (xml), &info, &error));
  return info;
}

/* The XML of @pool as net-sync builds it, parsed. */
static VfpNetInfo *
built (VfpPool *pool, const char *uuid)
{
  /* an owning array, as a parsed VfpNetInfo's: building must not free it */
  g_autoptr (GPtrArray) vfs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *xml = NULL;

  for (guint i = 0; i < pool->members->len; i++)
    g_ptr_array_add (vfs, g_strdup (((VfpVf *) pool->members->pdata[i])->pci));
  xml = vfp_net_xml_build (pool->name, pool->managed, vfs, uuid);
  return parse (xml);
}

static void
test_build_roundtrip (void **state)
{
  VfpPool *pool = pool_new (vfs3, 3, FALSE);
  g_autoptr (VfpNetInfo) info = built (pool, "6d7e2c55-0000-4000-8000-00000000000a");

  assert_string_equal (info->name, "vfpool-tenant-a");
  assert_string_equal (info->uuid, "6d7e2c55-0000-4000-8000-00000000000a");
  assert_string_equal (vfp_net_info_owner_pool (info), "tenant-a");
  assert_string_equal (info->forward_mode, "hostdev");
  assert_false (info->managed);
  assert_int_equal (info->vfs->len, 3);
  /* sorted, whatever the pool's order */
  assert_string_equal (info->vfs->pdata[0], "0000:01:10.0");
  assert_string_equal (info->vfs->pdata[2], "0000:01:10.4");
  pool_free (pool);
}

static void
test_ownership (void **state)
{
  static const struct {
    const char *xml;
    const char *owner;
  } cases[] = {
    { "<network><name>vfpool-a</name><metadata><v:network xmlns:v='urn:vfpool:network:1' "
      "pool='a'/></metadata></network>", "a" },
    /* marker without the name prefix, or naming another pool: not vfpool's */
    { "<network><name>a</name><metadata><v:network xmlns:v='urn:vfpool:network:1' "
      "pool='a'/></metadata></network>", NULL },
    { "<network><name>vfpool-a</name><metadata><v:network xmlns:v='urn:vfpool:network:1' "
      "pool='b'/></metadata></network>", NULL },
    /* the name alone, or a marker in another namespace */
    { "<network><name>vfpool-a</name></network>", NULL },
    { "<network><name>vfpool-a</name><metadata><v:network xmlns:v='urn:other' "
      "pool='a'/></metadata></network>", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (VfpNetInfo) info = parse (cases[i].xml);
      const char *owner = vfp_net_info_owner_pool (info);

      if (g_strcmp0 (owner, cases[i].owner) != 0)
        fail_msg ("case %u: owner %s, want %s", i, owner ? owner : "(none)",
                  cases[i].owner ? cases[i].owner : "(none)");
    }
}

static VfpLease *
lease_new (const char *vf, const char *pool, const char *port, const char *owner)
{
  VfpLease *lease = vfp_lease_new ();

  lease->vf_pci = g_strdup (vf);
  lease->pool = g_strdup (pool);
  lease->port = g_strdup (port);
  lease->owner_name = g_strdup (owner);
  lease->owner_uuid = g_strdup ("00000000-0000-4000-8000-000000000001");
  return lease;
}

static void
test_plans (void **state)
{
  VfpPool *pool = pool_new (vfs3, 3, TRUE);
  VfpPool *two = pool_new (vfs3, 2, TRUE);
  g_autoptr (GPtrArray) none = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_lease_free);
  g_autoptr (GPtrArray) ported = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_lease_free);
  g_autoptr (GPtrArray) requested =
    g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_lease_free);
  VfpNetState missing = { FALSE };
  VfpNetState in_step = { TRUE, TRUE, TRUE, TRUE, built (pool, NULL), built (pool, NULL) };
  VfpNetState drifted = { TRUE, TRUE, TRUE, TRUE, built (two, NULL), built (two, NULL) };
  VfpNetState foreign = { TRUE, TRUE, FALSE, FALSE,
                          parse ("<network><name>vfpool-tenant-a</name></network>"), NULL };
  VfpNetPlan *plan;

  g_ptr_array_add (ported, lease_new ("0000:01:10.0", "tenant-a", "p1", "web1"));
  g_ptr_array_add (requested, lease_new ("0000:01:10.0", "tenant-a", NULL, "web1"));

  plan = vfp_net_plan_pool (pool, none, &missing);
  assert_null (plan->refusal);
  assert_true (plan->define && plan->start && plan->autostart && !plan->restart);
  assert_non_null (strstr (plan->xml, "managed='yes'"));
  vfp_net_plan_free (plan);

  plan = vfp_net_plan_pool (pool, none, &in_step);
  assert_false (plan->define || plan->start || plan->restart || plan->autostart);
  assert_int_equal (plan->drift->len, 0);
  vfp_net_plan_free (plan);

  /* a VF missing: redefined; restarted only while no port is in use */
  plan = vfp_net_plan_pool (pool, none, &drifted);
  assert_true (plan->define && plan->restart);
  assert_non_null (strstr (plan->drift->pdata[0], "first missing 0000:01:10.4"));
  vfp_net_plan_free (plan);
  plan = vfp_net_plan_pool (pool, ported, &drifted);
  assert_true (plan->define);
  assert_false (plan->restart);
  assert_int_equal (plan->ports, 1);
  vfp_net_plan_free (plan);

  /* someone else's network of that name is never planned over */
  plan = vfp_net_plan_pool (pool, none, &foreign);
  assert_non_null (plan->refusal);
  assert_non_null (strstr (plan->refusal, "without vfpool's marker"));
  assert_false (plan->define || plan->start || plan->autostart);
  vfp_net_plan_free (plan);

  /* request leases outstanding: the switch to network=yes is refused */
  plan = vfp_net_plan_pool (pool, requested, &missing);
  assert_non_null (plan->refusal);
  assert_non_null (strstr (plan->refusal, "leased through vfpool requests (domain 'web1')"));
  assert_false (plan->define);
  vfp_net_plan_free (plan);

  /* retiring: refused while ports hold VFs, else done */
  plan = vfp_net_plan_retire ("tenant-a", ported, &in_step);
  assert_non_null (plan->refusal);
  assert_false (plan->retire);
  vfp_net_plan_free (plan);
  plan = vfp_net_plan_retire ("tenant-a", none, &in_step);
  assert_null (plan->refusal);
  assert_true (plan->retire);
  vfp_net_plan_free (plan);

  for (VfpNetState *s = &in_step; s != NULL; s = s == &in_step ? &drifted
                                                  : s == &drifted ? &foreign : NULL)
    {
      vfp_net_info_free (s->config);
      vfp_net_info_free (s->live);
    }
  pool_free (pool);
  pool_free (two);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_build_roundtrip),
    cmocka_unit_test (test_ownership),
    cmocka_unit_test (test_plans),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
