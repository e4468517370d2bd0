/* test-keyfile-writer.c: the key-file writer (vfp-keyfile-writer.c) against
 * GLib's GKeyFile as the oracle.  Lease files on running hosts were written
 * by GKeyFile, and vfp_lease_from_data, vfp_lease_peek and the fuzzers read
 * what it wrote: the writer must produce the same bytes for every lease and
 * VF config, whatever the owner names, pools or networks hold. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <glib/gstdio.h>
#include <cmocka.h>

#include "vfp-keyfile-writer.h"
#include "vfp-lease.h"
#include "vfp-vf-config.h"
#include "vfp-test-util.h"

/* ---- the reference: how vfpool wrote these files with GKeyFile ---------- */

static void
ref_vf_config_to_keyfile (const VfpVfConfig *cfg, GKeyFile *kf, const char *group)
{
  if (cfg->set & VFP_KNOB_MAC)
    {
      g_autofree char *mac = g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x",
                                              cfg->mac[0], cfg->mac[1], cfg->mac[2],
                                              cfg->mac[3], cfg->mac[4], cfg->mac[5]);

      g_key_file_set_string (kf, group, "mac", mac);
    }
  if (cfg->set & VFP_KNOB_VLAN)
    {
      const char *proto = vfp_vlan_proto_to_string (cfg->vlan_proto);

      g_key_file_set_uint64 (kf, group, "vlan", cfg->vlan);
      g_key_file_set_uint64 (kf, group, "qos", cfg->qos);
      if (proto != NULL)
        g_key_file_set_string (kf, group, "vlan-proto", proto);
      else
        g_key_file_set_uint64 (kf, group, "vlan-proto", cfg->vlan_proto);
    }
  if (cfg->set & VFP_KNOB_SPOOFCHK)
    g_key_file_set_string (kf, group, "spoofchk", cfg->spoofchk ? "on" : "off");
  if (cfg->set & VFP_KNOB_TRUST)
    g_key_file_set_string (kf, group, "trust", cfg->trust ? "on" : "off");
  if (cfg->set & VFP_KNOB_RATE)
    {
      g_key_file_set_uint64 (kf, group, "min-tx-rate", cfg->min_tx_rate);
      g_key_file_set_uint64 (kf, group, "max-tx-rate", cfg->max_tx_rate);
    }
  if (cfg->set & VFP_KNOB_LINK_STATE)
    g_key_file_set_string (kf, group, "link-state",
                           vfp_link_state_to_string (cfg->link_state));
}

static char *
ref_lease_to_data (const VfpLease *lease, gsize *len)
{
  static const char *states[] = { "reserved", "configuring", "configured" };
  g_autoptr (GKeyFile) kf = g_key_file_new ();

  g_key_file_set_string (kf, "lease", "vf", lease->vf_pci);
  g_key_file_set_string (kf, "lease", "pf", lease->pf_pci);
  if (lease->pf_netdev != NULL)
    g_key_file_set_string (kf, "lease", "pf-netdev", lease->pf_netdev);
  g_key_file_set_uint64 (kf, "lease", "vf-index", lease->vf_index);
  g_key_file_set_string (kf, "lease", "pool", lease->pool);
  g_key_file_set_uint64 (kf, "lease", "nic", lease->nic);
  g_key_file_set_string (kf, "lease", "owner-uuid", lease->owner_uuid);
  g_key_file_set_string (kf, "lease", "owner-name", lease->owner_name);
  if (lease->boot_id != NULL)
    g_key_file_set_string (kf, "lease", "boot-id", lease->boot_id);
  if (lease->start_id != NULL)
    g_key_file_set_string (kf, "lease", "start-id", lease->start_id);
  g_key_file_set_int64 (kf, "lease", "created", lease->created);
  g_key_file_set_int64 (kf, "lease", "qemu-pid", lease->qemu_pid);
  g_key_file_set_string (kf, "lease", "state", states[lease->state]);
  g_key_file_set_string (kf, "lease", "form",
                         lease->form == VFP_FORM_INTERFACE ? "interface" : "hostdev");
  g_key_file_set_string (kf, "lease", "managed", lease->managed ? "yes" : "no");
  if (lease->failover_network != NULL)
    g_key_file_set_string (kf, "lease", "failover-network", lease->failover_network);
  if (lease->port != NULL)
    g_key_file_set_string (kf, "lease", "network-port", lease->port);
  ref_vf_config_to_keyfile (&lease->applied, kf, "applied");
  if (lease->state != VFP_LEASE_RESERVED)
    ref_vf_config_to_keyfile (&lease->original, kf, "original");
  return g_key_file_to_data (kf, len, NULL);
}

/* ---- values ------------------------------------------------------------- */

/* Strings that exercise every escape and every place one can appear. */
static const char *nasty[] = {
  "",
  "plain",
  " ",
  "  ",
  "\t",
  " \t \t",
  "  leading spaces",
  "\t\tleading tabs",
  " \t mixed lead",
  "trailing space ",
  "trailing tab\t",
  "  both  ",
  "in side\tand\tout",
  "a\nb",
  "\n",
  "\n\n",
  "\n lead after a newline",
  " \n space, newline, space",
  "\t\r\t",
  "\r\n",
  "cr\rinside",
  "back\\slash",
  "\\",
  "\\\\",
  "\\ backslash then space",
  " \\ space backslash space",
  "\t\\\t",
  "ends in backslash\\",
  "\\n not a newline",
  "\\s",
  "key=value",
  "=",
  "==",
  "[",
  "[group]",
  "]",
  "# comment",
  "#",
  "; semicolon",
  ";",
  "a;b;c",
  "owner-name=x\n[lease]\nvf=0000:00:00.0",
  "\n[original]\nmac=ff:ff:ff:ff:ff:ff",
  "Grüße, Jürgen",
  "日本語のドメイン",
  " ü leading space then UTF-8",
  "\xe2\x80\x8b zero width space",
  "emoji \xf0\x9f\x98\x80",
  "\xc3",               /* a UTF-8 sequence cut short */
  "\xff\xfe invalid UTF-8",
  "0000:01:10.0",
  "00000000-0000-4000-8000-000000000001",
};

/* Every byte 1..255, and a long owner name. */
static char *all_bytes;
static char *long_name;

/* The strings above, then those two. */
#define N_STRINGS (G_N_ELEMENTS (nasty) + 2)

static const char *
string_at (guint i)
{
  if (i == G_N_ELEMENTS (nasty))
    return all_bytes;
  if (i == G_N_ELEMENTS (nasty) + 1)
    return long_name;
  return nasty[i];
}

static const char *
pick_string (GRand *rand)
{
  return string_at (g_rand_int_range (rand, 0, N_STRINGS));
}

static int
setup_strings (void **state)
{
  GString *s = g_string_new (NULL);

  for (guint c = 1; c <= 255; c++)
    g_string_append_c (s, (char) c);
  all_bytes = g_string_free (s, FALSE);
  s = g_string_new (" ");
  /* several KiB written in each of four fields, under the 16 KiB a lease
   * may have: the writer grows its 1 KiB buffer */
  for (guint i = 0; i < 70; i++)
    g_string_append (s, "name\\with\ttabs\nand lines ");
  long_name = g_string_free (s, FALSE);
  return 0;
}

static int
teardown_strings (void **state)
{
  g_clear_pointer (&all_bytes, g_free);
  g_clear_pointer (&long_name, g_free);
  return 0;
}

static const guint protos[] = { VFP_VLAN_PROTO_8021Q, VFP_VLAN_PROTO_8021AD, 0, 0x1234,
                                G_MAXUINT };
static const guint link_states[] = { VFP_LINK_STATE_AUTO, VFP_LINK_STATE_ENABLE,
                                     VFP_LINK_STATE_DISABLE, 7 };
static const guint numbers[] = { 0, 1, 7, 9, 10, 99, 100, 4094, 4095, 65535, G_MAXUINT };
static const gint64 wide[] = { 0, 1, -1, 9, 10, -10, 1796050946, G_MAXINT32, G_MININT32,
                               G_MAXINT64, G_MININT64, G_MAXINT64 - 1, G_MININT64 + 1 };

static void
random_config (GRand *rand, VfpVfConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  /* the private attribute bits above the knobs ride along as they do in
   * merged configs */
  cfg->set = g_rand_int_range (rand, 0, 1 << 13);
  for (guint i = 0; i < 6; i++)
    cfg->mac[i] = g_rand_int_range (rand, 0, 256);
  cfg->vlan = numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))];
  cfg->qos = numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))];
  cfg->vlan_proto = protos[g_rand_int_range (rand, 0, G_N_ELEMENTS (protos))];
  cfg->spoofchk = g_rand_boolean (rand);
  cfg->trust = g_rand_boolean (rand);
  cfg->min_tx_rate = numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))];
  cfg->max_tx_rate = numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))];
  cfg->link_state = link_states[g_rand_int_range (rand, 0, G_N_ELEMENTS (link_states))];
}

/* A string field: NULL only where the lease may lack the key. */
static char *
maybe (GRand *rand, gboolean optional)
{
  if (optional && g_rand_int_range (rand, 0, 3) == 0)
    return NULL;
  return g_strdup (pick_string (rand));
}

static VfpLease *
random_lease (GRand *rand)
{
  VfpLease *l = vfp_lease_new ();

  l->vf_pci = maybe (rand, FALSE);
  l->pf_pci = maybe (rand, FALSE);
  l->pf_netdev = maybe (rand, TRUE);
  l->vf_index = numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))];
  l->pool = maybe (rand, FALSE);
  l->nic = numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))];
  l->owner_uuid = maybe (rand, FALSE);
  l->owner_name = maybe (rand, FALSE);
  l->boot_id = maybe (rand, TRUE);
  l->start_id = maybe (rand, TRUE);
  l->created = wide[g_rand_int_range (rand, 0, G_N_ELEMENTS (wide))];
  l->qemu_pid = wide[g_rand_int_range (rand, 0, G_N_ELEMENTS (wide))];
  l->state = g_rand_int_range (rand, VFP_LEASE_RESERVED, VFP_LEASE_CONFIGURED + 1);
  l->form = g_rand_boolean (rand) ? VFP_FORM_INTERFACE : VFP_FORM_HOSTDEV;
  l->managed = g_rand_boolean (rand);
  l->failover_network = maybe (rand, TRUE);
  l->port = maybe (rand, TRUE);
  random_config (rand, &l->applied);
  random_config (rand, &l->original);
  return l;
}

static void
check_lease_same (const char *what, const VfpLease *l)
{
  gsize len = 0, ref_len = 0;
  g_autofree char *got = vfp_lease_to_data (l, &len);
  g_autofree char *want = ref_lease_to_data (l, &ref_len);

  if (len != ref_len || memcmp (got, want, len) != 0 || strlen (got) != len)
    fail_msg ("%s: the writer wrote (%" G_GSIZE_FORMAT " bytes)\n%s\n---- GKeyFile "
              "wrote (%" G_GSIZE_FORMAT " bytes)\n%s", what, len, got, ref_len, want);
}

static void
check_config_same (const char *what, const VfpVfConfig *cfg, const char *group)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;
  gsize len = 0, ref_len = 0;
  VfpKeyfileWriter w;

  vfp_keyfile_writer_init (&w, 0);
  vfp_vf_config_write (cfg, &w, group);
  got = vfp_keyfile_writer_finish (&w, &len);
  ref_vf_config_to_keyfile (cfg, kf, group);
  want = g_key_file_to_data (kf, &ref_len, NULL);
  if (len != ref_len || memcmp (got, want, len) != 0)
    fail_msg ("%s (set 0x%x): the writer wrote\n%s\n---- GKeyFile wrote\n%s",
              what, cfg->set, got, want);
}

/* ---- the tests ---------------------------------------------------------- */

/* Every knob combination, with every protocol and link state, alone in a
 * group (the fake backend's file) and as a lease's [applied] and
 * [original], in each lease state: an empty config writes no group. */
static void
test_config_every_knob (void **state)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  guint n = 0;

  for (guint set = 0; set <= VFP_KNOB_ALL; set++)
    for (guint p = 0; p < G_N_ELEMENTS (protos); p++)
      for (guint ls = 0; ls < G_N_ELEMENTS (link_states); ls++)
        for (guint b = 0; b < 4; b++)
          {
            VfpVfConfig cfg;

            random_config (rand, &cfg);
            cfg.set = set;
            cfg.vlan_proto = protos[p];
            cfg.link_state = link_states[ls];
            cfg.spoofchk = b & 1;
            cfg.trust = (b >> 1) & 1;
            check_config_same ("config", &cfg, "vf");
            n++;
          }
  assert_int_equal (n, 64 * G_N_ELEMENTS (protos) * G_N_ELEMENTS (link_states) * 4);

  for (guint applied = 0; applied <= VFP_KNOB_ALL; applied++)
    for (guint original = 0; original <= VFP_KNOB_ALL; original++)
      for (VfpLeaseState st = VFP_LEASE_RESERVED; st <= VFP_LEASE_CONFIGURED; st++)
        {
          g_autoptr (VfpLease) l = random_lease (rand);

          l->state = st;
          l->applied.set = applied;
          l->original.set = original;
          check_lease_same ("lease knobs", l);
        }
}

/* Each nasty string in every string field of a lease at once, in each
 * state, with and without the optional keys. */
static void
test_lease_every_string (void **state)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);

  for (guint i = 0; i < N_STRINGS; i++)
    for (VfpLeaseState st = VFP_LEASE_RESERVED; st <= VFP_LEASE_CONFIGURED; st++)
      for (guint optional = 0; optional < 2; optional++)
        {
          const char *s = string_at (i);
          g_autoptr (VfpLease) l = vfp_lease_new ();

          l->vf_pci = g_strdup (s);
          l->pf_pci = g_strdup (s);
          l->pool = g_strdup (s);
          l->owner_uuid = g_strdup (s);
          l->owner_name = g_strdup (s);
          if (optional)
            {
              l->pf_netdev = g_strdup (s);
              l->boot_id = g_strdup (s);
              l->start_id = g_strdup (s);
              l->failover_network = g_strdup (s);
              l->port = g_strdup (s);
            }
          l->state = st;
          random_config (rand, &l->applied);
          random_config (rand, &l->original);
          check_lease_same (s, l);
        }
}

/* Many random leases: strings, numbers (G_MININT64..G_MAXINT64, G_MAXUINT),
 * optional keys and configs mixed. */
static void
test_lease_random (void **state)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (2026);

  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr (VfpLease) l = random_lease (rand);
      g_autofree char *what = g_strdup_printf ("random lease %u", i);

      check_lease_same (what, l);
    }
}

/* The writer's own calls against GKeyFile's: several groups (one left
 * without keys, which neither writes), 64-bit extremes, strings. */
static void
test_writer_primitives (void **state)
{
  static const guint64 unsigned_values[] = { 0, 1, 9, 10, 11, 99, 100, G_MAXUINT32,
                                             (guint64) G_MAXUINT32 + 1, G_MAXINT64,
                                             (guint64) G_MAXINT64 + 1, G_MAXUINT64 - 1,
                                             G_MAXUINT64 };
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;
  gsize len = 0, ref_len = 0;
  VfpKeyfileWriter w;

  vfp_keyfile_writer_init (&w, 16);     /* small: grows many times */
  vfp_keyfile_group (&w, "numbers");
  for (guint i = 0; i < MAX (G_N_ELEMENTS (unsigned_values), G_N_ELEMENTS (wide)); i++)
    {
      g_autofree char *ukey = g_strdup_printf ("u%u", i);
      g_autofree char *skey = g_strdup_printf ("s%u", i);

      if (i < G_N_ELEMENTS (unsigned_values))
        {
          vfp_keyfile_uint64 (&w, ukey, unsigned_values[i]);
          g_key_file_set_uint64 (kf, "numbers", ukey, unsigned_values[i]);
        }
      if (i < G_N_ELEMENTS (wide))
        {
          vfp_keyfile_int64 (&w, skey, wide[i]);
          g_key_file_set_int64 (kf, "numbers", skey, wide[i]);
        }
    }
  vfp_keyfile_group (&w, "never written");
  vfp_keyfile_group (&w, "strings");
  for (guint i = 0; i < G_N_ELEMENTS (nasty); i++)
    {
      g_autofree char *key = g_strdup_printf ("k%u", i);

      vfp_keyfile_string (&w, key, nasty[i]);
      g_key_file_set_string (kf, "strings", key, nasty[i]);
    }
  vfp_keyfile_string (&w, "all-bytes", all_bytes);
  g_key_file_set_string (kf, "strings", "all-bytes", all_bytes);
  got = vfp_keyfile_writer_finish (&w, &len);
  want = g_key_file_to_data (kf, &ref_len, NULL);
  if (len != ref_len || memcmp (got, want, len) != 0)
    fail_msg ("the writer wrote\n%s\n---- GKeyFile wrote\n%s", got, want);
  /* the numbers are the decimal text, not merely the same as GKeyFile's */
  assert_non_null (strstr (got, "\nu12=18446744073709551615\n"));
  assert_non_null (strstr (got, "\ns10=-9223372036854775808\n"));
  assert_non_null (strstr (got, "\ns9=9223372036854775807\n"));
  assert_null (strstr (got, "never written"));

  /* nothing written at all: no text, as GKeyFile */
  vfp_keyfile_writer_init (&w, 0);
  vfp_keyfile_group (&w, "empty");
  g_free (got);
  got = vfp_keyfile_writer_finish (&w, &len);
  assert_int_equal (len, 0);
  assert_string_equal (got, "");
}

static void
count_message (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  (*(guint *) data)++;
}

/* A NULL value, or a key before any group: GKeyFile writes nothing and
 * warns (g_return_if_fail); so does the writer, and it goes on. */
static void
test_writer_misuse (void **state)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *got = NULL;
  g_autofree char *want = NULL;
  guint messages = 0;
  GLogFunc old_handler = g_log_set_default_handler (count_message, &messages);
  GLogLevelFlags old_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  VfpKeyfileWriter w;

  vfp_keyfile_writer_init (&w, 0);
  vfp_keyfile_string (&w, "orphan", "x");
  vfp_keyfile_uint64 (&w, "orphan-number", 1);
  vfp_keyfile_group (&w, "g");
  vfp_keyfile_string (&w, "null", NULL);
  vfp_keyfile_string (&w, "k", "v");
  got = vfp_keyfile_writer_finish (&w, NULL);
  g_key_file_set_string (kf, "g", "null", NULL);
  g_key_file_set_string (kf, "g", "k", "v");
  want = g_key_file_to_data (kf, NULL, NULL);
  g_log_set_always_fatal (old_fatal);
  g_log_set_default_handler (old_handler, NULL);
  assert_string_equal (got, want);
  assert_string_equal (got, "[g]\nk=v\n");
  /* three from the writer, one from GKeyFile */
  assert_int_equal (messages, 4);
}

/* The escapes themselves, spelled out (GKeyFile agreeing with the writer
 * would not catch a GLib that changed under both). */
static void
test_writer_escapes (void **state)
{
  static const struct {
    const char *value;
    const char *text;
  } cases[] = {
    { "", "k=\n" },
    { "  a b  ", "k=\\s\\sa b  \n" },
    { "\t a\tb", "k=\\t\\sa\tb\n" },
    { " \n x", "k=\\s\\n\\sx\n" },
    { "\\ x", "k=\\\\ x\n" },
    { "a\r\nb\\c", "k=a\\r\\nb\\\\c\n" },
    { "=[#;", "k==[#;\n" },
    { "ü ", "k=ü \n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = NULL;
      g_autofree char *want = g_strconcat ("[g]\n", cases[i].text, NULL);
      VfpKeyfileWriter w;

      vfp_keyfile_writer_init (&w, 0);
      vfp_keyfile_group (&w, "g");
      vfp_keyfile_string (&w, "k", cases[i].value);
      got = vfp_keyfile_writer_finish (&w, NULL);
      if (strcmp (got, want) != 0)
        fail_msg ("case %u: got '%s', want '%s'", i, got, want);
    }
}

static void
check_config_read_back (const VfpVfConfig *got, const VfpVfConfig *want)
{
  g_autofree char *got_text = vfp_vf_config_describe (got);
  g_autofree char *want_text = vfp_vf_config_describe (want);

  /* the reader adds the private attribute bits of the knobs it read */
  assert_int_equal (got->set & VFP_KNOB_ALL, want->set);
  assert_string_equal (got_text, want_text);
}

/* What the writer writes, vfp_lease_from_data reads back to the same lease
 * and vfp_lease_peek to the same owner name and boot id, for every nasty
 * string that is valid UTF-8 in the free-form fields (the rest are checked
 * by the reader: PCI addresses, plain tokens). */
static void
test_lease_round_trip (void **state)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  g_autofree char *dir = vfp_test_mkdtemp ("kfw");
  g_autofree char *leases = g_build_filename (dir, "leases", NULL);
  g_autofree char *path = g_build_filename (leases, "0000:01:10.2", NULL);
  g_autoptr (GError) error = NULL;
  guint tried = 0;

  assert_true (vfp_lease_store_open (dir, &error));
  for (guint i = 0; i < N_STRINGS; i++)
    for (VfpLeaseState st = VFP_LEASE_RESERVED; st <= VFP_LEASE_CONFIGURED; st++)
      {
        const char *s = string_at (i);
        g_autoptr (VfpLease) l = vfp_lease_new ();
        g_autoptr (VfpLease) back = NULL;
        g_autofree char *data = NULL;
        g_autofree char *again = NULL;
        g_autofree char *owner = NULL;
        g_autofree char *boot = NULL;
        gsize len = 0, len2 = 0;

        if (!g_utf8_validate (s, -1, NULL))
          continue;
        l->vf_pci = g_strdup ("0000:01:10.2");
        l->pf_pci = g_strdup ("0000:01:00.0");
        l->pf_netdev = g_strdup ("ens1f0");
        l->vf_index = 65535;
        l->pool = g_strdup (s);
        l->nic = 1023;
        l->owner_uuid = g_strdup (s);
        l->owner_name = g_strdup (s);
        l->boot_id = g_strdup (s);
        l->start_id = g_strdup ("0123456789abcdef0123456789abcdef");
        l->created = G_MAXINT64;
        l->qemu_pid = G_MAXINT32;
        l->state = st;
        l->form = i % 2 ? VFP_FORM_INTERFACE : VFP_FORM_HOSTDEV;
        l->managed = i % 3 != 0;
        l->failover_network = i % 2 ? g_strdup ("tenant-net") : NULL;
        l->port = i % 4 == 1 ? g_strdup ("5a7e1a2b-0c3d-4e5f-8a9b-0c1d2e3f4a5b") : NULL;
        random_config (rand, &l->applied);
        /* what the reader accepts: known knobs, protocols and link states */
        l->applied.set &= VFP_KNOB_ALL;
        l->applied.vlan = 4094;
        l->applied.qos = 7;
        l->applied.vlan_proto = VFP_VLAN_PROTO_8021AD;
        l->applied.link_state = VFP_LINK_STATE_DISABLE;
        l->original = l->applied;
        l->original.set = VFP_KNOB_ALL;
        l->original.vlan_proto = VFP_VLAN_PROTO_8021Q;

        data = vfp_lease_to_data (l, &len);
        if (!vfp_lease_from_data (data, len, &back, &error))
          fail_msg ("nasty[%u] in state %d: own output refused: %s\n%s", i, st,
                    error->message, data);
        assert_string_equal (back->pool, s);
        assert_string_equal (back->owner_uuid, s);
        assert_string_equal (back->owner_name, s);
        assert_string_equal (back->boot_id, s);
        assert_string_equal (back->start_id, l->start_id);
        assert_string_equal (back->pf_netdev, "ens1f0");
        assert_int_equal (back->vf_index, 65535);
        assert_int_equal (back->nic, 1023);
        assert_true (back->created == G_MAXINT64);
        assert_int_equal (back->qemu_pid, G_MAXINT32);
        assert_int_equal (back->state, st);
        assert_int_equal (back->form, l->form);
        assert_int_equal (back->managed, l->managed);
        assert_string_equal (back->failover_network ? back->failover_network : "-",
                             l->failover_network ? l->failover_network : "-");
        assert_string_equal (back->port ? back->port : "-", l->port ? l->port : "-");
        check_config_read_back (&back->applied, &l->applied);
        if (st == VFP_LEASE_RESERVED)
          assert_int_equal (back->original.set, 0);
        else
          check_config_read_back (&back->original, &l->original);
        again = vfp_lease_to_data (back, &len2);
        assert_int_equal (len2, len);
        assert_memory_equal (again, data, len);

        /* the fast reader of the same file */
        assert_true (g_file_set_contents (path, data, len, NULL));
        assert_int_equal (g_chmod (path, 0600), 0);
        if (!vfp_lease_peek (dir, "0000:01:10.2", &owner, &boot, &error))
          fail_msg ("nasty[%u]: peek refused: %s\n%s", i, error->message, data);
        assert_string_equal (owner, s);
        assert_string_equal (boot, s);
        tried++;
      }
  /* every string but the three that are not UTF-8, in 3 states */
  assert_int_equal (tried, 3 * (N_STRINGS - 3));
  vfp_test_rmtree (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_writer_escapes),
    cmocka_unit_test (test_writer_primitives),
    cmocka_unit_test (test_writer_misuse),
    cmocka_unit_test (test_config_every_knob),
    cmocka_unit_test (test_lease_every_string),
    cmocka_unit_test (test_lease_random),
    cmocka_unit_test (test_lease_round_trip),
  };

  return cmocka_run_group_tests (tests, setup_strings, teardown_strings);
}
