/* test-vf-config.c: unit tests for the VF knob parser, merge, keyfile form and MAC helpers. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vfp-error.h"
#include "vfp-vf-config.h"

#define CHECK_STR(what, got, want)                                              \
  do {                                                                          \
    if (g_strcmp0 ((got), (want)) != 0)                                         \
      fail_msg ("%s: got '%s', want '%s'", (what), (got), (want));              \
  } while (0)

#define CHECK_UINT(what, got, want)                                             \
  do {                                                                          \
    if ((guint) (got) != (guint) (want))                                        \
      fail_msg ("%s: got %u (0x%x), want %u (0x%x)", (what), (guint) (got),     \
                (guint) (got), (guint) (want), (guint) (want));                 \
  } while (0)

/* ---- set_attr: good values ------------------------------------------ */

typedef struct {
  const char *name;
  const char *value;
  const char *describe;     /* vfp_vf_config_describe of a fresh config */
  guint set;                /* expected set mask */
} GoodCase;

static const GoodCase good_cases[] = {
  { "mac", "02:11:22:33:44:55", "mac 02:11:22:33:44:55", VFP_KNOB_MAC },
  { "mac", "AA:bb:Cc:DD:ee:0F", "mac aa:bb:cc:dd:ee:0f", VFP_KNOB_MAC },
  { "mac", "00:00:00:00:00:00", "mac 00:00:00:00:00:00", VFP_KNOB_MAC },
  { "vlan", "0", "vlan 0 qos 0", VFP_KNOB_VLAN | VFP_ATTR_FLAG_VLAN_ID },
  { "vlan", "100", "vlan 100 qos 0", VFP_KNOB_VLAN | VFP_ATTR_FLAG_VLAN_ID },
  { "vlan", "4094", "vlan 4094 qos 0", VFP_KNOB_VLAN | VFP_ATTR_FLAG_VLAN_ID },
  { "qos", "0", "vlan 0 qos 0", VFP_KNOB_VLAN | VFP_ATTR_FLAG_QOS },
  { "qos", "7", "vlan 0 qos 7", VFP_KNOB_VLAN | VFP_ATTR_FLAG_QOS },
  { "vlan-proto", "802.1Q", "vlan 0 qos 0", VFP_KNOB_VLAN | VFP_ATTR_FLAG_PROTO },
  { "vlan-proto", "802.1q", "vlan 0 qos 0", VFP_KNOB_VLAN | VFP_ATTR_FLAG_PROTO },
  { "vlan-proto", "802.1ad", "vlan 0 qos 0 vlan-proto 802.1ad", VFP_KNOB_VLAN | VFP_ATTR_FLAG_PROTO },
  { "vlan-proto", "802.1AD", "vlan 0 qos 0 vlan-proto 802.1ad", VFP_KNOB_VLAN | VFP_ATTR_FLAG_PROTO },
  { "spoofchk", "on", "spoofchk on", VFP_KNOB_SPOOFCHK },
  { "spoofchk", "ON", "spoofchk on", VFP_KNOB_SPOOFCHK },
  { "spoofchk", "yes", "spoofchk on", VFP_KNOB_SPOOFCHK },
  { "spoofchk", "true", "spoofchk on", VFP_KNOB_SPOOFCHK },
  { "spoofchk", "1", "spoofchk on", VFP_KNOB_SPOOFCHK },
  { "spoofchk", "off", "spoofchk off", VFP_KNOB_SPOOFCHK },
  { "spoofchk", "no", "spoofchk off", VFP_KNOB_SPOOFCHK },
  { "spoofchk", "False", "spoofchk off", VFP_KNOB_SPOOFCHK },
  { "spoofchk", "0", "spoofchk off", VFP_KNOB_SPOOFCHK },
  { "trust", "on", "trust on", VFP_KNOB_TRUST },
  { "trust", "off", "trust off", VFP_KNOB_TRUST },
  { "min-tx-rate", "0", "min-tx-rate 0", VFP_KNOB_RATE | VFP_ATTR_FLAG_MIN_RATE },
  { "min-tx-rate", "100", "min-tx-rate 100", VFP_KNOB_RATE | VFP_ATTR_FLAG_MIN_RATE },
  { "max-tx-rate", "1000", "max-tx-rate 1000", VFP_KNOB_RATE | VFP_ATTR_FLAG_MAX_RATE },
  { "max-tx-rate", "4294967295", "max-tx-rate 4294967295", VFP_KNOB_RATE | VFP_ATTR_FLAG_MAX_RATE },
  { "link-state", "auto", "link-state auto", VFP_KNOB_LINK_STATE },
  { "link-state", "enable", "link-state enable", VFP_KNOB_LINK_STATE },
  { "link-state", "Disable", "link-state disable", VFP_KNOB_LINK_STATE },
};

static void
test_set_attr_good (void **state)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      const GoodCase *c = &good_cases[i];
      g_autofree char *label = g_strdup_printf ("%s='%s'", c->name, c->value);
      g_autoptr (GError) error = NULL;
      g_autofree char *desc = NULL;
      VfpVfConfig cfg = { 0 };

      if (!vfp_vf_config_set_attr (&cfg, c->name, c->value, &error))
        fail_msg ("%s: unexpected error: %s", label, error->message);
      desc = vfp_vf_config_describe (&cfg);
      CHECK_STR (label, desc, c->describe);
      CHECK_UINT (label, cfg.set, c->set);
      if (!vfp_vf_config_is_attr (c->name))
        fail_msg ("%s: not an attribute", label);
    }
}

static void
test_set_attr_fields (void **state)
{
  VfpVfConfig cfg = { 0 };
  static const guint8 want_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };

  assert_true (vfp_vf_config_set_attr (&cfg, "mac", "52:54:00:AB:cd:EF", NULL));
  assert_memory_equal (cfg.mac, want_mac, 6);

  /* vlan attributes accumulate on the one knob, defaults filled once */
  assert_true (vfp_vf_config_set_attr (&cfg, "qos", "5", NULL));
  assert_int_equal (cfg.vlan, 0);
  assert_int_equal (cfg.qos, 5);
  assert_int_equal (cfg.vlan_proto, VFP_VLAN_PROTO_8021Q);
  assert_true (vfp_vf_config_set_attr (&cfg, "vlan", "300", NULL));
  assert_int_equal (cfg.qos, 5);
  assert_int_equal (cfg.vlan, 300);
  assert_true (vfp_vf_config_set_attr (&cfg, "vlan-proto", "802.1ad", NULL));
  assert_int_equal (cfg.vlan_proto, VFP_VLAN_PROTO_8021AD);
  assert_int_equal (cfg.vlan, 300);

  assert_true (vfp_vf_config_set_attr (&cfg, "max-tx-rate", "2000", NULL));
  assert_int_equal (cfg.min_tx_rate, 0);
  assert_int_equal (cfg.max_tx_rate, 2000);
  assert_true (vfp_vf_config_set_attr (&cfg, "min-tx-rate", "500", NULL));
  assert_int_equal (cfg.min_tx_rate, 500);
  assert_int_equal (cfg.max_tx_rate, 2000);

  assert_true (vfp_vf_config_set_attr (&cfg, "spoofchk", "off", NULL));
  assert_false (cfg.spoofchk);
  assert_true (vfp_vf_config_set_attr (&cfg, "trust", "on", NULL));
  assert_true (cfg.trust);
  assert_true (vfp_vf_config_set_attr (&cfg, "link-state", "disable", NULL));
  assert_int_equal (cfg.link_state, VFP_LINK_STATE_DISABLE);

  assert_int_equal (cfg.set, VFP_KNOB_ALL | VFP_ATTR_FLAGS_VLAN | VFP_ATTR_FLAGS_RATE);
}

/* ---- set_attr: bad values ------------------------------------------- */

typedef struct {
  const char *name;
  const char *value;
  const char *message;
} BadCase;

#define MAC_BAD(v, shown) \
  { "mac", v, "mac '" shown "' is not a MAC address (expected aa:bb:cc:dd:ee:ff)" }

static const BadCase bad_cases[] = {
  MAC_BAD ("zz", "zz"),
  MAC_BAD ("", ""),
  MAC_BAD ("02:11:22:33:44", "02:11:22:33:44"),
  MAC_BAD ("02:11:22:33:44:55:66", "02:11:22:33:44:55:66"),
  MAC_BAD ("02:11:22:33:44:55:", "02:11:22:33:44:55:"),
  MAC_BAD ("02-11-22-33-44-55", "02-11-22-33-44-55"),
  MAC_BAD ("02:11:22:33:44:5g", "02:11:22:33:44:5g"),
  MAC_BAD (" 2:11:22:33:44:55", " 2:11:22:33:44:55"),
  MAC_BAD ("2:11:22:33:44:555", "2:11:22:33:44:555"),
  MAC_BAD ("0211.2233.4455", "0211.2233.4455"),
  MAC_BAD ("02:11:22:33:44:5\n", "02:11:22:33:44:5\\x0a"),
  { "vlan", "4095", "vlan '4095' is out of range 0-4094" },
  { "vlan", "99999999999999999999999", "vlan '99999999999999999999999' is out of range 0-4094" },
  { "vlan", "-1", "vlan '-1' is not a decimal number (expected 0-4094)" },
  { "vlan", "+5", "vlan '+5' is not a decimal number (expected 0-4094)" },
  { "vlan", " 5", "vlan ' 5' is not a decimal number (expected 0-4094)" },
  { "vlan", "5 ", "vlan '5 ' is not a decimal number (expected 0-4094)" },
  { "vlan", "5x", "vlan '5x' is not a decimal number (expected 0-4094)" },
  { "vlan", "0x10", "vlan '0x10' is not a decimal number (expected 0-4094)" },
  { "vlan", "", "vlan '' is not a decimal number (expected 0-4094)" },
  { "qos", "8", "qos '8' is out of range 0-7" },
  { "qos", "high", "qos 'high' is not a decimal number (expected 0-7)" },
  { "vlan-proto", "802.1x", "vlan-proto '802.1x' is not 802.1Q or 802.1ad" },
  { "vlan-proto", "0x8100", "vlan-proto '0x8100' is not 802.1Q or 802.1ad" },
  { "spoofchk", "maybe", "spoofchk 'maybe' is not on or off" },
  { "spoofchk", " on", "spoofchk ' on' is not on or off" },
  { "trust", "", "trust '' is not on or off" },
  { "trust", "2", "trust '2' is not on or off" },
  { "min-tx-rate", "-0", "min-tx-rate '-0' is not a decimal number (expected 0-4294967295)" },
  { "max-tx-rate", "4294967296", "max-tx-rate '4294967296' is out of range 0-4294967295" },
  { "max-tx-rate", "1e3", "max-tx-rate '1e3' is not a decimal number (expected 0-4294967295)" },
  { "link-state", "up", "link-state 'up' is not auto, enable or disable" },
  { "colour", "red", "unknown attribute 'colour'" },
  { "pool", "tenant-a", "unknown attribute 'pool'" },
  { "MAC", "02:11:22:33:44:55", "unknown attribute 'MAC'" },
};

static void
test_set_attr_bad (void **state)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autofree char *label = g_strdup_printf ("%s='%s'", c->name, c->value);
      g_autoptr (GError) error = NULL;
      VfpVfConfig cfg, before;

      memset (&cfg, 0xa5, sizeof cfg);
      before = cfg;
      if (vfp_vf_config_set_attr (&cfg, c->name, c->value, &error))
        fail_msg ("%s: accepted", label);
      if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST))
        fail_msg ("%s: wrong error domain/code %d", label, error->code);
      CHECK_STR (label, error->message, c->message);
      if (memcmp (&cfg, &before, sizeof cfg) != 0)
        fail_msg ("%s: config changed on failure", label);
    }
}

static void
test_is_attr (void **state)
{
  static const char *const yes[] = {
    "mac", "vlan", "qos", "vlan-proto", "spoofchk", "trust", "min-tx-rate",
    "max-tx-rate", "link-state",
  };
  static const char *const no[] = { "", "pool", "Mac", "rate", "vlan ", "state" };

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    if (!vfp_vf_config_is_attr (yes[i]))
      fail_msg ("'%s' should be an attribute", yes[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (no); i++)
    if (vfp_vf_config_is_attr (no[i]))
      fail_msg ("'%s' should not be an attribute", no[i]);
  assert_false (vfp_vf_config_is_attr (NULL));
}

/* ---- merge ------------------------------------------------------------ */

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

typedef struct {
  const char *label;
  const char *base[20];
  const char *top[20];
  const char *want;         /* describe() of the merged config */
} MergeCase;

static const MergeCase merge_cases[] = {
  { "empty over empty", { NULL }, { NULL }, "(nothing)" },
  { "empty top keeps base",
    { "vlan", "200", "qos", "3", "spoofchk", "off", NULL }, { NULL },
    "vlan 200 qos 3 spoofchk off" },
  { "vlan alone keeps base qos",
    { "vlan", "200", "qos", "3", NULL }, { "vlan", "100", NULL },
    "vlan 100 qos 3" },
  { "qos alone keeps base vlan and proto",
    { "vlan", "200", "vlan-proto", "802.1ad", NULL }, { "qos", "6", NULL },
    "vlan 200 qos 6 vlan-proto 802.1ad" },
  { "proto alone over no vlan gets defaults",
    { NULL }, { "vlan-proto", "802.1ad", NULL },
    "vlan 0 qos 0 vlan-proto 802.1ad" },
  { "max rate alone keeps base min",
    { "min-tx-rate", "100", "max-tx-rate", "500", NULL }, { "max-tx-rate", "1000", NULL },
    "min-tx-rate 100 max-tx-rate 1000" },
  { "min rate alone keeps base max",
    { "min-tx-rate", "100", "max-tx-rate", "500", NULL }, { "min-tx-rate", "0", NULL },
    "min-tx-rate 0 max-tx-rate 500" },
  { "max rate over no rate",
    { "mac", "02:00:00:00:00:01", NULL }, { "max-tx-rate", "1000", NULL },
    "mac 02:00:00:00:00:01 max-tx-rate 1000" },
  { "single knobs replace",
    { "mac", "02:00:00:00:00:01", "spoofchk", "on", "trust", "off", "link-state", "auto", NULL },
    { "mac", "02:00:00:00:00:02", "spoofchk", "off", "trust", "on", "link-state", "disable", NULL },
    "mac 02:00:00:00:00:02 spoofchk off trust on link-state disable" },
  { "disjoint knobs combine",
    { "vlan", "10", "trust", "on", NULL }, { "mac", "02:00:00:00:00:03", "max-tx-rate", "5", NULL },
    "mac 02:00:00:00:00:03 vlan 10 qos 0 trust on max-tx-rate 5" },
};

static void
test_merge (void **state)
{
  for (gsize i = 0; i < G_N_ELEMENTS (merge_cases); i++)
    {
      const MergeCase *c = &merge_cases[i];
      VfpVfConfig base = cfg_from (c->base);
      VfpVfConfig top = cfg_from (c->top);
      g_autofree char *desc = NULL;

      vfp_vf_config_merge (&base, &top);
      desc = vfp_vf_config_describe (&base);
      CHECK_STR (c->label, desc, c->want);
    }
}

static void
test_merge_fields (void **state)
{
  VfpVfConfig base = cfg_from ((const char *const[]) {
      "vlan", "200", "qos", "3", "min-tx-rate", "100", "max-tx-rate", "500", NULL });
  VfpVfConfig top = cfg_from ((const char *const[]) {
      "vlan", "100", "max-tx-rate", "1000", NULL });
  /* a knob set without attribute bits (as a backend returns it) overlays
   * all of its attributes */
  VfpVfConfig whole = { .set = VFP_KNOB_VLAN | VFP_KNOB_RATE, .vlan = 7, .qos = 1,
                        .vlan_proto = VFP_VLAN_PROTO_8021AD,
                        .min_tx_rate = 0, .max_tx_rate = 0 };

  vfp_vf_config_merge (&base, &top);
  assert_int_equal (base.vlan, 100);
  assert_int_equal (base.qos, 3);
  assert_int_equal (base.vlan_proto, VFP_VLAN_PROTO_8021Q);
  assert_int_equal (base.min_tx_rate, 100);
  assert_int_equal (base.max_tx_rate, 1000);
  assert_int_equal (base.set & VFP_KNOB_ALL, VFP_KNOB_VLAN | VFP_KNOB_RATE);

  vfp_vf_config_merge (&base, &whole);
  assert_int_equal (base.vlan, 7);
  assert_int_equal (base.qos, 1);
  assert_int_equal (base.vlan_proto, VFP_VLAN_PROTO_8021AD);
  assert_int_equal (base.min_tx_rate, 0);
  assert_int_equal (base.max_tx_rate, 0);
}

/* ---- keyfile ---------------------------------------------------------- */

static void
test_keyfile_round_trip (void **state)
{
  VfpVfConfig cfg = cfg_from ((const char *const[]) {
      "mac", "02:11:22:33:44:55", "vlan", "100", "qos", "3", "vlan-proto", "802.1ad",
      "spoofchk", "off", "trust", "on", "min-tx-rate", "10", "max-tx-rate", "1000",
      "link-state", "disable", NULL });
  g_autoptr (GKeyFile) kf2 = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *d1 = NULL;
  g_autofree char *d2 = NULL;
  VfpVfConfig back = { 0 };
  VfpKeyfileWriter w;

  vfp_keyfile_writer_init (&w, 0);
  vfp_vf_config_write (&cfg, &w, "applied");
  data = vfp_keyfile_writer_finish (&w, NULL);
  CHECK_STR ("keyfile text", data,
             "[applied]\n"
             "mac=02:11:22:33:44:55\n"
             "vlan=100\n"
             "qos=3\n"
             "vlan-proto=802.1ad\n"
             "spoofchk=off\n"
             "trust=on\n"
             "min-tx-rate=10\n"
             "max-tx-rate=1000\n"
             "link-state=disable\n");

  assert_true (g_key_file_load_from_data (kf2, data, -1, G_KEY_FILE_NONE, NULL));
  if (!vfp_vf_config_from_keyfile (&back, kf2, "applied", &error))
    fail_msg ("read back: %s", error->message);
  assert_int_equal (back.set, cfg.set);
  d1 = vfp_vf_config_describe (&cfg);
  d2 = vfp_vf_config_describe (&back);
  CHECK_STR ("round trip", d2, d1);
  assert_memory_equal (back.mac, cfg.mac, 6);
  assert_int_equal (back.vlan, 100);
  assert_int_equal (back.qos, 3);
  assert_int_equal (back.vlan_proto, VFP_VLAN_PROTO_8021AD);
  assert_false (back.spoofchk);
  assert_true (back.trust);
  assert_int_equal (back.min_tx_rate, 10);
  assert_int_equal (back.max_tx_rate, 1000);
  assert_int_equal (back.link_state, VFP_LINK_STATE_DISABLE);
}

typedef struct {
  const char *label;
  const char *const *set;   /* attribute pairs */
  const char *text;         /* expected keyfile text */
} WriteCase;

static void
test_keyfile_writes_only_set (void **state)
{
  const WriteCase cases[] = {
    { "empty", (const char *const[]) { NULL }, "" },
    { "mac only", (const char *const[]) { "mac", "02:00:00:00:00:09", NULL },
      "[g]\nmac=02:00:00:00:00:09\n" },
    { "qos names the whole vlan knob", (const char *const[]) { "qos", "2", NULL },
      "[g]\nvlan=0\nqos=2\nvlan-proto=802.1Q\n" },
    { "max rate writes both rates", (const char *const[]) { "max-tx-rate", "7", NULL },
      "[g]\nmin-tx-rate=0\nmax-tx-rate=7\n" },
    { "booleans", (const char *const[]) { "spoofchk", "yes", "trust", "0", NULL },
      "[g]\nspoofchk=on\ntrust=off\n" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      VfpVfConfig cfg = cfg_from (cases[i].set);
      g_autofree char *data = NULL;
      VfpKeyfileWriter w;

      vfp_keyfile_writer_init (&w, 0);
      vfp_vf_config_write (&cfg, &w, "g");
      data = vfp_keyfile_writer_finish (&w, NULL);
      CHECK_STR (cases[i].label, data, cases[i].text);
    }
}

typedef struct {
  const char *label;
  const char *text;
  const char *message;
} StrictCase;

static const StrictCase strict_cases[] = {
  { "unknown key", "[vf]\nmac=02:00:00:00:00:01\ncolour=red\n",
    "[vf] colour=red: unknown key 'colour'" },
  { "vlan out of range", "[vf]\nvlan=5000\n",
    "[vf] vlan=5000: vlan '5000' is out of range 0-4094" },
  { "empty mac", "[vf]\nmac=\n",
    "[vf] mac=: mac '' is not a MAC address (expected aa:bb:cc:dd:ee:ff)" },
  { "bad bool", "[vf]\ntrust=perhaps\n",
    "[vf] trust=perhaps: trust 'perhaps' is not on or off" },
  { "rate with garbage", "[vf]\nmax-tx-rate=10M\n",
    "[vf] max-tx-rate=10M: max-tx-rate '10M' is not a decimal number (expected 0-4294967295)" },
  { "numeric proto", "[vf]\nvlan-proto=33024\n",
    "[vf] vlan-proto=33024: vlan-proto '33024' is not 802.1Q or 802.1ad" },
  { "pool is not a knob", "[vf]\npool=a\n", "[vf] pool=a: unknown key 'pool'" },
};

static void
test_keyfile_strict (void **state)
{
  for (gsize i = 0; i < G_N_ELEMENTS (strict_cases); i++)
    {
      const StrictCase *c = &strict_cases[i];
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      g_autoptr (GError) error = NULL;
      VfpVfConfig cfg, before;

      if (!g_key_file_load_from_data (kf, c->text, -1, G_KEY_FILE_NONE, NULL))
        fail_msg ("%s: fixture does not parse", c->label);
      memset (&cfg, 0x5a, sizeof cfg);
      before = cfg;
      if (vfp_vf_config_from_keyfile (&cfg, kf, "vf", &error))
        fail_msg ("%s: accepted", c->label);
      if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT))
        fail_msg ("%s: wrong error code %d", c->label, error->code);
      CHECK_STR (c->label, error->message, c->message);
      if (memcmp (&cfg, &before, sizeof cfg) != 0)
        fail_msg ("%s: config changed on failure", c->label);
    }
}

static void
test_keyfile_missing_group (void **state)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  VfpVfConfig cfg;

  assert_true (g_key_file_load_from_data (kf, "[other]\nmac=zz\n", -1, G_KEY_FILE_NONE, NULL));
  memset (&cfg, 0x5a, sizeof cfg);
  assert_true (vfp_vf_config_from_keyfile (&cfg, kf, "vf", NULL));
  assert_int_equal (cfg.set, 0);

  /* present but empty group: also nothing set */
  assert_true (g_key_file_load_from_data (kf, "[vf]\n", -1, G_KEY_FILE_NONE, NULL));
  memset (&cfg, 0x5a, sizeof cfg);
  assert_true (vfp_vf_config_from_keyfile (&cfg, kf, "vf", NULL));
  assert_int_equal (cfg.set, 0);
}

/* ---- MAC helpers ---------------------------------------------------- */

#define UUID_A "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"
#define UUID_B "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ac"

static void
test_mac_derive (void **state)
{
  guint8 a0[6], a0_again[6], a0_upper[6], a1[6], b0[6];
  g_autofree char *s0 = NULL;
  g_autofree char *s1 = NULL;

  vfp_mac_derive (UUID_A, 0, a0);
  vfp_mac_derive (UUID_A, 0, a0_again);
  vfp_mac_derive ("6F1C2D3E-4B5A-4C6D-8E7F-0123456789AB", 0, a0_upper);
  vfp_mac_derive (UUID_A, 1, a1);
  vfp_mac_derive (UUID_B, 0, b0);

  assert_memory_equal (a0, a0_again, 6);
  assert_memory_equal (a0, a0_upper, 6);
  assert_memory_not_equal (a0, a1, 6);
  assert_memory_not_equal (a0, b0, 6);

  /* pinned: leases and guests remember these addresses across upgrades */
  s0 = vfp_mac_to_string (a0);
  s1 = vfp_mac_to_string (a1);
  CHECK_STR ("derive " UUID_A "/0", s0, "2a:38:24:cf:3a:78");
  CHECK_STR ("derive " UUID_A "/1", s1, "8e:4e:b0:35:5e:3d");

  for (guint i = 0; i < 256; i++)
    {
      guint8 m[6];

      vfp_mac_derive (UUID_A, i, m);
      if ((m[0] & 0x02) == 0)
        fail_msg ("index %u: not locally administered", i);
      if (vfp_mac_is_multicast (m))
        fail_msg ("index %u: multicast", i);
      if (vfp_mac_is_zero (m))
        fail_msg ("index %u: zero", i);
    }
}

static void
test_mac_helpers (void **state)
{
  static const guint8 zero[6] = { 0 };
  static const guint8 mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
  static const guint8 bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  static const guint8 uni[6] = { 0x02, 0xab, 0x00, 0x0c, 0xde, 0xf0 };
  g_autofree char *s = vfp_mac_to_string (uni);
  g_autoptr (GError) error = NULL;
  guint8 out[6] = { 9, 9, 9, 9, 9, 9 };
  static const guint8 nines[6] = { 9, 9, 9, 9, 9, 9 };

  CHECK_STR ("to_string", s, "02:ab:00:0c:de:f0");
  assert_true (vfp_mac_is_zero (zero));
  assert_false (vfp_mac_is_zero (uni));
  assert_true (vfp_mac_is_multicast (mcast));
  assert_true (vfp_mac_is_multicast (bcast));
  assert_false (vfp_mac_is_multicast (uni));
  assert_false (vfp_mac_is_multicast (zero));

  assert_false (vfp_mac_parse ("02:ab:00:0c:de", out, &error));
  assert_memory_equal (out, nines, 6);
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST));
  assert_true (vfp_mac_parse ("02:AB:00:0C:DE:F0", out, NULL));
  assert_memory_equal (out, uni, 6);
}

/* ---- names and describe --------------------------------------------- */

static void
test_names (void **state)
{
  CHECK_STR ("mac", vfp_knob_name (VFP_KNOB_MAC), "mac");
  CHECK_STR ("vlan", vfp_knob_name (VFP_KNOB_VLAN), "vlan");
  CHECK_STR ("spoofchk", vfp_knob_name (VFP_KNOB_SPOOFCHK), "spoofchk");
  CHECK_STR ("trust", vfp_knob_name (VFP_KNOB_TRUST), "trust");
  CHECK_STR ("rate", vfp_knob_name (VFP_KNOB_RATE), "rate");
  CHECK_STR ("link-state", vfp_knob_name (VFP_KNOB_LINK_STATE), "link-state");
  CHECK_STR ("auto", vfp_link_state_to_string (VFP_LINK_STATE_AUTO), "auto");
  CHECK_STR ("enable", vfp_link_state_to_string (VFP_LINK_STATE_ENABLE), "enable");
  CHECK_STR ("disable", vfp_link_state_to_string (VFP_LINK_STATE_DISABLE), "disable");
  CHECK_STR ("802.1Q", vfp_vlan_proto_to_string (VFP_VLAN_PROTO_8021Q), "802.1Q");
  CHECK_STR ("802.1ad", vfp_vlan_proto_to_string (VFP_VLAN_PROTO_8021AD), "802.1ad");
  assert_null (vfp_vlan_proto_to_string (0x9100));
  /* the private attribute bits must never collide with knobs */
  assert_int_equal ((VFP_ATTR_FLAGS_VLAN | VFP_ATTR_FLAGS_RATE) & VFP_KNOB_ALL, 0);
}

static void
test_describe (void **state)
{
  VfpVfConfig empty = { 0 };
  VfpVfConfig cfg = cfg_from ((const char *const[]) {
      "max-tx-rate", "1000", "trust", "off", "spoofchk", "on", "qos", "0",
      "vlan", "100", "mac", "02:11:22:33:44:55", NULL });
  VfpVfConfig all = { .set = VFP_KNOB_ALL, .vlan_proto = VFP_VLAN_PROTO_8021Q,
                      .spoofchk = TRUE, .max_tx_rate = 10 };
  g_autofree char *d_empty = vfp_vf_config_describe (&empty);
  g_autofree char *d_cfg = vfp_vf_config_describe (&cfg);
  g_autofree char *d_all = vfp_vf_config_describe (&all);

  CHECK_STR ("empty", d_empty, "(nothing)");
  CHECK_STR ("request", d_cfg,
             "mac 02:11:22:33:44:55 vlan 100 qos 0 spoofchk on trust off max-tx-rate 1000");
  CHECK_STR ("all knobs", d_all,
             "mac 00:00:00:00:00:00 vlan 0 qos 0 spoofchk on trust off "
             "min-tx-rate 0 max-tx-rate 10 link-state auto");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_set_attr_good),
    cmocka_unit_test (test_set_attr_fields),
    cmocka_unit_test (test_set_attr_bad),
    cmocka_unit_test (test_is_attr),
    cmocka_unit_test (test_merge),
    cmocka_unit_test (test_merge_fields),
    cmocka_unit_test (test_keyfile_round_trip),
    cmocka_unit_test (test_keyfile_writes_only_set),
    cmocka_unit_test (test_keyfile_strict),
    cmocka_unit_test (test_keyfile_missing_group),
    cmocka_unit_test (test_mac_derive),
    cmocka_unit_test (test_mac_helpers),
    cmocka_unit_test (test_names),
    cmocka_unit_test (test_describe),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
