/* test-netlink-fake.c: unit tests for the recording netlink backend and backend selection. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "vfp-error.h"
#include "vfp-netlink.h"
#include "vfp-test-util.h"

#define CHECK_STR(what, got, want)                                              \
  do {                                                                          \
    if (g_strcmp0 ((got), (want)) != 0)                                         \
      fail_msg ("%s: got '%s', want '%s'", (what), (got), (want));              \
  } while (0)

typedef struct {
  char *dir;
  char *log;
} Fixture;

static int
setup (void **state)
{
  Fixture *fx = g_new0 (Fixture, 1);

  fx->dir = vfp_test_mkdtemp ("netlink-fake");
  fx->log = g_build_filename (fx->dir, "netlink.log", NULL);
  *state = fx;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *fx = *state;

  vfp_test_rmtree (fx->dir);
  g_free (fx->dir);
  g_free (fx->log);
  g_free (fx);
  return 0;
}

static VfpNetlink *
open_fake (Fixture *fx)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strconcat ("fake:", fx->log, NULL);
  VfpNetlink *nl = vfp_netlink_open (spec, &error);

  if (nl == NULL)
    fail_msg ("open %s: %s", spec, error->message);
  return nl;
}

static char *
read_log (Fixture *fx)
{
  char *text = NULL;

  if (!g_file_get_contents (fx->log, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static void
write_rules (Fixture *fx, const char *text)
{
  g_autofree char *base = g_path_get_basename (fx->log);
  g_autofree char *rules = g_strconcat (base, ".rules", NULL);

  vfp_test_write (fx->dir, rules, text);
}

static VfpVfConfig
cfg_from (const char *const *pairs)
{
  VfpVfConfig cfg = { 0 };

  for (guint i = 0; pairs[i] != NULL; i += 2)
    {
      g_autoptr (GError) error = NULL;

      if (!vfp_vf_config_set_attr (&cfg, pairs[i], pairs[i + 1], &error))
        fail_msg ("fixture %s=%s: %s", pairs[i], pairs[i + 1], error->message);
    }
  return cfg;
}

static void
assert_default_state (const char *label, const VfpVfConfig *cfg)
{
  static const guint8 zero[6] = { 0 };

  if (cfg->set != (VFP_KNOB_ALL | VFP_ATTR_FLAGS_VLAN | VFP_ATTR_FLAGS_RATE))
    fail_msg ("%s: set 0x%x", label, cfg->set);
  if (memcmp (cfg->mac, zero, 6) != 0 || cfg->vlan != 0 || cfg->qos != 0
      || cfg->vlan_proto != VFP_VLAN_PROTO_8021Q || !cfg->spoofchk || cfg->trust
      || cfg->min_tx_rate != 0 || cfg->max_tx_rate != 0
      || cfg->link_state != VFP_LINK_STATE_AUTO)
    {
      g_autofree char *d = vfp_vf_config_describe (cfg);

      fail_msg ("%s: not the default state: %s", label, d);
    }
}

/* ---- default state ---------------------------------------------------- */

static void
test_default_state (void **state)
{
  Fixture *fx = *state;
  g_autoptr (VfpNetlink) nl = open_fake (fx);
  g_autoptr (GError) error = NULL;
  VfpVfConfig cfg;

  if (!vfp_netlink_get_vf (nl, "ens1f0", 0, &cfg, &error))
    fail_msg ("get: %s", error->message);
  assert_default_state ("ens1f0 vf 0", &cfg);
  assert_true (vfp_netlink_get_vf (nl, "ens1f1", 63, &cfg, NULL));
  assert_default_state ("ens1f1 vf 63", &cfg);
  /* reading never records anything */
  assert_false (g_file_test (fx->log, G_FILE_TEST_EXISTS));
}

/* ---- set each knob, then get ------------------------------------------- */

typedef struct {
  VfpKnob knob;
  const char *attrs[10];
  const char *line;
  const char *describe;     /* state after this and all earlier sets */
} SetCase;

static const SetCase set_cases[] = {
  { VFP_KNOB_MAC, { "mac", "02:11:22:33:44:55", NULL },
    "ens1f0 vf 3 mac 02:11:22:33:44:55",
    "mac 02:11:22:33:44:55 vlan 0 qos 0 spoofchk on trust off min-tx-rate 0 max-tx-rate 0 link-state auto" },
  { VFP_KNOB_VLAN, { "vlan", "100", NULL },
    "ens1f0 vf 3 vlan 100 qos 0 proto 802.1Q",
    "mac 02:11:22:33:44:55 vlan 100 qos 0 spoofchk on trust off min-tx-rate 0 max-tx-rate 0 link-state auto" },
  { VFP_KNOB_VLAN, { "vlan", "200", "qos", "5", "vlan-proto", "802.1ad", NULL },
    "ens1f0 vf 3 vlan 200 qos 5 proto 802.1ad",
    "mac 02:11:22:33:44:55 vlan 200 qos 5 vlan-proto 802.1ad spoofchk on trust off min-tx-rate 0 max-tx-rate 0 link-state auto" },
  { VFP_KNOB_SPOOFCHK, { "spoofchk", "off", NULL },
    "ens1f0 vf 3 spoofchk off",
    "mac 02:11:22:33:44:55 vlan 200 qos 5 vlan-proto 802.1ad spoofchk off trust off min-tx-rate 0 max-tx-rate 0 link-state auto" },
  { VFP_KNOB_TRUST, { "trust", "on", NULL },
    "ens1f0 vf 3 trust on",
    "mac 02:11:22:33:44:55 vlan 200 qos 5 vlan-proto 802.1ad spoofchk off trust on min-tx-rate 0 max-tx-rate 0 link-state auto" },
  { VFP_KNOB_RATE, { "max-tx-rate", "1000", NULL },
    "ens1f0 vf 3 rate min 0 max 1000",
    "mac 02:11:22:33:44:55 vlan 200 qos 5 vlan-proto 802.1ad spoofchk off trust on min-tx-rate 0 max-tx-rate 1000 link-state auto" },
  { VFP_KNOB_RATE, { "min-tx-rate", "100", "max-tx-rate", "500", NULL },
    "ens1f0 vf 3 rate min 100 max 500",
    "mac 02:11:22:33:44:55 vlan 200 qos 5 vlan-proto 802.1ad spoofchk off trust on min-tx-rate 100 max-tx-rate 500 link-state auto" },
  { VFP_KNOB_LINK_STATE, { "link-state", "disable", NULL },
    "ens1f0 vf 3 state disable",
    "mac 02:11:22:33:44:55 vlan 200 qos 5 vlan-proto 802.1ad spoofchk off trust on min-tx-rate 100 max-tx-rate 500 link-state disable" },
  { VFP_KNOB_LINK_STATE, { "link-state", "auto", NULL },
    "ens1f0 vf 3 state auto",
    "mac 02:11:22:33:44:55 vlan 200 qos 5 vlan-proto 802.1ad spoofchk off trust on min-tx-rate 100 max-tx-rate 500 link-state auto" },
  { VFP_KNOB_MAC, { "mac", "00:00:00:00:00:00", NULL },
    "ens1f0 vf 3 mac 00:00:00:00:00:00",
    "mac 00:00:00:00:00:00 vlan 200 qos 5 vlan-proto 802.1ad spoofchk off trust on min-tx-rate 100 max-tx-rate 500 link-state auto" },
};

static void
test_set_then_get (void **state)
{
  Fixture *fx = *state;
  g_autoptr (VfpNetlink) nl = open_fake (fx);
  g_autoptr (GString) want_log = g_string_new (NULL);
  g_autofree char *log = NULL;
  g_autofree char *statedir = g_strconcat (fx->log, ".d", NULL);
  g_autofree char *statefile = g_build_filename (statedir, "ens1f0-vf3", NULL);
  struct stat st;
  VfpVfConfig other;

  for (gsize i = 0; i < G_N_ELEMENTS (set_cases); i++)
    {
      const SetCase *c = &set_cases[i];
      VfpVfConfig cfg = cfg_from (c->attrs);
      VfpVfConfig got;
      g_autoptr (GError) error = NULL;
      g_autofree char *desc = NULL;

      if (!vfp_netlink_set_vf (nl, "ens1f0", 3, c->knob, &cfg, &error))
        fail_msg ("%s: %s", c->line, error->message);
      if (!vfp_netlink_get_vf (nl, "ens1f0", 3, &got, &error))
        fail_msg ("%s: get: %s", c->line, error->message);
      desc = vfp_vf_config_describe (&got);
      CHECK_STR (c->line, desc, c->describe);
      g_string_append_printf (want_log, "%s\n", c->line);
    }

  log = read_log (fx);
  CHECK_STR ("log", log, want_log->str);

  /* other VFs keep their own state */
  assert_true (vfp_netlink_get_vf (nl, "ens1f0", 4, &other, NULL));
  assert_default_state ("ens1f0 vf 4", &other);
  assert_true (vfp_netlink_get_vf (nl, "ens1f1", 3, &other, NULL));
  assert_default_state ("ens1f1 vf 3", &other);

  assert_int_equal (stat (statedir, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0700);
  assert_true (g_file_test (statefile, G_FILE_TEST_IS_REGULAR));
}

static void
test_state_file_format (void **state)
{
  Fixture *fx = *state;
  g_autoptr (VfpNetlink) nl = open_fake (fx);
  VfpVfConfig cfg = cfg_from ((const char *const[]) { "trust", "on", NULL });
  g_autofree char *path = g_strconcat (fx->log, ".d/ens2f1-vf0", NULL);
  g_autofree char *text = NULL;

  assert_true (vfp_netlink_set_vf (nl, "ens2f1", 0, VFP_KNOB_TRUST, &cfg, NULL));
  assert_true (g_file_get_contents (path, &text, NULL, NULL));
  CHECK_STR ("state file", text,
             "[vf]\n"
             "mac=00:00:00:00:00:00\n"
             "vlan=0\n"
             "qos=0\n"
             "vlan-proto=802.1Q\n"
             "spoofchk=on\n"
             "trust=on\n"
             "min-tx-rate=0\n"
             "max-tx-rate=0\n"
             "link-state=auto\n");
}

/* ---- seeded state ------------------------------------------------------ */

static void
test_seeded_state (void **state)
{
  Fixture *fx = *state;
  g_autoptr (VfpNetlink) nl = open_fake (fx);
  g_autofree char *base = g_path_get_basename (fx->log);
  g_autofree char *seed = g_strconcat (base, ".d/ens1f0-vf7", NULL);
  g_autofree char *bad = g_strconcat (base, ".d/ens1f0-vf8", NULL);
  g_autofree char *desc = NULL;
  g_autoptr (GError) error = NULL;
  VfpVfConfig got, untouched;
  VfpVfConfig cfg = cfg_from ((const char *const[]) { "spoofchk", "off", NULL });

  /* a seed may name only some knobs; the others keep their defaults */
  vfp_test_write (fx->dir, seed, "[vf]\nmac=52:54:00:AA:BB:CC\nvlan=42\ntrust=on\n");
  if (!vfp_netlink_get_vf (nl, "ens1f0", 7, &got, &error))
    fail_msg ("get seeded: %s", error->message);
  assert_int_equal (got.set, VFP_KNOB_ALL | VFP_ATTR_FLAGS_VLAN | VFP_ATTR_FLAGS_RATE);
  desc = vfp_vf_config_describe (&got);
  CHECK_STR ("seeded", desc,
             "mac 52:54:00:aa:bb:cc vlan 42 qos 0 spoofchk on trust on "
             "min-tx-rate 0 max-tx-rate 0 link-state auto");

  /* a set keeps the seeded knobs it does not touch */
  assert_true (vfp_netlink_set_vf (nl, "ens1f0", 7, VFP_KNOB_SPOOFCHK, &cfg, NULL));
  assert_true (vfp_netlink_get_vf (nl, "ens1f0", 7, &got, NULL));
  g_clear_pointer (&desc, g_free);
  desc = vfp_vf_config_describe (&got);
  CHECK_STR ("seeded then set", desc,
             "mac 52:54:00:aa:bb:cc vlan 42 qos 0 spoofchk off trust on "
             "min-tx-rate 0 max-tx-rate 0 link-state auto");

  /* a corrupt seed is an error naming the file, and @out stays untouched */
  vfp_test_write (fx->dir, bad, "[vf]\nvlan=9999\n");
  memset (&untouched, 0x77, sizeof untouched);
  got = untouched;
  g_clear_error (&error);
  assert_false (vfp_netlink_get_vf (nl, "ens1f0", 8, &got, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT));
  if (strstr (error->message, "ens1f0-vf8") == NULL
      || strstr (error->message, "vlan '9999' is out of range 0-4094") == NULL)
    fail_msg ("corrupt seed message: %s", error->message);
  assert_memory_equal (&got, &untouched, sizeof got);
}

/* ---- failure injection ------------------------------------------------- */

typedef struct {
  const char *pf;
  VfpKnob knob;             /* 0 = get */
  const char *attrs[6];
  GQuark domain;            /* 0 = success */
  int code;                 /* for G_FILE_ERROR: the errno */
  const char *message;
  const char *log_line;     /* NULL = nothing logged */
} RuleCase;

static void
test_rules (void **state)
{
  Fixture *fx = *state;
  g_autoptr (VfpNetlink) nl = NULL;
  g_autoptr (GString) want_log = g_string_new (NULL);
  g_autofree char *log = NULL;
  const RuleCase cases[] = {
    { "ens1f0", VFP_KNOB_LINK_STATE, { "link-state", "enable", NULL },
      VFP_ERROR, VFP_ERROR_UNSUPPORTED,
      "setting link-state on VF 3 of ens1f0 failed: Operation not supported",
      "# ens1f0 vf 3 link-state rejected: EOPNOTSUPP" },
    { "ens1f1", VFP_KNOB_LINK_STATE, { "link-state", "enable", NULL },
      VFP_ERROR, VFP_ERROR_UNSUPPORTED,
      "setting link-state on VF 3 of ens1f1 failed: Operation not supported",
      "# ens1f1 vf 3 link-state rejected: EOPNOTSUPP" },
    { "ens1f0", VFP_KNOB_RATE, { "max-tx-rate", "1000", NULL },
      VFP_ERROR, VFP_ERROR_UNSUPPORTED,
      "setting rate on VF 3 of ens1f0 failed: Invalid argument",
      "# ens1f0 vf 3 rate rejected: EINVAL" },
    { "ens1f1", VFP_KNOB_RATE, { "max-tx-rate", "1000", NULL }, 0, 0, NULL,
      "ens1f1 vf 3 rate min 0 max 1000" },
    { "ens1f0", VFP_KNOB_VLAN, { "vlan-proto", "802.1ad", NULL },
      VFP_ERROR, VFP_ERROR_UNSUPPORTED,
      "setting vlan on VF 3 of ens1f0 failed: Protocol not supported",
      "# ens1f0 vf 3 vlan rejected: EPROTONOSUPPORT" },
    { "ens1f1", VFP_KNOB_MAC, { "mac", "02:00:00:00:00:01", NULL },
      G_FILE_ERROR, EPERM,
      "setting mac on VF 3 of ens1f1 failed: Operation not permitted",
      "# ens1f1 vf 3 mac rejected: EPERM" },
    { "ens1f0", VFP_KNOB_MAC, { "mac", "02:00:00:00:00:01", NULL }, 0, 0, NULL,
      "ens1f0 vf 3 mac 02:00:00:00:00:01" },
    { "ens1f2", VFP_KNOB_TRUST, { "trust", "on", NULL },
      G_FILE_ERROR, EBUSY,
      "setting trust on VF 3 of ens1f2 failed: Device or resource busy",
      "# ens1f2 vf 3 trust rejected: EBUSY" },
    { "ens1f2", VFP_KNOB_SPOOFCHK, { "spoofchk", "off", NULL },
      G_FILE_ERROR, ENODEV,
      "setting spoofchk on VF 3 of ens1f2 failed: No such device",
      "# ens1f2 vf 3 spoofchk rejected: ENODEV" },
    { "ens1f2", 0, { NULL }, G_FILE_ERROR, EIO,
      "reading VF 3 of ens1f2 failed: Input/output error", NULL },
    { "ens1f0", 0, { NULL }, 0, 0, NULL, NULL },
    /* value checks the kernel would make, independent of rules */
    { "ens1f0", VFP_KNOB_MAC, { "mac", "01:00:5e:00:00:01", NULL },
      VFP_ERROR, VFP_ERROR_UNSUPPORTED,
      "setting mac on VF 3 of ens1f0 failed: Invalid argument",
      "# ens1f0 vf 3 mac rejected: EINVAL" },
    { "ens1f1", VFP_KNOB_RATE, { "min-tx-rate", "600", "max-tx-rate", "500", NULL },
      VFP_ERROR, VFP_ERROR_UNSUPPORTED,
      "setting rate on VF 3 of ens1f1 failed: Invalid argument",
      "# ens1f1 vf 3 rate rejected: EINVAL" },
  };

  write_rules (fx,
               "# failure injection for test_rules\n"
               "\n"
               "*  link-state\tEOPNOTSUPP\n"
               "ens1f0 rate EINVAL\n"
               "ens1f0 vlan EPROTONOSUPPORT\n"
               "   ens1f1 mac EPERM   \n"
               "ens1f2 trust EBUSY\n"
               "ens1f2 spoofchk ENODEV\n"
               "ens1f2 get EIO\n");
  nl = open_fake (fx);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const RuleCase *c = &cases[i];
      g_autofree char *label = g_strdup_printf ("case %" G_GSIZE_FORMAT " %s %s", i, c->pf,
                                                c->knob ? vfp_knob_name (c->knob) : "get");
      g_autoptr (GError) error = NULL;
      VfpVfConfig cfg = cfg_from (c->attrs);
      VfpVfConfig before, after;
      gboolean ok;

      /* ens1f2 refuses reads, so its state is not compared */
      if (c->knob != 0)
        {
          g_autoptr (GError) get_error = NULL;

          if (strcmp (c->pf, "ens1f2") != 0
              && !vfp_netlink_get_vf (nl, c->pf, 3, &before, &get_error))
            fail_msg ("%s: get before: %s", label, get_error->message);
          ok = vfp_netlink_set_vf (nl, c->pf, 3, c->knob, &cfg, &error);
        }
      else
        {
          memset (&after, 0x33, sizeof after);
          before = after;
          ok = vfp_netlink_get_vf (nl, c->pf, 3, &after, &error);
          if (!ok)
            assert_memory_equal (&after, &before, sizeof after);
        }

      if (c->domain == 0)
        {
          if (!ok)
            fail_msg ("%s: unexpected error: %s", label, error->message);
        }
      else
        {
          int code = c->domain == G_FILE_ERROR ? (int) g_file_error_from_errno (c->code) : c->code;

          if (ok)
            fail_msg ("%s: succeeded", label);
          if (!g_error_matches (error, c->domain, code))
            fail_msg ("%s: error %s/%d, want %s/%d: %s", label,
                      g_quark_to_string (error->domain), error->code,
                      g_quark_to_string (c->domain), code, error->message);
          CHECK_STR (label, error->message, c->message);
          /* a refused set changes nothing */
          if (c->knob != 0 && strcmp (c->pf, "ens1f2") != 0)
            {
              g_autofree char *d1 = vfp_vf_config_describe (&before);
              g_autofree char *d2 = NULL;

              assert_true (vfp_netlink_get_vf (nl, c->pf, 3, &after, NULL));
              d2 = vfp_vf_config_describe (&after);
              CHECK_STR (label, d2, d1);
            }
        }
      if (c->log_line != NULL)
        g_string_append_printf (want_log, "%s\n", c->log_line);
    }

  log = read_log (fx);
  CHECK_STR ("log", log, want_log->str);
}

typedef struct {
  const char *rules;
  const char *message_tail;
} BadRulesCase;

static void
test_bad_rules (void **state)
{
  Fixture *fx = *state;
  static const BadRulesCase cases[] = {
    { "ens1f0 colour EIO\n", ".rules line 1: 'colour' is not a knob name or 'get'" },
    { "# c\nens1f0 mac EWHAT\n", ".rules line 2: unknown errno name 'EWHAT'" },
    { "ens1f0 mac\n", ".rules line 1: expected '<pf|*> <knob|get> <ERRNO>'" },
    { "ens1f0 mac EIO extra\n", ".rules line 1: expected '<pf|*> <knob|get> <ERRNO>'" },
    { "\n\n* * EIO\n", ".rules line 3: '*' is not a knob name or 'get'" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VfpNetlink) nl = NULL;

      write_rules (fx, cases[i].rules);
      nl = vfp_netlink_fake_new (fx->log, &error);
      if (nl != NULL)
        fail_msg ("rules '%s': accepted", cases[i].rules);
      assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG));
      if (!g_str_has_suffix (error->message, cases[i].message_tail)
          || !g_str_has_prefix (error->message, fx->log))
        fail_msg ("rules '%s': message '%s'", cases[i].rules, error->message);
    }
}

/* ---- names and specs ---------------------------------------------------- */

static void
test_unsafe_pf (void **state)
{
  Fixture *fx = *state;
  g_autoptr (VfpNetlink) nl = open_fake (fx);
  static const char *const bad[] = { "..", ".", "", "a/b", "../etc", "ens 1" };
  VfpVfConfig cfg = cfg_from ((const char *const[]) { "trust", "on", NULL });

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e1 = NULL;
      g_autoptr (GError) e2 = NULL;
      VfpVfConfig out;

      if (vfp_netlink_get_vf (nl, bad[i], 0, &out, &e1))
        fail_msg ("get '%s' accepted", bad[i]);
      if (!g_error_matches (e1, VFP_ERROR, VFP_ERROR_INVALID_REQUEST))
        fail_msg ("get '%s': %s", bad[i], e1->message);
      if (vfp_netlink_set_vf (nl, bad[i], 0, VFP_KNOB_TRUST, &cfg, &e2))
        fail_msg ("set '%s' accepted", bad[i]);
      if (!g_error_matches (e2, VFP_ERROR, VFP_ERROR_INVALID_REQUEST))
        fail_msg ("set '%s': %s", bad[i], e2->message);
    }
  assert_false (g_file_test (fx->log, G_FILE_TEST_EXISTS));
}

static void
test_knob_mask (void **state)
{
  Fixture *fx = *state;
  g_autoptr (VfpNetlink) nl = open_fake (fx);
  static const guint bad[] = { 0, VFP_KNOB_MAC | VFP_KNOB_VLAN, VFP_KNOB_ALL, 1 << 6,
                               VFP_ATTR_FLAG_MAX_RATE };
  VfpVfConfig cfg = cfg_from ((const char *const[]) { "trust", "on", "mac", "02:00:00:00:00:05", NULL });

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      if (vfp_netlink_set_vf (nl, "ens1f0", 0, (VfpKnob) bad[i], &cfg, &error))
        fail_msg ("knob mask 0x%x accepted", bad[i]);
      assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_FAILED));
    }
  assert_false (g_file_test (fx->log, G_FILE_TEST_EXISTS));
}

static void
test_bad_spec (void **state)
{
  static const char *const bad[] = { "bogus", "fake:", "fake", "Kernel", "", "kernel:x" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VfpNetlink) nl = vfp_netlink_open (bad[i], &error);
      g_autofree char *want = g_strdup_printf (
          "VFPOOL_NETLINK '%s' is not 'kernel' or 'fake:FILE'", bad[i]);

      if (nl != NULL)
        fail_msg ("spec '%s' accepted", bad[i]);
      if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG))
        fail_msg ("spec '%s': wrong error %s", bad[i], error->message);
      CHECK_STR (bad[i], error->message, want);
    }
}

/* ---- concurrency -------------------------------------------------------- */

#define N_CHILDREN 64
#define N_SETS 8

/* Each child opens its own backend, as separate hook processes do. */
static int
child_main (const char *log, guint vf)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = g_strconcat ("fake:", log, NULL);
  g_autoptr (VfpNetlink) nl = vfp_netlink_open (spec, &error);

  if (nl == NULL)
    return 1;
  for (guint i = 0; i < N_SETS; i++)
    {
      VfpVfConfig cfg = { 0 };
      g_autofree char *mac = g_strdup_printf ("02:00:00:00:%02x:%02x", vf, i);

      if (i % 2 == 0)
        vfp_vf_config_set_attr (&cfg, "mac", mac, NULL);
      else
        {
          cfg.set = VFP_KNOB_VLAN;
          cfg.vlan = vf * 10 + i;
          cfg.vlan_proto = VFP_VLAN_PROTO_8021Q;
        }
      if (!vfp_netlink_set_vf (nl, "ens1f0", vf, i % 2 == 0 ? VFP_KNOB_MAC : VFP_KNOB_VLAN,
                               &cfg, &error))
        return 2;
    }
  return 0;
}

static void
test_concurrent_appends (void **state)
{
  Fixture *fx = *state;
  /* allocated only after the children are gone: a forked child _exit()s
   * without freeing its copy, which valgrind would report as a leak */
  g_autoptr (GRegex) re = NULL;
  g_autoptr (GHashTable) per_vf = NULL;
  g_autoptr (VfpNetlink) nl = NULL;
  g_autofree char *log = NULL;
  g_auto (GStrv) lines = NULL;
  pid_t pids[N_CHILDREN];
  guint n_lines = 0;

  for (guint c = 0; c < N_CHILDREN; c++)
    {
      pids[c] = fork ();
      assert_true (pids[c] >= 0);
      if (pids[c] == 0)
        _exit (child_main (fx->log, c));
    }
  for (guint c = 0; c < N_CHILDREN; c++)
    {
      int status = 0;

      assert_int_equal (waitpid (pids[c], &status, 0), pids[c]);
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        fail_msg ("child %u: status 0x%x", c, status);
    }

  re = g_regex_new ("^ens1f0 vf ([0-9]+) (mac 02:00:00:00:[0-9a-f]{2}:[0-9a-f]{2}"
                    "|vlan [0-9]+ qos 0 proto 802\\.1Q)$", 0, 0, NULL);
  per_vf = g_hash_table_new (g_direct_hash, g_direct_equal);
  log = read_log (fx);
  assert_true (g_str_has_suffix (log, "\n"));
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr (GMatchInfo) m = NULL;
      g_autofree char *vf = NULL;
      guint key;

      if (!g_regex_match (re, lines[i], 0, &m))
        fail_msg ("line %u is not a whole record: '%s'", i + 1, lines[i]);
      vf = g_match_info_fetch (m, 1);
      key = (guint) g_ascii_strtoull (vf, NULL, 10) + 1;
      g_hash_table_insert (per_vf, GUINT_TO_POINTER (key),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (
                               g_hash_table_lookup (per_vf, GUINT_TO_POINTER (key))) + 1));
      n_lines++;
    }
  assert_int_equal (n_lines, N_CHILDREN * N_SETS);
  assert_int_equal (g_hash_table_size (per_vf), N_CHILDREN);

  /* every VF ends in the state its own child left */
  nl = open_fake (fx);
  for (guint c = 0; c < N_CHILDREN; c++)
    {
      VfpVfConfig got;
      g_autofree char *mac = NULL;
      g_autofree char *want = g_strdup_printf ("02:00:00:00:%02x:%02x", c, N_SETS - 2);

      assert_int_equal (GPOINTER_TO_UINT (g_hash_table_lookup (per_vf, GUINT_TO_POINTER (c + 1))),
                        N_SETS);
      assert_true (vfp_netlink_get_vf (nl, "ens1f0", c, &got, NULL));
      mac = vfp_mac_to_string (got.mac);
      CHECK_STR ("final mac", mac, want);
      assert_int_equal (got.vlan, c * 10 + N_SETS - 1);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_default_state, setup, teardown),
    cmocka_unit_test_setup_teardown (test_set_then_get, setup, teardown),
    cmocka_unit_test_setup_teardown (test_state_file_format, setup, teardown),
    cmocka_unit_test_setup_teardown (test_seeded_state, setup, teardown),
    cmocka_unit_test_setup_teardown (test_rules, setup, teardown),
    cmocka_unit_test_setup_teardown (test_bad_rules, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unsafe_pf, setup, teardown),
    cmocka_unit_test_setup_teardown (test_knob_mask, setup, teardown),
    cmocka_unit_test (test_bad_spec),
    cmocka_unit_test_setup_teardown (test_concurrent_appends, setup, teardown),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
