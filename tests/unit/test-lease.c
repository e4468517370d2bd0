/* test-lease.c: the lease store — atomic claim, durable update, strict read. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vfp-error.h"
#include "vfp-lease.h"
#include "vfp-test-util.h"

static VfpLease *
sample_lease (const char *vf, const char *uuid)
{
  VfpLease *l = vfp_lease_new ();

  l->vf_pci = g_strdup (vf);
  l->pf_pci = g_strdup ("0000:01:00.0");
  l->pf_netdev = g_strdup ("ens1f0");
  l->vf_index = 3;
  l->pool = g_strdup ("tenant");
  l->nic = 1;
  l->owner_uuid = g_strdup (uuid);
  l->owner_name = g_strdup ("web1");
  l->boot_id = g_strdup ("b00t");
  l->created = 1700000000;
  l->state = VFP_LEASE_RESERVED;
  l->applied.set = VFP_KNOB_VLAN;
  l->applied.vlan = 100;
  l->applied.vlan_proto = VFP_VLAN_PROTO_8021Q;
  return l;
}

static void
test_claim_read_update_remove (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("lease");
  g_autoptr (VfpLease) l = sample_lease ("0000:01:10.6", "00000000-0000-4000-8000-000000000001");
  g_autoptr (VfpLease) back = NULL;
  g_autoptr (VfpLease) back2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "leases", "0000:01:10.6", NULL);
  struct stat st;

  assert_true (vfp_lease_store_open (dir, &error));
  assert_true (vfp_lease_claim (dir, l, &error));
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);
  assert_false (vfp_lease_claim (dir, l, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_BUSY));
  g_clear_error (&error);

  assert_true (vfp_lease_read (dir, "0000:01:10.6", &back, &error));
  assert_string_equal (back->owner_name, "web1");
  assert_int_equal (back->vf_index, 3);
  assert_int_equal (back->nic, 1);
  assert_int_equal (back->applied.vlan, 100);
  assert_int_equal (back->state, VFP_LEASE_RESERVED);

  back->state = VFP_LEASE_CONFIGURED;
  back->original.set = VFP_KNOB_MAC;
  back->original.mac[5] = 0xaa;
  back->qemu_pid = 4242;
  assert_true (vfp_lease_update (dir, back, &error));
  assert_true (vfp_lease_read (dir, "0000:01:10.6", &back2, &error));
  assert_int_equal (back2->state, VFP_LEASE_CONFIGURED);
  assert_int_equal (back2->original.mac[5], 0xaa);
  assert_int_equal (back2->qemu_pid, 4242);

  {
    g_autoptr (GPtrArray) mine = NULL;
    assert_true (vfp_lease_list_owner (dir, l->owner_uuid, &mine, &error));
    assert_int_equal (mine->len, 1);
  }
  assert_true (vfp_lease_remove (dir, back2, &error));
  assert_true (vfp_lease_remove (dir, back2, &error));  /* idempotent */
  {
    g_autoptr (GPtrArray) mine = NULL;
    assert_true (vfp_lease_list_owner (dir, l->owner_uuid, &mine, &error));
    assert_int_equal (mine->len, 0);
  }
  assert_false (vfp_lease_read (dir, "0000:01:10.6", &back, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_NOT_FOUND));
  vfp_test_rmtree (dir);
}

/* Corrupt or hostile lease files are refused with STATE_CORRUPT, never
 * crash, and never make a path out of their content. */
static const struct {
  const char *name;
  const char *text;
} corrupt_cases[] = {
  { "empty", "" },
  { "garbage", "\x01\x02 not a keyfile" },
  { "truncated", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npool=t" },
  { "vf path traversal", "[lease]\nvf=../../etc/passwd\npf=0000:01:00.0\npool=t\nowner-uuid=u\n"
                         "owner-name=n\nstate=reserved\nform=hostdev\nvf-index=0\nnic=0\n"
                         "created=0\nqemu-pid=0\n" },
  { "netdev with slash", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npf-netdev=a/b\npool=t\n"
                         "owner-uuid=u\nowner-name=n\nstate=reserved\nform=hostdev\nvf-index=0\n"
                         "nic=0\ncreated=0\nqemu-pid=0\n" },
  { "bad state", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npool=t\nowner-uuid=u\nowner-name=n\n"
                 "state=happy\nform=hostdev\nvf-index=0\nnic=0\ncreated=0\nqemu-pid=0\n" },
  { "negative pid", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npool=t\nowner-uuid=u\nowner-name=n\n"
                    "state=reserved\nform=hostdev\nvf-index=0\nnic=0\ncreated=0\nqemu-pid=-5\n" },
  { "configured without original", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npool=t\n"
                    "owner-uuid=u\nowner-name=n\nstate=configured\nform=hostdev\nvf-index=0\n"
                    "nic=0\ncreated=0\nqemu-pid=0\n" },
  { "invalid escape then a lone backslash (GLib warns on it)",
    "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npool=0\\&\\\nowner-uuid=u\nowner-name=n\n"
    "state=reserved\nform=hostdev\nvf-index=0\nnic=0\ncreated=0\nqemu-pid=0\n" },
  { "bad applied vlan", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npool=t\nowner-uuid=u\n"
                    "owner-name=n\nstate=reserved\nform=hostdev\nvf-index=0\nnic=0\ncreated=0\n"
                    "qemu-pid=0\n[applied]\nvlan=99999\n" },
  { "bad managed", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npool=t\nowner-uuid=u\n"
                   "owner-name=n\nstate=reserved\nform=hostdev\nmanaged=maybe\nvf-index=0\n"
                   "nic=0\ncreated=0\nqemu-pid=0\n" },
};

static void
test_corrupt (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (corrupt_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      VfpLease *l = NULL;
      gboolean ok = vfp_lease_from_data (corrupt_cases[i].text, strlen (corrupt_cases[i].text),
                                         &l, &error);
      if (ok || !g_error_matches (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT))
        fail_msg ("case '%s': expected STATE_CORRUPT, got %s", corrupt_cases[i].name,
                  ok ? "success" : error->message);
      assert_null (l);
    }
}

static void
test_round_trip (void **state)
{
  g_autoptr (VfpLease) l = sample_lease ("0000:01:10.0", "u-1");
  g_autoptr (VfpLease) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *data2 = NULL;
  gsize len, len2;

  l->state = VFP_LEASE_CONFIGURING;
  l->form = VFP_FORM_INTERFACE;
  l->managed = FALSE;
  l->original.set = VFP_KNOB_ALL;
  l->original.vlan_proto = VFP_VLAN_PROTO_8021Q;
  data = vfp_lease_to_data (l, &len);
  assert_true (vfp_lease_from_data (data, len, &back, &error));
  data2 = vfp_lease_to_data (back, &len2);
  assert_string_equal (data, data2);
  assert_int_equal (back->form, VFP_FORM_INTERFACE);
  assert_false (back->managed);
}

/* Leases written before managed= existed still parse, as managed='yes'. */
static void
test_old_lease_is_managed (void **state)
{
  const char *text = "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\npool=t\nowner-uuid=u\n"
                     "owner-name=n\nstate=reserved\nform=hostdev\nvf-index=0\nnic=0\n"
                     "created=0\nqemu-pid=0\n";
  g_autoptr (VfpLease) l = NULL;
  g_autoptr (GError) error = NULL;

  if (!vfp_lease_from_data (text, strlen (text), &l, &error))
    fail_msg ("old lease refused: %s", error->message);
  assert_true (l->managed);
}

/* Many processes claim the same VFs at once: each VF is won exactly once. */
static void
test_concurrent_claims (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("lease-race");
  g_autoptr (GHashTable) names = NULL;
  const int procs = 16, vfs = 8;

  assert_true (vfp_lease_store_open (dir, NULL));
  for (int p = 0; p < procs; p++)
    if (fork () == 0)
      {
        int won = 0;
        g_autofree char *uuid = g_strdup_printf ("owner-%d", p);
        for (int v = 0; v < vfs && !won; v++)
          {
            g_autofree char *vf = g_strdup_printf ("0000:01:10.%d", v);
            g_autoptr (VfpLease) l = sample_lease (vf, uuid);
            won = vfp_lease_claim (dir, l, NULL);
          }
        _exit (won ? 0 : 1);
      }
  int winners = 0;
  for (int p = 0; p < procs; p++)
    {
      int status;
      wait (&status);
      winners += WIFEXITED (status) && WEXITSTATUS (status) == 0;
    }
  assert_int_equal (winners, vfs);
  assert_true (vfp_lease_list_names (dir, &names, NULL));
  assert_int_equal (g_hash_table_size (names), vfs);   /* no temporaries counted */
  vfp_test_rmtree (dir);
}

static void
test_refuses_bad_name (void **state)
{
  g_autoptr (VfpLease) l = sample_lease ("../escape", "u");
  g_autoptr (GError) error = NULL;

  assert_false (vfp_lease_claim ("/nonexistent", l, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST));
}

/* A lease the reader would refuse as too large is never written: before,
 * an owner name of 17,000 characters was claimed and then unreadable. */
static void
test_refuses_oversized_lease (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("lease");
  g_autoptr (VfpLease) l = sample_lease ("0000:01:10.6", "00000000-0000-4000-8000-000000000001");
  g_autoptr (VfpLease) big = sample_lease ("0000:01:10.7", "00000000-0000-4000-8000-000000000002");
  g_autoptr (VfpLease) back = NULL;
  g_autoptr (GPtrArray) mine = NULL;
  g_autoptr (GError) error = NULL;

  g_free (big->owner_name);
  big->owner_name = g_strnfill (17000, 'n');
  assert_true (vfp_lease_store_open (dir, &error));
  assert_false (vfp_lease_claim (dir, big, &error));
  assert_non_null (error);
  assert_non_null (strstr (error->message, "0000:01:10.7"));
  assert_non_null (strstr (error->message, "larger than"));
  g_clear_error (&error);
  assert_false (vfp_lease_read (dir, "0000:01:10.7", &back, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_NOT_FOUND));
  g_clear_error (&error);
  assert_true (vfp_lease_list_owner (dir, big->owner_uuid, &mine, &error));
  assert_int_equal (mine->len, 0);   /* no stray owner index entry either */

  /* An update that would grow past the cap keeps the old lease. */
  assert_true (vfp_lease_claim (dir, l, &error));
  g_free (l->owner_name);
  l->owner_name = g_strnfill (17000, 'n');
  assert_false (vfp_lease_update (dir, l, &error));
  g_clear_error (&error);
  assert_true (vfp_lease_read (dir, "0000:01:10.6", &back, &error));
  assert_string_equal (back->owner_name, "web1");
  vfp_test_rmtree (dir);
}

int
main (void)
{
  /* A GLib warning or critical while reading a hostile lease is a bug too. */
  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_claim_read_update_remove),
    cmocka_unit_test (test_corrupt),
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_old_lease_is_managed),
    cmocka_unit_test (test_concurrent_claims),
    cmocka_unit_test (test_refuses_bad_name),
    cmocka_unit_test (test_refuses_oversized_lease),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
