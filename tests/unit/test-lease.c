/* test-lease.c: the lease store — atomic claim, durable update, strict read. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "vfp-error.h"
#include "vfp-lease.h"
#include "vfp-state-dir.h"
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
  {
    /* A claim lost to another owner leaves no owners/UUID behind. */
    g_autoptr (VfpLease) loser = sample_lease ("0000:01:10.6", "00000000-0000-4000-8000-000000000002");
    g_autofree char *loser_dir = g_build_filename (dir, "owners", loser->owner_uuid, NULL);

    assert_false (vfp_lease_claim (dir, loser, &error));
    assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_BUSY));
    g_clear_error (&error);
    assert_false (g_file_test (loser_dir, G_FILE_TEST_EXISTS));
  }

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
  assert_true (vfp_lease_update (dir, back, NULL, &error));
  assert_true (vfp_lease_read (dir, "0000:01:10.6", &back2, &error));
  assert_int_equal (back2->state, VFP_LEASE_CONFIGURED);
  assert_int_equal (back2->original.mac[5], 0xaa);
  assert_int_equal (back2->qemu_pid, 4242);

  {
    g_autoptr (GPtrArray) mine = NULL;
    assert_true (vfp_lease_list_owner (dir, l->owner_uuid, &mine, NULL, &error));
    assert_int_equal (mine->len, 1);
  }
  assert_true (vfp_lease_remove (dir, back2, &error));
  assert_true (vfp_lease_remove (dir, back2, &error));  /* idempotent */
  {
    g_autoptr (GPtrArray) mine = NULL;
    assert_true (vfp_lease_list_owner (dir, l->owner_uuid, &mine, NULL, &error));
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
  { "failover network with a quote and space", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\n"
                   "pool=t\nowner-uuid=u\nowner-name=n\nstate=reserved\nform=interface\n"
                   "failover-network=a' b\nvf-index=0\nnic=0\ncreated=0\nqemu-pid=0\n" },
  { "failover network with a slash", "[lease]\nvf=0000:01:10.0\npf=0000:01:00.0\n"
                   "pool=t\nowner-uuid=u\nowner-name=n\nstate=reserved\nform=interface\n"
                   "failover-network=../x\nvf-index=0\nnic=0\ncreated=0\nqemu-pid=0\n" },
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

/* The peek a refused start uses for every lease of a full pool gives the
 * owner name and boot id vfp_lease_read() gives, escapes included, and
 * refuses what it cannot be sure of. */
static void
test_peek (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("lease-peek");
  static const char *const names[] = { "web1", " lead", "tab\there", "back\\slash", "nl\nx",
                                       "caf\xc3\xa9 = [x]" };
  g_autofree char *leases = g_build_filename (dir, "leases", NULL);
  g_autoptr (GError) error = NULL;
  char *owner = NULL;
  char *boot = NULL;

  assert_true (vfp_lease_store_open (dir, &error));
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *vf = g_strdup_printf ("0000:01:10.%" G_GSIZE_FORMAT, i);
      g_autoptr (VfpLease) l = sample_lease (vf, "00000000-0000-4000-8000-000000000001");
      g_autoptr (VfpLease) back = NULL;

      g_free (l->owner_name);
      l->owner_name = g_strdup (names[i]);
      if (i == 1)
        g_clear_pointer (&l->boot_id, g_free);
      assert_true (vfp_lease_claim (dir, l, &error));
      assert_true (vfp_lease_read (dir, vf, &back, &error));
      assert_true (vfp_lease_peek (dir, vf, &owner, &boot, &error));
      assert_string_equal (owner, back->owner_name);
      assert_string_equal (owner, names[i]);
      if (i == 1)
        assert_null (boot);
      else
        assert_string_equal (boot, "b00t");
      g_clear_pointer (&owner, g_free);
      g_clear_pointer (&boot, g_free);
    }

  assert_false (vfp_lease_peek (dir, "0000:01:11.0", &owner, &boot, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_NOT_FOUND));
  g_clear_error (&error);
  /* Not the layout vfpool writes: the caller falls back to a full read. */
  vfp_test_write (leases, "0000:01:11.1", "# note\n[lease]\nowner-name=x\n");
  vfp_test_write (leases, "0000:01:11.2", "[lease]\nowner-name=x\nowner-name=y\n");
  vfp_test_write (leases, "0000:01:11.3", "[lease]\nvf=0000:01:11.3\n[other]\nowner-name=x\n");
  vfp_test_write (leases, "0000:01:11.4", "[lease]\nowner-name=bad\\qescape\n");
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *vf = g_strdup_printf ("0000:01:11.%u", i);
      g_autofree char *path = g_build_filename (leases, vf, NULL);

      g_chmod (path, 0600);
      assert_false (vfp_lease_peek (dir, vf, &owner, &boot, &error));
      if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT))
        fail_msg ("%s: %s", vf, error ? error->message : "no error");
      g_clear_error (&error);
    }
  vfp_test_rmtree (dir);
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
  l->failover_network = g_strdup ("tenant-net");
  l->original.set = VFP_KNOB_ALL;
  l->original.vlan_proto = VFP_VLAN_PROTO_8021Q;
  data = vfp_lease_to_data (l, &len);
  assert_true (vfp_lease_from_data (data, len, &back, &error));
  data2 = vfp_lease_to_data (back, &len2);
  assert_string_equal (data, data2);
  assert_int_equal (back->form, VFP_FORM_INTERFACE);
  assert_false (back->managed);
  assert_string_equal (back->failover_network, "tenant-net");
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

/* A lease's [original] is written to the NIC at release: a file someone
 * else could have written is refused (checked on the opened descriptor),
 * and so is a symlink or a FIFO planted in its place.  Before, any of them
 * was read and trusted. */
static void
test_refuses_untrusted_file (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("lease");
  g_autoptr (VfpLease) l = sample_lease ("0000:01:10.6", "00000000-0000-4000-8000-000000000001");
  g_autofree char *path = g_build_filename (dir, "leases", "0000:01:10.6", NULL);
  g_autofree char *copy = g_build_filename (dir, "copy", NULL);
  VfpLease *back = NULL;

  if (geteuid () != 0)
    skip ();   /* chown to another user needs root */
  assert_true (vfp_lease_store_open (dir, NULL));
  assert_true (vfp_lease_claim (dir, l, NULL));
  {
    g_autoptr (GError) error = NULL;
    assert_int_equal (chown (path, 65534, 65534), 0);
    assert_false (vfp_lease_read (dir, "0000:01:10.6", &back, &error));
    assert_false (g_error_matches (error, VFP_ERROR, VFP_ERROR_NOT_FOUND));
    assert_non_null (strstr (error->message, path));
    assert_non_null (strstr (error->message, "owned by uid 65534"));
    assert_int_equal (chown (path, 0, 0), 0);
  }
  {
    g_autoptr (GError) error = NULL;
    assert_int_equal (chmod (path, 0620), 0);
    assert_false (vfp_lease_read (dir, "0000:01:10.6", &back, &error));
    assert_non_null (strstr (error->message, "group-writable"));
    assert_int_equal (chmod (path, 0600), 0);
  }
  {
    g_autoptr (GError) error = NULL;
    assert_int_equal (rename (path, copy), 0);
    assert_int_equal (symlink (copy, path), 0);
    assert_false (vfp_lease_read (dir, "0000:01:10.6", &back, &error));
    assert_non_null (strstr (error->message, "symlink"));
    assert_int_equal (unlink (path), 0);
  }
  {
    g_autoptr (GError) error = NULL;
    assert_int_equal (mkfifo (path, 0600), 0);   /* must not hang */
    assert_false (vfp_lease_read (dir, "0000:01:10.6", &back, &error));
    assert_non_null (strstr (error->message, "not a regular file"));
    assert_int_equal (unlink (path), 0);
  }
  assert_int_equal (rename (copy, path), 0);
  assert_true (vfp_lease_read (dir, "0000:01:10.6", &back, NULL));
  vfp_lease_free (back);
  vfp_test_rmtree (dir);
}

/* One unreadable lease of a domain used to fail the whole owner listing,
 * so release end freed none of its VFs: now the good ones are listed and
 * the bad one is named. */
static void
test_list_owner_with_corrupt (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("lease");
  const char *uuid = "00000000-0000-4000-8000-000000000001";
  g_autoptr (VfpLease) good = sample_lease ("0000:01:10.0", uuid);
  g_autoptr (VfpLease) bad = sample_lease ("0000:01:10.2", uuid);
  g_autoptr (GPtrArray) mine = NULL;
  g_autoptr (GPtrArray) corrupt = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *leases = g_build_filename (dir, "leases", NULL);
  g_autoptr (GError) error = NULL;

  assert_true (vfp_lease_store_open (dir, NULL));
  assert_true (vfp_lease_claim (dir, good, NULL));
  assert_true (vfp_lease_claim (dir, bad, NULL));
  vfp_test_write (leases, "0000:01:10.2", "[lease]\nvf=garbage\n");
  assert_true (vfp_lease_list_owner (dir, uuid, &mine, corrupt, &error));
  assert_int_equal (mine->len, 1);
  assert_string_equal (((VfpLease *) mine->pdata[0])->vf_pci, "0000:01:10.0");
  assert_int_equal (corrupt->len, 1);
  assert_string_equal (corrupt->pdata[0], "0000:01:10.2");
  vfp_test_rmtree (dir);
}

/* The state dir and every subdirectory: ours, not a symlink, not group or
 * world writable.  Before, only the state dir and leases/ were checked (at
 * prepare), only for world-writable. */
static const struct {
  const char *name;
  const char *sub;        /* under the state dir ("" = itself) */
  int mode;               /* chmod, or 0 */
  gboolean other_owner;   /* chown 65534 */
  const char *expect;
} unsafe_cases[] = {
  { "state dir group-writable", "", 0770, FALSE, "is group-writable (mode 0770)" },
  { "state dir world-writable", "", 0777, FALSE, "is world-writable" },
  { "state dir of another user", "", 0, TRUE, "owned by uid 65534" },
  { "leases group-writable", "leases", 0770, FALSE, "leases is group-writable" },
  { "owners world-writable", "owners", 0777, FALSE, "owners is world-writable" },
  { "locks of another user", "locks", 0, TRUE, "locks is owned by uid 65534" },
  { "quarantine world-writable", "quarantine", 0707, FALSE, "quarantine is world-writable" },
  { "metrics group-writable", "metrics", 0770, FALSE, "metrics is group-writable" },
};

static void
test_state_dir_check (void **state)
{
  const char *uuid = "00000000-0000-4000-8000-000000000001";

  if (geteuid () != 0)
    skip ();
  for (guint i = 0; i < G_N_ELEMENTS (unsafe_cases); i++)
    {
      g_autofree char *dir = vfp_test_mkdtemp ("state");
      g_autofree char *sub = g_build_filename (dir, unsafe_cases[i].sub, NULL);
      g_autoptr (VfpLease) l = sample_lease ("0000:01:10.0", uuid);
      g_autoptr (GError) error = NULL;
      const char *const subs[] = { "locks", "quarantine", "metrics" };

      assert_true (vfp_lease_store_open (dir, NULL));
      assert_true (vfp_lease_claim (dir, l, NULL));
      for (guint s = 0; s < G_N_ELEMENTS (subs); s++)
        {
          g_autofree char *p = g_build_filename (dir, subs[s], NULL);
          assert_int_equal (g_mkdir_with_parents (p, 0700), 0);   /* locks/ exists: claims lock */
        }
      assert_true (vfp_state_dir_check (dir, NULL));
      if (unsafe_cases[i].mode != 0)
        assert_int_equal (chmod (sub, unsafe_cases[i].mode), 0);
      if (unsafe_cases[i].other_owner)
        assert_int_equal (chown (sub, 65534, 65534), 0);
      if (vfp_state_dir_check (dir, &error))
        fail_msg ("case '%s': accepted", unsafe_cases[i].name);
      if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT)
          || strstr (error->message, unsafe_cases[i].expect) == NULL
          || strstr (error->message, "remove") != NULL)
        fail_msg ("case '%s': %s", unsafe_cases[i].name, error->message);
      /* prepare's gate is the same */
      assert_false (vfp_lease_store_open (dir, NULL));
      assert_int_equal (chown (sub, 0, 0), 0);
      vfp_test_rmtree (dir);
    }
  /* A domain's own owner dir is checked where its leases are listed (not
   * every owner's on every call: that cost a stat per domain). */
  {
    g_autofree char *dir = vfp_test_mkdtemp ("state");
    g_autofree char *owner = g_build_filename (dir, "owners", uuid, NULL);
    g_autoptr (VfpLease) l = sample_lease ("0000:01:10.0", uuid);
    g_autoptr (GPtrArray) mine = NULL;
    g_autoptr (GError) error = NULL;

    assert_true (vfp_lease_store_open (dir, NULL));
    assert_true (vfp_lease_claim (dir, l, NULL));
    assert_int_equal (chmod (owner, 0730), 0);
    assert_false (vfp_lease_list_owner (dir, uuid, &mine, NULL, &error));
    assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT));
    assert_non_null (strstr (error->message, "000000000001 is group-writable"));
    vfp_test_rmtree (dir);
  }
  /* A missing state dir holds nothing: fine to read. */
  assert_true (vfp_state_dir_check ("/nonexistent/vfpool", NULL));
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
  assert_true (vfp_lease_list_owner (dir, big->owner_uuid, &mine, NULL, &error));
  assert_int_equal (mine->len, 0);   /* no stray owner index entry either */

  /* An update that would grow past the cap keeps the old lease. */
  assert_true (vfp_lease_claim (dir, l, &error));
  g_free (l->owner_name);
  l->owner_name = g_strnfill (17000, 'n');
  assert_false (vfp_lease_update (dir, l, NULL, &error));
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
    cmocka_unit_test (test_peek),
    cmocka_unit_test (test_old_lease_is_managed),
    cmocka_unit_test (test_concurrent_claims),
    cmocka_unit_test (test_refuses_bad_name),
    cmocka_unit_test (test_refuses_oversized_lease),
    cmocka_unit_test (test_refuses_untrusted_file),
    cmocka_unit_test (test_list_owner_with_corrupt),
    cmocka_unit_test (test_state_dir_check),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
