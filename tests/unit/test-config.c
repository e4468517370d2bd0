/* test-config.c: pools.d parsing, validation and PF resolution. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-test-util.h"

typedef struct {
  char *dir;
  char *sys;
  char *etc;
} Env;

static int
setup (void **state)
{
  Env *env = g_new0 (Env, 1);

  env->dir = vfp_test_mkdtemp ("config");
  env->sys = g_build_filename (env->dir, "sys", NULL);
  env->etc = g_build_filename (env->dir, "etc", NULL);
  vfp_test_make_sysfs (env->sys, "numa2");
  *state = env;
  return 0;
}

static int
teardown (void **state)
{
  Env *env = *state;

  vfp_test_rmtree (env->dir);
  g_free (env->dir);
  g_free (env->sys);
  g_free (env->etc);
  g_free (env);
  return 0;
}

static gboolean
load_text (Env *env, const char *text, VfpConfig **out, GError **error)
{
  g_autofree char *pools = g_build_filename (env->etc, "pools.d", NULL);

  vfp_test_rmtree (pools);
  vfp_test_write (pools, "a.conf", text);
  return vfp_config_load (env->etc, env->sys, out, error);
}

/* A call that asks for some pools reads only their PFs, and the PFs other
 * pools share with them (the overlap check): pool "web" on ens1f0 is
 * broken by "copy" (the same PF by PCI address, not read otherwise), while
 * "other" (ens4f0) and "gone" (no such PF) are parsed but not read — their
 * errors belong to the calls that use them. */
static void
test_load_only_wanted_pools (void **state)
{
  Env *env = *state;
  g_autofree char *pools = g_build_filename (env->etc, "pools.d", NULL);
  const char *const want_web[] = { "web", NULL };
  const char *const want_other[] = { "other", NULL };
  g_autoptr (VfpConfig) all = NULL;
  g_autoptr (VfpConfig) web = NULL;
  g_autoptr (VfpConfig) other = NULL;
  VfpPool *p;

  vfp_test_rmtree (pools);
  vfp_test_write (pools, "a.conf",
                  "[pool web]\npfs=ens1f0\n[pool copy]\npfs=0000:01:00.0#2-3\n"
                  "[pool other]\npfs=ens4f0\n[pool gone]\npfs=ens9f9\n");
  assert_true (vfp_config_load (env->etc, env->sys, &all, NULL));
  assert_non_null (vfp_config_find_broken (all, "web"));
  assert_non_null (vfp_config_find_broken (all, "copy"));
  assert_non_null (vfp_config_find_broken (all, "gone"));
  assert_non_null (vfp_config_find_pool (all, "other"));

  assert_true (vfp_config_load_pools (env->etc, env->sys, want_web, 0, &web, NULL));
  assert_non_null (vfp_config_find_broken (web, "web"));       /* as in the full load */
  assert_non_null (vfp_config_find_broken (web, "copy"));
  p = vfp_config_find_pool (web, "other");                     /* not read */
  assert_non_null (p);
  assert_int_equal (p->pfs->len, 0);
  assert_int_equal (p->unread->len, 1);
  assert_string_equal (p->unread->pdata[0], "0000:81:00.0 ens4f0");
  assert_non_null (vfp_config_find_pool (web, "gone"));        /* its error not found */

  assert_true (vfp_config_load_pools (env->etc, env->sys, want_other, 0, &other, NULL));
  p = vfp_config_find_pool (other, "other");
  assert_non_null (p);
  assert_null (p->unread);
  assert_int_equal (p->members->len, 4);
  assert_int_equal (((VfpPf *) p->pfs->pdata[0])->numa_node, 1);   /* ens4f0: node 1 */
  /* For a domain without a NUMA node (-1) the PFs' node is not read. */
  {
    g_autoptr (VfpConfig) no_numa = NULL;
    VfpPool *q;

    assert_true (vfp_config_load_pools (env->etc, env->sys, want_other, VFP_PF_FACT_NUMA,
                                        &no_numa, NULL));
    q = vfp_config_find_pool (no_numa, "other");
    assert_non_null (q);
    assert_int_equal (q->members->len, 4);
    assert_int_equal (((VfpPf *) q->pfs->pdata[0])->numa_node, -1);
  }
  /* The driver left for later is read when asked for, and is the one a
   * full read finds. */
  {
    g_autoptr (VfpConfig) no_driver = NULL;
    VfpPf *full = ((VfpPool *) vfp_config_find_pool (other, "other"))->pfs->pdata[0];
    VfpPf *pf;

    assert_non_null (full->driver);
    assert_true (vfp_config_load_pools (env->etc, env->sys, want_other, VFP_PF_FACT_DRIVER,
                                        &no_driver, NULL));
    pf = ((VfpPool *) vfp_config_find_pool (no_driver, "other"))->pfs->pdata[0];
    assert_null (pf->driver);
    assert_true (pf->driver_unread);
    assert_string_equal (vfp_pf_driver (pf, env->sys), full->driver);
    assert_false (pf->driver_unread);
    assert_string_equal (vfp_pf_driver (pf, env->sys), full->driver);
  }
  /* web and copy overlap, but neither is asked for: not read, not found. */
  assert_non_null (vfp_config_find_pool (other, "web"));
  assert_int_equal (((VfpPool *) vfp_config_find_pool (other, "web"))->pfs->len, 0);
}

static void
test_good (void **state)
{
  Env *env = *state;
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  VfpPool *p;
  VfpVf *vf = NULL;

  if (!load_text (env,
                  "# two pools sharing nothing\n"
                  "[pool web]\npfs=ens1f0#0-1,3\nvlan=100\nspoofchk=on\nmode=interface\n"
                  "allow=web*;0000aaaa-0000-4000-8000-000000000000\n"
                  "[pool storage]\npfs=0000:81:00.0\nmax-tx-rate=1000\nmanaged=no\n",
                  &config, &error))
    fail_msg ("good config refused: %s", error->message);
  assert_int_equal (config->pools->len, 2);
  p = vfp_config_find_pool (config, "web");
  assert_non_null (p);
  assert_int_equal (p->members->len, 3);
  assert_int_equal (((VfpVf *) p->members->pdata[2])->index, 3);
  assert_int_equal (p->form, VFP_FORM_INTERFACE);
  assert_true (p->managed);   /* the default */
  assert_true (p->defaults.set & VFP_KNOB_VLAN);
  assert_int_equal (p->defaults.vlan, 100);
  assert_true (vfp_pool_allows (p, "web7", "x"));
  assert_true (vfp_pool_allows (p, "db", "0000AAAA-0000-4000-8000-000000000000"));
  assert_false (vfp_pool_allows (p, "db", "x"));
  p = vfp_config_find_pool (config, "storage");
  assert_int_equal (p->members->len, 4);
  assert_int_equal (((VfpVf *) p->members->pdata[0])->pf->numa_node, 1);
  assert_true (vfp_pool_allows (p, "anyone", "x"));
  assert_false (p->managed);
  assert_ptr_equal (vfp_config_find_vf (config, ((VfpVf *) p->members->pdata[1])->pci, &vf), p);
  assert_int_equal (vf->index, 1);
  assert_null (vfp_config_find_pool (config, "nosuch"));
}

/* failover= and failover-network= of a pool; without them a pool leaves
 * failover to the request and names the network "default". */
static void
test_failover_keys (void **state)
{
  Env *env = *state;
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  VfpVfConfig asked = { 0 }, want = { 0 };
  gboolean failover = FALSE;
  VfpPool *p;

  if (!load_text (env,
                  "[pool fo]\npfs=ens1f0#0-1\nfailover=yes\nfailover-network=tenant-net\n"
                  "[pool plain]\npfs=ens1f0#2-3\n",
                  &config, &error))
    fail_msg ("failover config refused: %s", error->message);
  p = vfp_config_find_pool (config, "fo");
  assert_int_equal (p->failover, VFP_FAILOVER_YES);
  assert_string_equal (p->failover_network, "tenant-net");
  assert_true (vfp_pool_resolve_request (p, &asked, VFP_FAILOVER_UNSET, &want, &failover, NULL));
  assert_true (failover);
  p = vfp_config_find_pool (config, "plain");
  assert_int_equal (p->failover, VFP_FAILOVER_UNSET);
  assert_string_equal (p->failover_network, VFP_FAILOVER_NETWORK_DEFAULT);
  assert_true (vfp_pool_resolve_request (p, &asked, VFP_FAILOVER_UNSET, &want, &failover, NULL));
  assert_false (failover);
  assert_true (vfp_pool_resolve_request (p, &asked, VFP_FAILOVER_YES, &want, &failover, NULL));
  assert_true (failover);
}

static void
test_missing_dir_is_empty (void **state)
{
  g_autoptr (VfpConfig) config = NULL;

  assert_true (vfp_config_load ("/nonexistent/vfpool", "/sys", &config, NULL));
  assert_int_equal (config->pools->len, 0);
}

/* A domain named like an allowed UUID is not that domain. */
static void
test_allow_uuid_is_not_a_name (void **state)
{
  Env *env = *state;
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  const char *uuid_a = "0000aaaa-0000-4000-8000-000000000001";
  VfpPool *p;

  if (!load_text (env, "[pool a]\npfs=ens1f0\nallow=0000AAAA-0000-4000-8000-000000000001;db?\n",
                  &config, &error))
    fail_msg ("config refused: %s", error->message);
  p = vfp_config_find_pool (config, "a");
  assert_non_null (p);
  assert_true (vfp_pool_allows (p, "a", uuid_a));
  assert_false (vfp_pool_allows (p, uuid_a, "0000bbbb-0000-4000-8000-000000000002"));
  assert_false (vfp_pool_allows (p, "0000AAAA-0000-4000-8000-000000000001",
                                 "0000bbbb-0000-4000-8000-000000000002"));
  /* a name glob matches names only, never the UUID */
  assert_true (vfp_pool_allows (p, "db1", "0000bbbb-0000-4000-8000-000000000002"));
  assert_false (vfp_pool_allows (p, "web", "db12"));
}

/* The one broken entry a bad file leaves, or fail. */
static VfpBrokenPool *
only_broken (const char *what, VfpConfig *config)
{
  if (config->pools->len != 0 || config->broken->len == 0)
    fail_msg ("case '%s': %u pools loaded, %u broken", what, config->pools->len,
              config->broken->len);
  return config->broken->pdata[0];
}

/* Each bad config leaves its pool broken with a reason that names file,
 * group, key and the bad value; loading itself succeeds. */
static const struct {
  const char *name;
  const char *text;
  const char *expect;   /* substring of the reason */
} bad_cases[] = {
  { "unknown key", "[pool a]\npfs=ens1f0\ncolour=red\n", "a.conf: [pool a] colour=red: unknown key 'colour'" },
  { "backwards range", "[pool a]\npfs=ens1f0#3-1\n", "VF range '3-1' is backwards" },
  { "garbage range", "[pool a]\npfs=ens1f0#x\n", "VF range 'x' is not N or N-M" },
  { "empty range", "[pool a]\npfs=ens1f0#\n", "empty VF range" },
  { "range past enabled VFs", "[pool a]\npfs=ens1f0#0-9\n", "VF 4 of PF 'ens1f0' does not exist (4 VFs enabled)" },
  { "VF in two pools", "[pool a]\npfs=ens1f0#0-1\n[pool b]\npfs=ens1f0#1-2\n", "is also in pool '" },
  { "duplicate PF (name and address)", "[pool a]\npfs=ens1f0;0000:01:00.0\n", "is listed twice" },
  { "missing PF", "[pool a]\npfs=ens9f9\n", "ens9f9" },
  { "hostile PF name", "[pool a]\npfs=../../etc\n", "../../etc" },
  { "no pfs", "[pool a]\nvlan=1\n", "missing key 'pfs'" },
  { "bad vlan default", "[pool a]\npfs=ens1f0\nvlan=5000\n", "vlan '5000'" },
  { "mac as pool default", "[pool a]\npfs=ens1f0\nmac=02:00:00:00:00:01\n", "unknown key 'mac'" },
  { "bad mode", "[pool a]\npfs=ens1f0\nmode=magic\n", "mode 'magic'" },
  { "bad managed", "[pool a]\npfs=ens1f0\nmanaged=maybe\n", "a.conf: [pool a] managed=maybe: managed 'maybe' is not yes or no" },
  { "not a pool group", "[pools]\npfs=ens1f0\n", "group [pools] is not [pool NAME]" },
  { "bad pool name", "[pool a/b]\npfs=ens1f0\n", "pool name 'a/b'" },
  { "not a keyfile", "pfs=ens1f0\n", "a.conf" },
  { "allow not UTF-8", "[pool a]\npfs=ens1f0\nallow=web\xff*\n", "allow is not valid UTF-8" },
  { "unknown overridable knob", "[pool a]\npfs=ens1f0\noverridable=vlan,colour\n",
    "a.conf: [pool a] overridable=vlan,colour: unknown knob 'colour'" },
  { "bad vlans range", "[pool a]\npfs=ens1f0\nvlans=100-5000\n",
    "a.conf: [pool a] vlans=100-5000: VLAN range '100-5000' is not N or N-M" },
  { "backwards vlans", "[pool a]\npfs=ens1f0\nvlans=300,200-100\n", "VLAN range '200-100' is backwards" },
  { "empty vlans", "[pool a]\npfs=ens1f0\nvlans=\n", "vlans is empty" },
  { "pool vlan outside its vlans", "[pool a]\npfs=ens1f0\nvlan=100\nvlans=200-299\n",
    "a.conf: [pool a] vlan=100: not in the pool's vlans=200-299" },
  { "bad failover", "[pool a]\npfs=ens1f0\nfailover=on\n",
    "a.conf: [pool a] failover=on: failover 'on' is not yes or no" },
  { "failover-network with a slash", "[pool a]\npfs=ens1f0\nfailover-network=../net\n",
    "a.conf: [pool a] failover-network=../net: failover-network '../net' is not 1-64 of" },
  { "empty failover-network", "[pool a]\npfs=ens1f0\nfailover-network=\n",
    "failover-network '' is not 1-64 of" },
};

static void
test_bad (void **state)
{
  Env *env = *state;

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr (VfpConfig) config = NULL;
      g_autoptr (GError) error = NULL;
      VfpBrokenPool *broken;

      if (!load_text (env, bad_cases[i].text, &config, &error))
        fail_msg ("case '%s': load failed as a whole: %s", bad_cases[i].name, error->message);
      broken = only_broken (bad_cases[i].name, config);
      if (strstr (broken->reason, bad_cases[i].expect) == NULL)
        fail_msg ("case '%s': reason '%s' lacks '%s'", bad_cases[i].name, broken->reason,
                  bad_cases[i].expect);
      if (strstr (broken->reason, "a.conf") == NULL || strchr (broken->reason, '\n') != NULL)
        fail_msg ("case '%s': reason '%s' is not one line naming the file", bad_cases[i].name,
                  broken->reason);
    }
}

/* One bad file, one PF without VFs, two pools sharing a VF: each breaks
 * only its own pools, and says why when asked for them. */
static void
test_broken_pools_are_isolated (void **state)
{
  Env *env = *state;
  g_autofree char *pools = g_build_filename (env->etc, "pools.d", NULL);
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *numvfs = g_build_filename (env->sys, "class", "net", "ens4f0", "device",
                                              "sriov_numvfs", NULL);

  vfp_test_rmtree (pools);
  vfp_test_write (pools, "good.conf", "[pool good]\npfs=ens1f0#0-1\n");
  vfp_test_write (pools, "syntax.conf", "[pool garbled]\npfs=ens1f0#2\nthis is not a key file\n");
  vfp_test_write (pools, "off.conf", "[pool off]\npfs=ens4f0\n");
  vfp_test_write (pools, "twins.conf", "[pool left]\npfs=ens1f0#3\n[pool right]\npfs=ens1f0#3\n");
  /* SR-IOV turned off on ens4f0 after the VFs were made */
  g_assert_true (g_file_set_contents (numvfs, "0\n", -1, NULL));
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *link = g_strdup_printf ("%s/class/net/ens4f0/device/virtfn%d", env->sys, i);
      unlink (link);
    }
  if (!vfp_config_load (env->etc, env->sys, &config, &error))
    fail_msg ("load failed as a whole: %s", error->message);
  assert_int_equal (config->pools->len, 1);
  assert_non_null (vfp_config_get_pool (config, "good", NULL));
  assert_int_equal (config->broken->len, 4);
  assert_true (vfp_config_has_broken (config));

  assert_null (vfp_config_get_pool (config, "garbled", &error));
  if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST)
      || !g_str_has_prefix (error->message, "pool 'garbled' is broken: ")
      || strstr (error->message, "syntax.conf") == NULL)
    fail_msg ("garbled: %s", error->message);
  g_clear_error (&error);
  assert_null (vfp_config_get_pool (config, "off", &error));
  if (strstr (error->message, "pool 'off' is broken: ") == NULL
      || strstr (error->message, "ens4f0") == NULL
      || strstr (error->message, "sriov_numvfs") == NULL)
    fail_msg ("off: %s", error->message);
  g_clear_error (&error);
  assert_null (vfp_config_get_pool (config, "left", &error));
  if (strstr (error->message, "is also in pool 'right'") == NULL)
    fail_msg ("left: %s", error->message);
  g_clear_error (&error);
  assert_null (vfp_config_get_pool (config, "right", &error));
  if (strstr (error->message, "is also in pool 'left'") == NULL)
    fail_msg ("right: %s", error->message);
  g_clear_error (&error);
  assert_null (vfp_config_get_pool (config, "nosuch", &error));
  if (!g_str_has_prefix (error->message, "unknown pool 'nosuch' (pools are defined in "))
    fail_msg ("nosuch: %s", error->message);
}

/* A pool defined in two files is ambiguous: neither definition is used. */
static void
test_defined_twice (void **state)
{
  Env *env = *state;
  g_autofree char *pools = g_build_filename (env->etc, "pools.d", NULL);
  g_autoptr (VfpConfig) config = NULL;

  vfp_test_rmtree (pools);
  vfp_test_write (pools, "a.conf", "[pool web]\npfs=ens1f0#0\n[pool db]\npfs=ens4f0\n");
  vfp_test_write (pools, "b.conf", "[pool web]\npfs=ens1f0#1\n");
  assert_true (vfp_config_load (env->etc, env->sys, &config, NULL));
  assert_int_equal (config->pools->len, 1);
  assert_non_null (vfp_config_find_pool (config, "db"));
  assert_null (vfp_config_find_pool (config, "web"));
  assert_non_null (vfp_config_find_broken (config, "web"));
}

static void
test_sriov_off (void **state)
{
  g_autofree char *dir = vfp_test_mkdtemp ("config-off");
  g_autofree char *sys = g_build_filename (dir, "sys", NULL);
  g_autofree char *pools = g_build_filename (dir, "pools.d", NULL);
  g_autoptr (VfpConfig) config = NULL;
  VfpBrokenPool *broken;

  vfp_test_make_sysfs (sys, "off");
  vfp_test_write (pools, "off.conf", "[pool a]\npfs=ens1f0\n");
  assert_true (vfp_config_load (dir, sys, &config, NULL));
  broken = only_broken ("SR-IOV off", config);
  assert_string_equal (broken->name, "a");
  if (strstr (broken->reason, "sriov_numvfs") == NULL)
    fail_msg ("SR-IOV off: reason '%s' does not say how to enable VFs", broken->reason);
  vfp_test_rmtree (dir);
}

/* ---- binding pool values ------------------------------------------------ */

static const struct {
  const char *name;
  const char *pool;       /* keys after pfs= */
  const char *request;    /* key=value;... */
  const char *expect;     /* NULL: accepted; else a substring of the refusal */
} resolve_cases[] = {
  { "the issue's example: a request cannot undo the pool",
    "vlan=100\nspoofchk=on\ntrust=off\nmax-tx-rate=1000\n",
    "vlan=0;spoofchk=off;trust=on;max-tx-rate=0",
    "pool 'p' fixes vlan=100; the request asks vlan=0 (list vlan in the pool's overridable= to allow it)" },
  { "spoofchk alone", "spoofchk=on\n", "spoofchk=off",
    "pool 'p' fixes spoofchk=on; the request asks spoofchk=off" },
  { "trust alone", "trust=off\n", "trust=yes", "fixes trust=off; the request asks trust=on" },
  { "rate alone", "max-tx-rate=1000\n", "max-tx-rate=0", "fixes max-tx-rate=1000; the request asks max-tx-rate=0" },
  { "pool rate binds the other rate too", "max-tx-rate=1000\n", "min-tx-rate=500",
    "fixes min-tx-rate=0; the request asks min-tx-rate=500" },
  { "pool vlan binds qos", "vlan=100\n", "qos=5", "fixes qos=0; the request asks qos=5" },
  { "pool vlan binds vlan-proto", "vlan=100\n", "vlan-proto=802.1ad",
    "fixes vlan-proto=802.1Q; the request asks vlan-proto=802.1ad" },
  { "link-state", "link-state=enable\n", "link-state=disable",
    "fixes link-state=enable; the request asks link-state=disable" },
  { "repeating the pool's values is fine",
    "vlan=100\nspoofchk=on\ntrust=off\nmax-tx-rate=1000\n",
    "vlan=100;spoofchk=yes;trust=off;max-tx-rate=1000;qos=0", NULL },
  { "overridable lets the issue's example through",
    "vlan=100\nspoofchk=on\ntrust=off\nmax-tx-rate=1000\n"
    "overridable=vlan, spoofchk;trust,max-tx-rate\n",
    "vlan=0;spoofchk=off;trust=on;max-tx-rate=0", NULL },
  { "overridable is per knob", "vlan=100\ntrust=off\noverridable=vlan\n", "vlan=5;trust=on",
    "fixes trust=off" },
  { "a knob the pool does not set is the request's", "vlan=100\n", "trust=on;mac=02:00:00:00:00:01",
    NULL },
  { "no vlan in the pool: the request picks one", "spoofchk=on\n", "vlan=42", NULL },
  { "vlans: in range", "vlans=100-199,300\n", "vlan=150", NULL },
  { "vlans: single id", "vlans=100-199;300\n", "vlan=300", NULL },
  { "vlans: out of range", "vlans=100-199,300\n", "vlan=200",
    "pool 'p' allows only vlans=100-199,300; the request asks vlan=200" },
  { "vlans: no vlan asked", "vlans=100-199\n", "trust=on", "the request asks no vlan" },
  { "vlans: the pool's vlan applies when the request names none", "vlan=120\nvlans=100-199\n",
    "trust=on", NULL },
  { "vlans bind an overridable vlan too", "vlan=120\nvlans=100-199\noverridable=vlan\n",
    "vlan=5", "allows only vlans=100-199; the request asks vlan=5" },
  { "vlans with an overridable vlan in range", "vlan=120\nvlans=100-199\noverridable=vlan\n",
    "vlan=199", NULL },
  { "failover fixed by the pool", "failover=no\n", "failover=yes",
    "pool 'p' fixes failover=no; the request asks failover=yes (list failover in the pool's "
    "overridable= to allow it)" },
  { "failover fixed yes, request says no", "failover=yes\n", "failover=no",
    "fixes failover=yes; the request asks failover=no" },
  { "failover overridable", "failover=no\noverridable=failover\n", "failover=yes", NULL },
  { "failover the same as the pool's", "failover=yes\n", "failover=yes", NULL },
  { "failover left to the request", "", "failover=yes", NULL },
};

static void
test_resolve (void **state)
{
  Env *env = *state;

  for (guint i = 0; i < G_N_ELEMENTS (resolve_cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("[pool p]\npfs=ens1f0\n%s", resolve_cases[i].pool);
      g_auto (GStrv) attrs = g_strsplit (resolve_cases[i].request, ";", -1);
      g_autoptr (VfpConfig) config = NULL;
      g_autoptr (GError) error = NULL;
      VfpVfConfig asked = { 0 }, want = { 0 };
      VfpFailover asked_failover = VFP_FAILOVER_UNSET;
      gboolean failover = FALSE;
      VfpPool *pool = NULL;
      gboolean ok;

      if (!load_text (env, text, &config, &error)
          || (pool = vfp_config_get_pool (config, "p", &error)) == NULL)
        fail_msg ("case '%s': pool refused: %s", resolve_cases[i].name, error->message);
      for (char **a = attrs; *a; a++)
        {
          g_auto (GStrv) kv = g_strsplit (*a, "=", 2);
          if (strcmp (kv[0], "failover") == 0)
            asked_failover = strcmp (kv[1], "yes") == 0 ? VFP_FAILOVER_YES : VFP_FAILOVER_NO;
          else
            g_assert_true (vfp_vf_config_set_attr (&asked, kv[0], kv[1], NULL));
        }
      ok = vfp_pool_resolve_request (pool, &asked, asked_failover, &want, &failover, &error);
      if (resolve_cases[i].expect == NULL && !ok)
        fail_msg ("case '%s': refused: %s", resolve_cases[i].name, error->message);
      if (resolve_cases[i].expect != NULL
          && (ok || !g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST)
              || strstr (error->message, resolve_cases[i].expect) == NULL))
        fail_msg ("case '%s': %s, expected a refusal with '%s'", resolve_cases[i].name,
                  ok ? "accepted" : error->message, resolve_cases[i].expect);
    }
}

/* What the request gets: the pool's values, the request's where allowed. */
static void
test_resolve_merges (void **state)
{
  Env *env = *state;
  g_autoptr (VfpConfig) config = NULL;
  VfpVfConfig asked = { 0 }, want = { 0 };
  gboolean failover = TRUE;
  VfpPool *pool;

  assert_true (load_text (env, "[pool p]\npfs=ens1f0\nvlan=100\nmax-tx-rate=1000\n"
                          "overridable=vlan\nvlans=100-110\n", &config, NULL));
  pool = vfp_config_get_pool (config, "p", NULL);
  assert_non_null (pool);
  assert_true (vfp_vf_config_set_attr (&asked, "vlan", "105", NULL));
  assert_true (vfp_vf_config_set_attr (&asked, "trust", "on", NULL));
  assert_true (vfp_pool_resolve_request (pool, &asked, VFP_FAILOVER_UNSET, &want, &failover,
                                         NULL));
  assert_false (failover);
  assert_int_equal (want.vlan, 105);
  assert_true (want.trust);
  assert_true (want.set & VFP_KNOB_RATE);
  assert_int_equal (want.max_tx_rate, 1000);
}

/* ---- who may write pool files ------------------------------------------- */

static uid_t
nobody_uid (void)
{
  struct passwd *pw = getpwnam ("nobody");
  return pw != NULL ? pw->pw_uid : 65534;
}

/* Anyone who can write pools.d picks every pool: all are refused. */
static void
test_unsafe_dir (void **state)
{
  Env *env = *state;
  g_autofree char *pools = g_build_filename (env->etc, "pools.d", NULL);
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  assert_true (load_text (env, "[pool a]\npfs=ens1f0\n", &config, NULL));
  assert_non_null (vfp_config_find_pool (config, "a"));
  g_clear_pointer (&config, vfp_config_free);
  assert_int_equal (chmod (pools, 0777), 0);
  assert_true (vfp_config_load (env->etc, env->sys, &config, NULL));
  assert_int_equal (config->pools->len, 0);
  assert_non_null (config->unsafe);
  assert_true (vfp_config_has_broken (config));
  assert_null (vfp_config_get_pool (config, "a", &error));
  if (strstr (error->message, "pool 'a' is broken: ") == NULL
      || strstr (error->message, "pools.d is world-writable (mode 0777)") == NULL)
    fail_msg ("world-writable pools.d: %s", error->message);
  g_clear_pointer (&config, vfp_config_free);
  g_clear_error (&error);
  assert_int_equal (chmod (pools, 0775), 0);
  assert_true (vfp_config_load (env->etc, env->sys, &config, NULL));
  if (config->unsafe == NULL || strstr (config->unsafe, "group-writable") == NULL)
    fail_msg ("group-writable pools.d accepted");
  g_clear_pointer (&config, vfp_config_free);
  if (getuid () == 0)
    {
      assert_int_equal (chmod (pools, 0755), 0);
      assert_int_equal (chown (pools, nobody_uid (), (gid_t) -1), 0);
      assert_true (vfp_config_load (env->etc, env->sys, &config, NULL));
      if (config->unsafe == NULL || strstr (config->unsafe, "is owned by uid") == NULL)
        fail_msg ("pools.d owned by nobody accepted");
    }
}

/* A .conf someone else owns or may write, or a symlink to one, breaks the
 * pools it defines; the other files still load. */
static void
test_unsafe_files (void **state)
{
  Env *env = *state;
  g_autofree char *pools = g_build_filename (env->etc, "pools.d", NULL);
  g_autofree char *evil = g_build_filename (env->dir, "evil.conf", NULL);
  g_autofree char *link = g_build_filename (pools, "link.conf", NULL);
  g_autofree char *writable = g_build_filename (pools, "writable.conf", NULL);
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  vfp_test_rmtree (pools);
  vfp_test_write (pools, "good.conf", "[pool good]\npfs=ens1f0#0\n");
  vfp_test_write (pools, "writable.conf", "[pool writable]\npfs=ens1f0#1\n");
  assert_int_equal (chmod (writable, 0646), 0);
  vfp_test_write (env->dir, "evil.conf", "[pool evil]\npfs=ens1f0#2\ntrust=on\n");
  assert_int_equal (symlink (evil, link), 0);
  if (getuid () == 0)
    assert_int_equal (chown (evil, nobody_uid (), (gid_t) -1), 0);
  else
    assert_int_equal (chmod (evil, 0666), 0);

  assert_true (vfp_config_load (env->etc, env->sys, &config, NULL));
  assert_int_equal (config->pools->len, 1);
  assert_non_null (vfp_config_find_pool (config, "good"));
  assert_null (vfp_config_get_pool (config, "evil", &error));
  if (strstr (error->message, "link.conf: is a symlink to a file that is ") == NULL)
    fail_msg ("symlink: %s", error->message);
  g_clear_error (&error);
  assert_null (vfp_config_get_pool (config, "writable", &error));
  if (strstr (error->message, "writable.conf: is world-writable (mode 0646)") == NULL)
    fail_msg ("writable: %s", error->message);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_good, setup, teardown),
    cmocka_unit_test_setup_teardown (test_load_only_wanted_pools, setup, teardown),
    cmocka_unit_test_setup_teardown (test_failover_keys, setup, teardown),
    cmocka_unit_test (test_missing_dir_is_empty),
    cmocka_unit_test_setup_teardown (test_allow_uuid_is_not_a_name, setup, teardown),
    cmocka_unit_test_setup_teardown (test_bad, setup, teardown),
    cmocka_unit_test_setup_teardown (test_broken_pools_are_isolated, setup, teardown),
    cmocka_unit_test_setup_teardown (test_defined_twice, setup, teardown),
    cmocka_unit_test (test_sriov_off),
    cmocka_unit_test_setup_teardown (test_resolve, setup, teardown),
    cmocka_unit_test_setup_teardown (test_resolve_merges, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unsafe_dir, setup, teardown),
    cmocka_unit_test_setup_teardown (test_unsafe_files, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
