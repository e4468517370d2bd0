/* test-lease-index.c: the per-PF lease index — kept by claims and
 * removals, repaired where it is wrong, rebuilt when missing or broken,
 * ignored when it cannot be trusted, and never a reason for a double lease. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "vfp-error.h"
#include "vfp-host.h"
#include "vfp-lease.h"
#include "vfp-lease-index.h"
#include "vfp-test-util.h"

#define HEADER 16       /* "vfpool-index-1\n" and the state byte */
#define OWNER1 "00000000-0000-4000-8000-000000000001"
#define OWNER2 "00000000-0000-4000-8000-000000000002"

typedef struct {
  char *dir;            /* the test's temp dir */
  char *state;          /* STATE_DIR */
  char *index;          /* STATE_DIR/index/PF */
  VfpPf *pf;            /* ens1f0 of a scale:1:8 host */
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autofree char *sys = NULL;
  g_autoptr (GError) error = NULL;

  f->dir = vfp_test_mkdtemp ("lease-index");
  sys = g_build_filename (f->dir, "sys", NULL);
  f->state = g_build_filename (f->dir, "run", NULL);
  vfp_test_make_sysfs (sys, "scale:1:8");
  assert_true (vfp_host_read_pf (sys, "ens1f0", &f->pf, &error));
  assert_int_equal (f->pf->vfs->len, 8);
  assert_true (vfp_lease_store_open (f->state, &error));
  f->index = g_build_filename (f->state, VFP_LEASE_INDEX_DIR, f->pf->pci, NULL);
  assert_true (vfp_lease_index_usable (f->state));   /* creates index/ */
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  vfp_test_rmtree (f->dir);
  g_free (f->dir);
  g_free (f->state);
  g_free (f->index);
  vfp_pf_free (f->pf);
  g_free (f);
  return 0;
}

static const char *
vf_pci (Fixture *f, guint i)
{
  return ((VfpVf *) f->pf->vfs->pdata[i])->pci;
}

static VfpLease *
lease_of (Fixture *f, guint i, const char *owner)
{
  VfpLease *l = vfp_lease_new ();

  l->vf_pci = g_strdup (vf_pci (f, i));
  l->pf_pci = g_strdup (f->pf->pci);
  l->pf_netdev = g_strdup ("ens1f0");
  l->vf_index = i;
  l->pool = g_strdup ("p");
  l->owner_uuid = g_strdup (owner);
  l->owner_name = g_strdup ("d");
  l->state = VFP_LEASE_RESERVED;
  return l;
}

/* The index as the hook reads it: "01000000" for VF 1 leased; "" when
 * the hook would not use it (it then lists leases/). */
static char *
loaded (Fixture *f)
{
  g_autofree guint8 *out = g_malloc (f->pf->vfs->len);
  g_autofree guint8 *out_at = g_malloc (f->pf->vfs->len);
  GString *s = g_string_new (NULL);
  int dir_fd = vfp_lease_index_open_dir (f->state);
  gboolean ok_at = dir_fd >= 0 && vfp_lease_index_load (f->state, dir_fd, f->pf, out_at);

  if (dir_fd >= 0)
    close (dir_fd);
  /* The hook's way (through the directory opened once) and by path say
   * the same, whatever state the test left the file in. */
  if (vfp_lease_index_load (f->state, -1, f->pf, out))
    {
      assert_true (ok_at);
      assert_memory_equal (out, out_at, f->pf->vfs->len);
      for (guint i = 0; i < f->pf->vfs->len; i++)
        g_string_append_c (s, out[i] ? '1' : '0');
    }
  return g_string_free (s, FALSE);
}

/* The bytes of the file itself. */
static char *
file_text (Fixture *f)
{
  char *text = NULL;

  assert_true (g_file_get_contents (f->index, &text, NULL, NULL));
  return text;
}

static void
put_byte (Fixture *f, guint at, char c)
{
  int fd = open (f->index, O_WRONLY);

  assert_true (fd >= 0);
  assert_int_equal (pwrite (fd, &c, 1, at), 1);
  close (fd);
}

static void
test_follows_claims_and_removals (void **state)
{
  Fixture *f = *state;
  g_autoptr (VfpLease) l = lease_of (f, 2, OWNER1);
  g_autoptr (GError) error = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *one = NULL;
  g_autofree char *none = NULL;
  struct stat st;

  /* Missing: built on first use (nothing leased). */
  empty = loaded (f);
  assert_string_equal (empty, "00000000");
  assert_int_equal (stat (f->index, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);
  assert_true (vfp_lease_claim (f->state, l, &error));
  one = loaded (f);
  assert_string_equal (one, "00100000");
  assert_true (vfp_lease_remove (f->state, l, &error));
  none = loaded (f);
  assert_string_equal (none, "00000000");
}

/* A lease that existed before the index (or a claim that died between its
 * link() and the byte): the rebuild sees it. */
static void
test_built_from_existing_leases (void **state)
{
  Fixture *f = *state;
  g_autoptr (VfpLease) a = lease_of (f, 0, OWNER1);
  g_autoptr (VfpLease) b = lease_of (f, 7, OWNER2);
  g_autofree char *got = NULL;
  g_autofree char *text = NULL;

  assert_true (vfp_lease_claim (f->state, a, NULL));
  assert_true (vfp_lease_claim (f->state, b, NULL));
  g_unlink (f->index);   /* as if written by a vfpool without the index */
  got = loaded (f);
  assert_string_equal (got, "10000001");
  text = file_text (f);
  assert_string_equal (text, "vfpool-index-1\nV10000001");
}

/* A 0 beside a lease (a crash after the claim's link()): the claim of that
 * VF loses (the link decides, never the index) and sets the byte right. */
static void
test_stale_clear_is_a_lost_claim_and_repaired (void **state)
{
  Fixture *f = *state;
  g_autoptr (VfpLease) mine = lease_of (f, 3, OWNER1);
  g_autoptr (VfpLease) other = lease_of (f, 3, OWNER2);
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *lying = NULL;
  g_autofree char *repaired = NULL;
  g_autoptr (VfpLease) holder = NULL;

  before = loaded (f);
  assert_true (vfp_lease_claim (f->state, mine, NULL));
  put_byte (f, HEADER + 3, '0');
  lying = loaded (f);
  assert_string_equal (lying, "00000000");
  assert_false (vfp_lease_claim (f->state, other, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_BUSY));
  assert_true (vfp_lease_read (f->state, vf_pci (f, 3), &holder, NULL));
  assert_string_equal (holder->owner_uuid, OWNER1);
  after = loaded (f);
  assert_string_equal (after, "00010000");
  /* The start's own repair (the one stat before a claim found the lease). */
  put_byte (f, HEADER + 3, '0');
  vfp_lease_index_repair (f->state, f->pf->pci, 3, vf_pci (f, 3));
  repaired = loaded (f);
  assert_string_equal (repaired, "00010000");
  (void) before;
}

/* A 1 without a lease (a lease file removed behind vfpool's back): the
 * repair, the rebuild of reconcile, and doctor all see it. */
static void
test_stale_set_repaired_and_reported (void **state)
{
  Fixture *f = *state;
  g_autofree char *built = loaded (f);
  g_autofree char *lying = NULL;
  g_autofree char *repaired = NULL;
  g_autofree char *rebuilt = NULL;
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) clean = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  assert_string_equal (built, "00000000");
  put_byte (f, HEADER + 5, '1');
  lying = loaded (f);
  assert_string_equal (lying, "00000100");
  vfp_lease_index_audit (f->state, none, problems);
  assert_int_equal (problems->len, 1);
  assert_non_null (strstr (problems->pdata[0], "says VF 5 of PF"));
  vfp_lease_index_repair (f->state, f->pf->pci, 5, vf_pci (f, 5));
  repaired = loaded (f);
  assert_string_equal (repaired, "00000000");
  put_byte (f, HEADER + 6, '1');
  assert_true (vfp_lease_index_rebuild (f->state, f->pf, &error));
  rebuilt = loaded (f);
  assert_string_equal (rebuilt, "00000000");
  vfp_lease_index_audit (f->state, none, clean);
  assert_int_equal (clean->len, 0);
}

/* Corrupt, short, half built by a process that died: rebuilt from the
 * lease files.  Half built by a process still at it: not used. */
static void
test_broken_index_rebuilt_or_skipped (void **state)
{
  Fixture *f = *state;
  g_autoptr (VfpLease) l = lease_of (f, 4, OWNER1);
  const char *broken[] = { "garbage", "vfpool-index-1\nV0000", "vfpool-index-1\nV0000x000",
                           "vfpool-index-1\nB00000000",
                           /* bad bytes the 8-at-a-time parse must see too */
                           "vfpool-index-1\nV00000002", "vfpool-index-1\nV0\xb1" "000000",
                           "vfpool-index-1\nV0000000!" };
  g_autofree char *busy = NULL;
  int fd;

  assert_true (vfp_lease_claim (f->state, l, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *got = NULL;
      g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) leases = NULL;

      assert_true (g_file_set_contents (f->index, broken[i], -1, NULL));
      assert_int_equal (chmod (f->index, 0600), 0);
      assert_true (vfp_lease_list (f->state, &leases, NULL, NULL));
      if (i == 0 || i == 3)
        {
          vfp_lease_index_audit (f->state, leases, problems);
          assert_int_equal (problems->len, 1);
        }
      got = loaded (f);
      assert_string_equal (got, "00001000");
    }
  /* Another process holds the builder's flock: its half-built file is
   * not used, and not rebuilt under it either. */
  assert_true (g_file_set_contents (f->index, "vfpool-index-1\nB00000000", -1, NULL));
  fd = open (f->index, O_RDONLY);
  assert_int_equal (flock (fd, LOCK_EX), 0);
  busy = loaded (f);
  assert_string_equal (busy, "");
  close (fd);
}

/* An index that is not ours is never read nor written, whatever it says;
 * the claim still refuses a leased VF. */
static void
test_untrusted_index_not_used (void **state)
{
  Fixture *f = *state;
  g_autoptr (VfpLease) l = lease_of (f, 1, OWNER1);
  g_autoptr (VfpLease) other = lease_of (f, 1, OWNER2);
  g_autofree char *decoy = g_build_filename (f->dir, "decoy", NULL);
  g_autofree char *decoy_after = NULL;
  g_autofree char *via_link = NULL;
  g_autofree char *group_writable = NULL;
  g_autofree char *index_dir = g_build_filename (f->state, VFP_LEASE_INDEX_DIR, NULL);
  g_autoptr (GError) error = NULL;

  assert_true (vfp_lease_claim (f->state, l, NULL));
  /* A planted symlink to a file of ours that calls every VF free. */
  g_unlink (f->index);
  assert_true (g_file_set_contents (decoy, "vfpool-index-1\nV00000000", -1, NULL));
  assert_int_equal (chmod (decoy, 0600), 0);
  assert_int_equal (symlink (decoy, f->index), 0);
  via_link = loaded (f);
  assert_string_equal (via_link, "");
  assert_false (vfp_lease_claim (f->state, other, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_BUSY));
  g_clear_error (&error);
  decoy_after = file_text (f);   /* through the link: not written to */
  assert_string_equal (decoy_after, "vfpool-index-1\nV00000000");
  /* A file others may write. */
  g_unlink (f->index);
  assert_true (g_file_set_contents (f->index, "vfpool-index-1\nV00000000", -1, NULL));
  assert_int_equal (chmod (f->index, 0620), 0);
  group_writable = loaded (f);
  assert_string_equal (group_writable, "");
  /* Someone else's file (only root can make one here). */
  if (geteuid () == 0)
    {
      g_autofree char *foreign = NULL;

      assert_int_equal (chmod (f->index, 0600), 0);
      assert_int_equal (chown (f->index, 4242, 4242), 0);
      foreign = loaded (f);
      assert_string_equal (foreign, "");
    }
  /* The directory itself open to others: no index at all, and doctor
   * says why. */
  assert_int_equal (chmod (index_dir, 0777), 0);
  assert_false (vfp_lease_index_usable (f->state));
  assert_int_equal (vfp_lease_index_open_dir (f->state), -1);
  {
    g_autoptr (GPtrArray) leases = NULL;
    g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

    assert_true (vfp_lease_list (f->state, &leases, NULL, NULL));
    vfp_lease_index_audit (f->state, leases, problems);
    assert_int_equal (problems->len, 1);
    assert_non_null (strstr (problems->pdata[0], "world-writable"));
  }
  assert_int_equal (chmod (index_dir, 0700), 0);
  assert_true (vfp_lease_index_usable (f->state));
  /* index/ itself a symlink to a private directory of ours: the hook's
   * one open of the directory refuses it (it reads every PF's index
   * through that descriptor). */
  {
    g_autofree char *real = g_strconcat (index_dir, ".real", NULL);
    int fd = vfp_lease_index_open_dir (f->state);

    assert_true (fd >= 0);
    close (fd);
    assert_int_equal (g_rename (index_dir, real), 0);
    assert_int_equal (symlink (real, index_dir), 0);
    assert_int_equal (vfp_lease_index_open_dir (f->state), -1);
    assert_int_equal (g_unlink (index_dir), 0);
    /* Missing: created 0700, then used. */
    fd = vfp_lease_index_open_dir (f->state);
    assert_true (fd >= 0);
    close (fd);
    {
      struct stat st;
      assert_int_equal (lstat (index_dir, &st), 0);
      assert_true (S_ISDIR (st.st_mode));
      assert_int_equal (st.st_mode & 07777, 0700);
    }
    assert_int_equal (g_rmdir (index_dir), 0);
    assert_int_equal (g_rename (real, index_dir), 0);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_follows_claims_and_removals, setup, teardown),
    cmocka_unit_test_setup_teardown (test_built_from_existing_leases, setup, teardown),
    cmocka_unit_test_setup_teardown (test_stale_clear_is_a_lost_claim_and_repaired, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_stale_set_repaired_and_reported, setup, teardown),
    cmocka_unit_test_setup_teardown (test_broken_index_rebuilt_or_skipped, setup, teardown),
    cmocka_unit_test_setup_teardown (test_untrusted_index_not_used, setup, teardown),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
