/* test-lifecycle.c: prepare / inject / release on a fake igb host with the
 * recording netlink backend: configuration, rollback, stickiness, NUMA,
 * exhaustion, adoption and quarantine. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "vfp-doctor.h"
#include "vfp-explain.h"
#include "vfp-error.h"
#include "vfp-lease.h"
#include "vfp-lifecycle.h"
#include "vfp-liveness.h"
#include "vfp-quarantine.h"
#include "vfp-test-util.h"

typedef struct {
  char *dir;
  VfpContext *ctx;
} Env;

static Env *
env_new (const char *layout, const char *pools)
{
  Env *env = g_new0 (Env, 1);
  g_autofree char *etc = NULL;

  env->dir = vfp_test_mkdtemp ("lifecycle");
  env->ctx = vfp_context_new ();
#define SET(field, ...) (g_free (env->ctx->field), env->ctx->field = g_build_filename (env->dir, __VA_ARGS__, NULL))
  SET (sysfs_root, "sys");
  SET (config_dir, "etc");
  SET (state_dir, "run");
  SET (history_dir, "lib");
  SET (libvirt_run_dir, "libvirt");
  g_free (env->ctx->netlink_spec);
  env->ctx->netlink_spec = g_strdup_printf ("fake:%s/nl.log", env->dir);
#undef SET
  vfp_test_make_sysfs (env->ctx->sysfs_root, layout);
  etc = g_build_filename (env->ctx->config_dir, "pools.d", NULL);
  vfp_test_write (etc, "p.conf", pools);
  return env;
}

static void
env_free (Env *env)
{
  vfp_context_free (env->ctx);
  vfp_test_rmtree (env->dir);
  g_free (env->dir);
  g_free (env);
}

static VfpDomXml *
domain (const char *name, int n, const char *extra, const char *nic_attrs)
{
  g_autofree char *xml = g_strdup_printf (
    "<domain type='qemu'><name>%s</name><uuid>00000000-0000-4000-8000-%012d</uuid>%s"
    "<os><type machine='q35'>hvm</type></os>"
    "<metadata><v:request xmlns:v='urn:vfpool:domain:1'><v:nic %s/></v:request></metadata>"
    "<devices><controller type='pci' index='0' model='pcie-root'/>"
    "<controller type='pci' index='1' model='pcie-root-port'/></devices></domain>",
    name, n, extra ? extra : "", nic_attrs);
  VfpDomXml *dom = NULL;
  g_autoptr (GError) error = NULL;

  if (!vfp_domxml_parse (xml, strlen (xml), &dom, &error))
    fail_msg ("test XML: %s", error->message);
  return dom;
}

/* The VF @name holds, or NULL. */
static char *
vf_of (Env *env, VfpDomXml *dom)
{
  g_autoptr (GPtrArray) leases = NULL;

  assert_true (vfp_lease_list (env->ctx->state_dir, &leases, NULL, NULL));
  for (guint i = 0; i < leases->len; i++)
    if (strcmp (((VfpLease *) leases->pdata[i])->owner_uuid, vfp_domxml_get_uuid (dom)) == 0)
      return g_strdup (((VfpLease *) leases->pdata[i])->vf_pci);
  return NULL;
}

static VfpVfConfig
vf_state (Env *env, guint index)
{
  VfpVfConfig cfg = { 0 };
  VfpNetlink *nl = vfp_context_get_netlink (env->ctx, NULL);

  assert_true (vfp_netlink_get_vf (nl, "ens1f0", index, &cfg, NULL));
  return cfg;
}

static void
release (Env *env, VfpDomXml *dom)
{
  g_autoptr (GError) error = NULL;
  if (!vfp_lifecycle_release (env->ctx, vfp_domxml_get_uuid (dom), NULL, &error))
    fail_msg ("release: %s", error->message);
}

static void
prepare_ok (Env *env, VfpDomXml *dom)
{
  g_autoptr (GError) error = NULL;
  if (!vfp_lifecycle_prepare (env->ctx, dom, &error))
    fail_msg ("prepare %s: %s", vfp_domxml_get_name (dom), error->message);
}

static void
test_configure_and_restore (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\ntrust=on\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' vlan='100' mac='52:54:00:00:00:01'");
  g_autofree char *vf = NULL;
  g_autofree char *mac = NULL;
  VfpVfConfig s;

  prepare_ok (env, d1);
  vf = vf_of (env, d1);
  assert_string_equal (vf, "0000:01:10.0");
  s = vf_state (env, 0);
  mac = vfp_mac_to_string (s.mac);
  assert_string_equal (mac, "52:54:00:00:00:01");
  assert_int_equal (s.vlan, 100);
  assert_true (s.trust);            /* pool default applied */
  release (env, d1);
  s = vf_state (env, 0);
  assert_true (vfp_mac_is_zero (s.mac));
  assert_int_equal (s.vlan, 0);
  assert_false (s.trust);
  release (env, d1);                /* idempotent */
  env_free (env);
}

static void
test_rollback_on_driver_refusal (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' vlan='7' link-state='enable'");
  g_autoptr (GError) error = NULL;
  g_autofree char *rules = g_build_filename (env->dir, "nl.log.rules", NULL);
  g_autofree char *vf = NULL;
  VfpVfConfig s;

  vfp_test_write (env->dir, "nl.log.rules", "* link-state EOPNOTSUPP\n");
  assert_false (vfp_lifecycle_prepare (env->ctx, d1, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_UNSUPPORTED));
  if (!strstr (error->message, "link-state") || !strstr (error->message, "0000:01:10.0")
      || !strstr (error->message, "ens1f0") || !strstr (error->message, "igb")
      || !strstr (error->message, "domain 'd1'") || !strstr (error->message, "pool 'p'"))
    fail_msg ("refusal message lacks knob/VF/PF/driver/domain/pool: %s", error->message);
  vf = vf_of (env, d1);
  assert_null (vf);
  s = vf_state (env, 0);
  assert_int_equal (s.vlan, 0);     /* the VLAN applied before the refusal was undone */
  assert_true (vfp_mac_is_zero (s.mac));
  env_free (env);
}

static void
test_sticky (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p'");
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  prepare_ok (env, d1);
  release (env, d1);
  prepare_ok (env, d2);             /* takes VF 0, d1's last one */
  prepare_ok (env, d1);
  a = vf_of (env, d1);
  assert_string_equal (a, "0000:01:10.2");
  release (env, d1);
  release (env, d2);
  prepare_ok (env, d1);             /* VF 0 is free and lower, but d1 had VF 1 */
  b = vf_of (env, d1);
  assert_string_equal (b, "0000:01:10.2");
  release (env, d1);
  prepare_ok (env, d2);
  c = vf_of (env, d2);
  assert_string_equal (c, "0000:01:10.0");
  release (env, d2);
  env_free (env);
}

static void
test_numa (void **state)
{
  Env *env = env_new ("numa2", "[pool p]\npfs=ens1f0;ens4f0\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, "<numatune><memory nodeset='1'/></numatune>", "pool='p'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p'");
  g_autoptr (VfpDomXml) d3 = domain ("d3", 3, NULL, "pool='p'");
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  prepare_ok (env, d1);
  a = vf_of (env, d1);
  assert_true (g_str_has_prefix (a, "0000:81:"));   /* ens4f0 is on NUMA 1 */
  prepare_ok (env, d2);
  prepare_ok (env, d3);
  b = vf_of (env, d2);
  c = vf_of (env, d3);
  /* spread: after one lease on each PF the loads are equal → first PF. */
  assert_true (g_str_has_prefix (b, "0000:01:"));
  assert_true (g_str_has_prefix (c, "0000:01:") || g_str_has_prefix (c, "0000:81:"));
  assert_string_not_equal (b, c);
  env_free (env);
}

static void
test_exhausted_and_busy (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p'");
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (VfpDomXml) d2_named = NULL;

  prepare_ok (env, d1);
  assert_false (vfp_lifecycle_prepare (env->ctx, d2, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_POOL_EXHAUSTED));
  if (!strstr (error->message, "pool 'p' has no free VF") || !strstr (error->message, "d1 on 0000:01:10.0"))
    fail_msg ("exhaustion message: %s", error->message);
  g_clear_error (&error);

  /* d2's XML naming d1's VF (boot-time path): BUSY, naming the holder. */
  assert_true (vfp_domxml_add_device (d2, 0, "0000:01:10.0", VFP_FORM_HOSTDEV, NULL, NULL));
  xml = vfp_domxml_to_string (d2);
  assert_true (vfp_domxml_parse (xml, strlen (xml), &d2_named, NULL));
  assert_false (vfp_lifecycle_prepare (env->ctx, d2_named, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_BUSY));
  assert_non_null (strstr (error->message, "leased to domain 'd1'"));
  env_free (env);
}

static void
test_inject_then_prepare_adopts (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' vlan='9'");
  g_autoptr (VfpDomXml) live = NULL;
  g_autoptr (VfpLease) lease = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (GPtrArray) devices = NULL;

  assert_true (vfp_lifecycle_inject (env->ctx, d1, TRUE, NULL));   /* dry run */
  assert_null (vf_of (env, d1));
  vfp_domxml_remove_devices (d1);
  assert_true (vfp_lifecycle_inject (env->ctx, d1, FALSE, NULL));
  assert_true (vfp_lease_read (env->ctx->state_dir, "0000:01:10.0", &lease, NULL));
  assert_int_equal (lease->state, VFP_LEASE_RESERVED);
  assert_int_equal (vf_state (env, 0).vlan, 0);   /* inject does not touch the VF */
  g_clear_pointer (&lease, vfp_lease_free);

  xml = vfp_domxml_to_string (d1);
  assert_true (vfp_domxml_parse (xml, strlen (xml), &live, NULL));
  devices = vfp_domxml_list_devices (live);
  assert_int_equal (devices->len, 1);
  prepare_ok (env, live);
  assert_true (vfp_lease_read (env->ctx->state_dir, "0000:01:10.0", &lease, NULL));
  assert_int_equal (lease->state, VFP_LEASE_CONFIGURED);
  assert_int_equal (vf_state (env, 0).vlan, 9);
  release (env, live);
  assert_int_equal (vf_state (env, 0).vlan, 0);
  env_free (env);
}

/* ---- restore begin -------------------------------------------------------- */

/* The VF @dom's device for nic @nic names. */
static char *
device_vf (VfpDomXml *dom, guint nic)
{
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);

  for (guint i = 0; i < devices->len; i++)
    if (((VfpDomDevice *) devices->pdata[i])->nic == nic)
      return g_strdup (((VfpDomDevice *) devices->pdata[i])->pci);
  return NULL;
}

static guint
lease_count (Env *env)
{
  g_autoptr (GPtrArray) leases = NULL;

  assert_true (vfp_lease_list (env->ctx->state_dir, &leases, NULL, NULL));
  return leases->len;
}

/* The saved VF is free: the same VF, reserved; the XML is unchanged and
 * prepare takes the reservation over. */
static void
test_restore_same_vf (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' vlan='5'");
  g_autoptr (VfpLease) lease = NULL;
  g_autofree char *vf = NULL;
  g_autoptr (GError) error = NULL;
  gboolean changed = TRUE;

  assert_true (vfp_domxml_add_device (d1, 0, "0000:01:10.2", VFP_FORM_HOSTDEV, NULL, NULL));
  if (!vfp_lifecycle_restore (env->ctx, d1, &changed, &error))
    fail_msg ("restore: %s", error->message);
  assert_false (changed);
  vf = device_vf (d1, 0);
  assert_string_equal (vf, "0000:01:10.2");
  assert_true (vfp_lease_read (env->ctx->state_dir, "0000:01:10.2", &lease, NULL));
  assert_int_equal (lease->state, VFP_LEASE_RESERVED);
  assert_string_equal (lease->owner_name, "d1");
  assert_int_equal (lease_count (env), 1);
  /* libvirt tries again: the VF is still this domain's nic's, kept */
  changed = TRUE;
  assert_true (vfp_lifecycle_restore (env->ctx, d1, &changed, NULL));
  assert_false (changed);
  assert_int_equal (lease_count (env), 1);
  prepare_ok (env, d1);
  g_clear_pointer (&lease, vfp_lease_free);
  assert_true (vfp_lease_read (env->ctx->state_dir, "0000:01:10.2", &lease, NULL));
  assert_int_equal (lease->state, VFP_LEASE_CONFIGURED);
  assert_int_equal (vf_state (env, 1).vlan, 5);
  release (env, d1);
  assert_int_equal (lease_count (env), 0);
  env_free (env);
}

/* The saved VF went to another domain meanwhile: the device is re-pointed
 * to a free VF of the pool, which is reserved; the other domain keeps its. */
static void
test_restore_taken_vf (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p'");
  g_autoptr (VfpLease) lease = NULL;
  g_autofree char *vf = NULL;
  g_autofree char *held = NULL;
  g_autofree char *text = NULL;
  g_autoptr (VfpDomXml) reparsed = NULL;
  g_autoptr (GError) error = NULL;
  gboolean changed = FALSE;

  prepare_ok (env, d2);
  held = vf_of (env, d2);
  assert_string_equal (held, "0000:01:10.0");
  assert_true (vfp_domxml_add_device (d1, 0, "0000:01:10.0", VFP_FORM_HOSTDEV, NULL, NULL));
  if (!vfp_lifecycle_restore (env->ctx, d1, &changed, &error))
    fail_msg ("restore: %s", error->message);
  assert_true (changed);
  vf = device_vf (d1, 0);
  assert_string_equal (vf, "0000:01:10.2");
  assert_true (vfp_lease_read (env->ctx->state_dir, "0000:01:10.2", &lease, NULL));
  assert_int_equal (lease->state, VFP_LEASE_RESERVED);
  assert_string_equal (lease->owner_name, "d1");
  g_clear_pointer (&lease, vfp_lease_free);
  assert_true (vfp_lease_read (env->ctx->state_dir, "0000:01:10.0", &lease, NULL));
  assert_string_equal (lease->owner_name, "d2");
  /* the filtered XML libvirt gets back starts: prepare takes the VF over */
  text = vfp_domxml_to_string (d1);
  assert_true (vfp_domxml_parse (text, strlen (text), &reparsed, NULL));
  prepare_ok (env, reparsed);
  assert_int_equal (lease_count (env), 2);
  env_free (env);
}

/* Every saved VF that can be kept is kept before any nic is moved: nic 0's
 * VF was taken, nic 1's is free and the pool's best pick — nic 1 keeps it
 * and nic 0 moves to the next one. */
static void
test_restore_keeps_before_moving (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-2\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p'/><v:nic pool='p'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p'");
  g_autofree char *vf0 = NULL;
  g_autofree char *vf1 = NULL;
  g_autoptr (GError) error = NULL;
  gboolean changed = FALSE;

  prepare_ok (env, d2);                         /* d2 holds VF 0 */
  assert_true (vfp_domxml_add_device (d1, 0, "0000:01:10.0", VFP_FORM_HOSTDEV, NULL, NULL));
  assert_true (vfp_domxml_add_device (d1, 1, "0000:01:10.2", VFP_FORM_HOSTDEV, NULL, NULL));
  if (!vfp_lifecycle_restore (env->ctx, d1, &changed, &error))
    fail_msg ("restore: %s", error->message);
  assert_true (changed);
  vf0 = device_vf (d1, 0);
  vf1 = device_vf (d1, 1);
  assert_string_equal (vf1, "0000:01:10.2");
  assert_string_equal (vf0, "0000:01:10.4");
  assert_int_equal (lease_count (env), 3);
  env_free (env);
}

/* No free VF for a saved device: an error naming domain, nic and pool, and
 * nothing reserved — also not what an earlier nic of the same restore took. */
static void
test_restore_exhausted (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p'/><v:nic pool='p'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p'");
  g_autoptr (GError) error = NULL;
  g_autofree char *vf0 = NULL;
  g_autofree char *vf1 = NULL;
  gboolean changed = TRUE;

  prepare_ok (env, d2);                         /* d2 holds VF 0 */
  assert_true (vfp_domxml_add_device (d1, 0, "0000:01:10.2", VFP_FORM_HOSTDEV, NULL, NULL));
  assert_true (vfp_domxml_add_device (d1, 1, "0000:01:10.0", VFP_FORM_HOSTDEV, NULL, NULL));
  assert_false (vfp_lifecycle_restore (env->ctx, d1, &changed, &error));
  assert_false (changed);
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_POOL_EXHAUSTED));
  if (!strstr (error->message, "domain 'd1' nic 1") || !strstr (error->message, "pool 'p'")
      || !strstr (error->message, "no free VF") || strchr (error->message, '\n'))
    fail_msg ("restore refusal: %s", error->message);
  assert_null (vf_of (env, d1));                /* nic 0's reservation went back */
  assert_int_equal (lease_count (env), 1);
  vf0 = device_vf (d1, 0);
  vf1 = device_vf (d1, 1);
  assert_string_equal (vf0, "0000:01:10.2");
  assert_string_equal (vf1, "0000:01:10.0");
  env_free (env);
}

/* A request without saved devices (plain start whose VF was never
 * plugged): restore leaves it to prepare. */
static void
test_restore_without_devices (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p'");
  gboolean changed = TRUE;

  assert_true (vfp_lifecycle_restore (env->ctx, d1, &changed, NULL));
  assert_false (changed);
  assert_int_equal (lease_count (env), 0);
  env_free (env);
}

/* ---- failover ----------------------------------------------------------- */

/* inject: the VF as interface with teaming plus the pool network's standby;
 * the lease remembers both for the hot-plug path. */
static void
test_failover_inject (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\nfailover=yes\nfailover-network=tn\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' mac='52:54:00:00:00:07'");
  g_autoptr (VfpLease) lease = NULL;
  g_autofree char *text = NULL;

  assert_true (vfp_lifecycle_inject (env->ctx, d1, FALSE, NULL));
  text = vfp_domxml_to_string (d1);
  if (!strstr (text, "<teaming type=\"transient\" persistent=\"ua-vfpool-sb0\"/>")
      || !strstr (text, "<source network=\"tn\"/>")
      || !strstr (text, "<interface type=\"hostdev\" managed=\"yes\">"))
    fail_msg ("injected XML: %s", text);
  assert_true (vfp_lease_read (env->ctx->state_dir, "0000:01:10.0", &lease, NULL));
  assert_int_equal (lease->form, VFP_FORM_INTERFACE);
  assert_string_equal (lease->failover_network, "tn");
  env_free (env);
}

/* Plain start: started hands the worker the standby to attach first; a
 * request that turns failover off gets neither. */
static void
test_failover_hotplug (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\noverridable=failover\n");
  g_autoptr (VfpDomXml) one_port = domain ("d1", 1, NULL, "pool='p' failover='yes'");
  g_autoptr (VfpDomXml) d1 = NULL;
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p' failover='no'");
  g_autoptr (GPtrArray) hp1 = NULL;
  g_autoptr (GPtrArray) hp2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = vfp_domxml_to_string (one_port);
  g_autofree char *two_ports = NULL;
  VfpHotplug *h;

  /* The standby is hot-plugged too: one free root port is not enough. */
  assert_false (vfp_lifecycle_prepare (env->ctx, one_port, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_NO_HOTPLUG_SLOT));
  assert_int_equal (lease_count (env), 0);
  *strstr (text, "</devices>") = '\0';
  two_ports = g_strconcat (text, "<controller type='pci' index='2' model='pcie-root-port'/>"
                           "</devices></domain>", NULL);
  assert_true (vfp_domxml_parse (two_ports, strlen (two_ports), &d1, NULL));
  prepare_ok (env, d1);
  prepare_ok (env, d2);
  assert_true (vfp_lifecycle_started (env->ctx, d1, &hp1, NULL));
  assert_int_equal (hp1->len, 1);
  h = hp1->pdata[0];
  assert_int_equal (h->form, VFP_FORM_INTERFACE);
  assert_string_equal (h->standby_network, "default");
  assert_string_equal (h->standby_alias, "ua-vfpool-sb0");
  assert_true (h->cfg.set & VFP_KNOB_MAC);
  assert_true (vfp_lifecycle_started (env->ctx, d2, &hp2, NULL));
  h = hp2->pdata[0];
  assert_int_equal (h->form, VFP_FORM_HOSTDEV);
  assert_null (h->standby_network);
  assert_null (h->standby_alias);
  env_free (env);
}

/* An interface with the failover nic's MAC that is not a standby: refused
 * at prepare, before anything is leased. */
static void
test_failover_conflict_refused (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\nfailover=yes\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' mac='52:54:00:00:00:07'");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = vfp_domxml_to_string (d1);
  g_autofree char *with = NULL;
  g_autoptr (VfpDomXml) dom = NULL;
  char *at = strstr (text, "</devices>");

  *at = '\0';
  with = g_strdup_printf ("%s<interface type='network'><mac address='52:54:00:00:00:07'/>"
                          "<source network='default'/></interface></devices></domain>", text);
  assert_true (vfp_domxml_parse (with, strlen (with), &dom, NULL));
  assert_false (vfp_lifecycle_prepare (env->ctx, dom, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST));
  if (!strstr (error->message, "domain 'd1' nic 0: interface with MAC 52:54:00:00:00:07 is "
                               "not a failover standby"))
    fail_msg ("conflict refusal: %s", error->message);
  assert_int_equal (lease_count (env), 0);
  env_free (env);
}

/* Two nics on one MAC, one of them a failover pair: refused (the standby is
 * found by MAC and would serve both); without failover the MAC may repeat. */
static void
test_failover_mac_shared (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' mac='52:54:00:00:00:07'/>"
                                     "<v:nic pool='p' failover='yes' mac='52:54:00:00:00:07'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p' mac='52:54:00:00:00:08'/>"
                                     "<v:nic pool='p' mac='52:54:00:00:00:08'");
  g_autoptr (GError) error = NULL;

  assert_false (vfp_lifecycle_inject (env->ctx, d1, FALSE, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST));
  if (!strstr (error->message, "domain 'd1' nic 1: MAC 52:54:00:00:00:07 is nic 0's too"))
    fail_msg ("shared MAC refusal: %s", error->message);
  assert_int_equal (lease_count (env), 0);
  /* same MAC without failover is a bond's business (other PFs): planned */
  assert_true (vfp_lifecycle_inject (env->ctx, d2, TRUE, NULL));
  env_free (env);
}

static void
test_quarantine_on_failed_restore (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' vlan='3'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p'");
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) q = NULL;
  g_autofree char *vf = NULL;

  prepare_ok (env, d1);
  /* The driver starts refusing VLAN changes: the restore fails. */
  vfp_test_write (env->dir, "nl.log.rules", "* vlan EIO\n");
  vfp_netlink_free (env->ctx->netlink);
  env->ctx->netlink = NULL;
  assert_true (vfp_lifecycle_release (env->ctx, vfp_domxml_get_uuid (d1), warnings, NULL));
  assert_int_equal (warnings->len, 1);
  q = vfp_quarantine_list (env->ctx->state_dir);
  assert_true (g_hash_table_contains (q, "0000:01:10.0"));
  prepare_ok (env, d2);             /* skips the quarantined VF */
  vf = vf_of (env, d2);
  assert_string_equal (vf, "0000:01:10.2");
  env_free (env);
}

/* QEMU @pid with the NUL-separated arguments @args (as /proc/PID/cmdline). */
static void
fake_qemu (Env *env, int pid, const char *args, gsize len)
{
  g_autofree char *dir = g_strdup_printf ("%s/proc/%d", env->dir, pid);
  g_autofree char *path = g_build_filename (dir, "cmdline", NULL);

  assert_int_equal (g_mkdir_with_parents (dir, 0700), 0);
  assert_true (g_file_set_contents (path, args, len, NULL));
}

/* started begin with libvirt's pid file naming @pid: the lease records it. */
static void
started_with_pid (Env *env, VfpDomXml *dom, int pid)
{
  g_autofree char *file = g_strdup_printf ("%s.pid", vfp_domxml_get_name (dom));
  g_autofree char *text = g_strdup_printf ("%d\n", pid);
  g_autoptr (GPtrArray) hotplug = NULL;

  vfp_test_write (env->ctx->libvirt_run_dir, file, text);
  assert_true (vfp_lifecycle_started (env->ctx, dom, &hotplug, NULL));
}

/* A recorded QEMU pid is the domain's only if one whole argument names it
 * ("-uuid UUID" or "-name guest=NAME,..."; libvirt doubles commas in NAME).
 * Before, a substring sufficed: dead t2's lease stayed because its recycled
 * pid now ran t22 ("guest=t2" is in "guest=t22"). */
static void
test_reconcile_matches_whole_arguments (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\n");
  g_autoptr (VfpDomXml) t2 = domain ("t2", 2, NULL, "pool='p'");
  g_autoptr (VfpDomXml) t22 = domain ("t22", 22, NULL, "pool='p'");
  g_autoptr (VfpDomXml) comma = domain ("a,b", 3, NULL, "pool='p'");
  g_autoptr (VfpDomXml) t4 = domain ("t4", 4, NULL, "pool='p'");
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_reconcile_entry_free);
  g_autofree char *vf = NULL;
  static const char t22_args[] =
    "qemu-system-x86_64\0-name\0guest=t22,debug-threads=on\0-S\0"
    "-uuid\0" "00000000-0000-4000-8000-000000000022\0-smbios\0type=1,serial=00000000-0000-4000-8000-000000000002\0";
  static const char comma_args[] = "qemu-system-x86_64\0-name\0guest=a,,b,debug-threads=on\0"
    "-uuid\0" "00000000-0000-4000-8000-000000000003";
  /* A process that only mentions the domain inside one argument. */
  static const char shell_args[] = "bash\0-c\0exec -a 'qemu -name guest=t4 -uuid x' sleep 9\0";

  g_free (env->ctx->proc_root);
  env->ctx->proc_root = g_build_filename (env->dir, "proc", NULL);
  fake_qemu (env, 100, t22_args, sizeof t22_args - 1);
  fake_qemu (env, 101, comma_args, sizeof comma_args);   /* no final NUL */
  fake_qemu (env, 102, shell_args, sizeof shell_args - 1);
  prepare_ok (env, t2);
  prepare_ok (env, t22);
  prepare_ok (env, comma);
  prepare_ok (env, t4);
  started_with_pid (env, t2, 100);     /* t2 died; its pid now runs t22 */
  started_with_pid (env, t22, 100);
  started_with_pid (env, comma, 101);
  started_with_pid (env, t4, 102);

  assert_true (vfp_lifecycle_reconcile (env->ctx, NULL, NULL, report, NULL));
  assert_null (vf_of (env, t2));
  assert_null (vf_of (env, t4));
  vf = vf_of (env, t22);
  assert_non_null (vf);
  g_free (vf);
  vf = vf_of (env, comma);
  assert_non_null (vf);
  env_free (env);
}

/* The lease of @vf_pci (must exist). */
static VfpLease *
lease_of_vf (Env *env, const char *vf_pci)
{
  VfpLease *lease = NULL;
  g_autoptr (GError) error = NULL;

  if (!vfp_lease_read (env->ctx->state_dir, vf_pci, &lease, &error))
    fail_msg ("lease of %s: %s", vf_pci, error->message);
  return lease;
}

/* Hardening item 1: the hot-plug worker of an earlier start of web1 fails
 * after web1 was destroyed and started again on the same VF.  Releasing
 * "its" VF must not touch the new start's lease (before, only the owner
 * UUID was compared, which both starts share). */
static void
test_stale_worker_cannot_release (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-0\n");
  g_autoptr (VfpDomXml) web1 = domain ("web1", 1, NULL, "pool='p' vlan='100'");
  g_autoptr (GPtrArray) first = NULL;
  g_autoptr (GPtrArray) second = NULL;
  g_autoptr (VfpLease) lease = NULL;
  VfpHotplug *stale;

  prepare_ok (env, web1);
  assert_true (vfp_lifecycle_started (env->ctx, web1, &first, NULL));
  assert_int_equal (first->len, 1);
  stale = first->pdata[0];
  release (env, web1);                      /* destroyed */
  prepare_ok (env, web1);                   /* started again: same VF */
  assert_true (vfp_lifecycle_started (env->ctx, web1, &second, NULL));
  assert_string_equal (((VfpHotplug *) second->pdata[0])->vf_pci, stale->vf_pci);
  assert_string_not_equal (((VfpHotplug *) second->pdata[0])->start_id, stale->start_id);

  assert_true (vfp_lifecycle_release_vf (env->ctx, vfp_domxml_get_uuid (web1), stale->vf_pci,
                                         stale->start_id, NULL, NULL));
  lease = lease_of_vf (env, stale->vf_pci);
  assert_string_equal (lease->start_id, ((VfpHotplug *) second->pdata[0])->start_id);
  assert_int_equal (vf_state (env, 0).vlan, 100);

  /* The current start's own worker still can. */
  assert_true (vfp_lifecycle_release_vf (env->ctx, vfp_domxml_get_uuid (web1), stale->vf_pci,
                                         ((VfpHotplug *) second->pdata[0])->start_id, NULL,
                                         NULL));
  assert_null (vf_of (env, web1));
  assert_int_equal (vf_state (env, 0).vlan, 0);
  env_free (env);
}

/* Hardening item 9: an update (a prepare going on configuring, started
 * recording the pid) must not bring back a lease another process released
 * meanwhile, nor overwrite one another start took over. */
static void
test_update_never_resurrects (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-0\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' vlan='5'");
  g_autoptr (VfpLease) seen = NULL;
  g_autoptr (GError) error = NULL;

  prepare_ok (env, d1);
  seen = lease_of_vf (env, "0000:01:10.0");
  release (env, d1);
  seen->qemu_pid = 4242;
  assert_false (vfp_lease_update (env->ctx->state_dir, seen, NULL, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_NOT_FOUND));
  assert_null (vf_of (env, d1));
  g_clear_error (&error);

  prepare_ok (env, d1);                     /* a new start: new start id */
  assert_false (vfp_lease_update (env->ctx->state_dir, seen, NULL, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_BUSY));
  g_clear_pointer (&seen, vfp_lease_free);
  seen = lease_of_vf (env, "0000:01:10.0");
  assert_int_equal (seen->qemu_pid, 0);
  env_free (env);
}

/* Hardening item 9: `vfpoolctl start` reserved a VF (inject), then lost the
 * race to `virsh start`, whose prepare took the reservation over.  The
 * failed boot-time start releases what it still holds — not the running
 * instance's VF.  And an inject never builds on a configured lease. */
static void
test_failed_boot_start_spares_concurrent_start (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\n");
  g_autoptr (VfpDomXml) boot = domain ("d1", 1, NULL, "pool='p' vlan='7'");
  g_autoptr (VfpDomXml) plain = domain ("d1", 1, NULL, "pool='p' vlan='7'");
  g_autoptr (VfpDomXml) again = domain ("d1", 1, NULL, "pool='p' vlan='7'");
  g_autoptr (GPtrArray) held = NULL;
  g_autoptr (GPtrArray) held2 = NULL;
  g_autoptr (VfpLease) lease = NULL;

  assert_true (vfp_lifecycle_inject_held (env->ctx, boot, FALSE, &held, NULL));
  assert_int_equal (held->len, 1);
  prepare_ok (env, plain);                  /* virsh start adopts the reservation */
  assert_true (vfp_lifecycle_release_held (env->ctx, held, NULL, NULL));
  lease = lease_of_vf (env, "0000:01:10.0");
  assert_int_equal (lease->state, VFP_LEASE_CONFIGURED);
  assert_int_equal (vf_state (env, 0).vlan, 7);

  /* While d1 runs, a second `vfpoolctl start` gets a VF of its own and,
   * failing ("already running"), gives back only that one. */
  assert_true (vfp_lifecycle_inject_held (env->ctx, again, FALSE, &held2, NULL));
  assert_int_equal (held2->len, 1);
  assert_string_equal (((VfpLease *) held2->pdata[0])->vf_pci, "0000:01:10.2");
  assert_true (vfp_lifecycle_release_held (env->ctx, held2, NULL, NULL));
  g_clear_pointer (&lease, vfp_lease_free);
  lease = lease_of_vf (env, "0000:01:10.0");
  assert_int_equal (lease->state, VFP_LEASE_CONFIGURED);
  assert_false (vfp_lease_read (env->ctx->state_dir, "0000:01:10.2", &lease, NULL));
  env_free (env);
}

/* Two nics (two hot-plug ports) of pool p. */
static VfpDomXml *
domain_two_nics (void)
{
  return vfp_test_parse_or_fail ("two nics",
    "<domain type='qemu'><name>two</name><uuid>00000000-0000-4000-8000-000000000009</uuid>"
    "<os><type machine='q35'>hvm</type></os>"
    "<metadata><v:request xmlns:v='urn:vfpool:domain:1'><v:nic pool='p' vlan='10'/>"
    "<v:nic pool='p' vlan='20'/></v:request></metadata>"
    "<devices><controller type='pci' index='0' model='pcie-root'/>"
    "<controller type='pci' index='1' model='pcie-root-port'/>"
    "<controller type='pci' index='2' model='pcie-root-port'/></devices></domain>");
}

/* One unreadable lease used to fail the domain's whole release: no VF went
 * back.  Now the good one is restored and freed, the bad one quarantined
 * with one warning naming the VF and the file. */
static void
test_release_with_corrupt_lease (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\n");
  g_autoptr (VfpDomXml) two = domain_two_nics ();
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) q = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *leases = g_build_filename (env->ctx->state_dir, "leases", NULL);
  g_autofree char *bad = g_build_filename (leases, "0000:01:10.2", NULL);
  g_autofree char *good = g_build_filename (leases, "0000:01:10.0", NULL);
  const char *reason;

  prepare_ok (env, two);
  assert_int_equal (vf_state (env, 0).vlan, 10);
  assert_int_equal (vf_state (env, 1).vlan, 20);
  vfp_test_write (leases, "0000:01:10.2", "not a lease\n");
  if (!vfp_lifecycle_release (env->ctx, vfp_domxml_get_uuid (two), warnings, &error))
    fail_msg ("release: %s", error->message);
  assert_int_equal (vf_state (env, 0).vlan, 0);          /* restored */
  assert_false (g_file_test (good, G_FILE_TEST_EXISTS));  /* freed */
  assert_int_equal (warnings->len, 1);
  assert_non_null (strstr (warnings->pdata[0], "VF 0000:01:10.2 quarantined"));
  assert_non_null (strstr (warnings->pdata[0], bad));
  q = vfp_quarantine_list (env->ctx->state_dir);
  reason = g_hash_table_lookup (q, "0000:01:10.2");
  assert_non_null (reason);
  assert_non_null (strstr (reason, "lease file unreadable"));
  assert_true (g_file_test (bad, G_FILE_TEST_EXISTS));   /* left for the operator */
  env_free (env);
}

/* Every path that reads state refuses an unsafe state dir, not only
 * prepare: before, release applied the [original] of a lease planted in a
 * world-writable state dir. */
static void
test_unsafe_state_dir_refused (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-1\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' vlan='100'");
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_reconcile_entry_free);
  g_autoptr (GPtrArray) hotplug = NULL;
  g_autoptr (GError) error = NULL;

  prepare_ok (env, d1);
  assert_int_equal (chmod (env->ctx->state_dir, 0770), 0);
  assert_false (vfp_lifecycle_release (env->ctx, vfp_domxml_get_uuid (d1), warnings, &error));
  assert_non_null (strstr (error->message, "group-writable"));
  assert_int_equal (vf_state (env, 0).vlan, 100);        /* nothing applied */
  g_clear_error (&error);
  assert_false (vfp_lifecycle_release_vf (env->ctx, vfp_domxml_get_uuid (d1), "0000:01:10.0",
                                          NULL, NULL, &error));
  g_clear_error (&error);
  assert_false (vfp_lifecycle_started (env->ctx, d1, &hotplug, &error));
  g_clear_error (&error);
  assert_false (vfp_lifecycle_reconcile (env->ctx, NULL, NULL, report, &error));
  vfp_lifecycle_reconnect (env->ctx, d1, warnings);     /* never fails, warns */
  assert_int_equal (warnings->len, 1);
  assert_int_equal (vf_state (env, 0).vlan, 100);
  assert_int_equal (chmod (env->ctx->state_dir, 0700), 0);
  release (env, d1);
  assert_int_equal (vf_state (env, 0).vlan, 0);
  env_free (env);
}

/* Make every lease look older than the grace period, as after a long run. */
static void
age_leases (Env *env)
{
  g_autoptr (GPtrArray) leases = NULL;

  assert_true (vfp_lease_list (env->ctx->state_dir, &leases, NULL, NULL));
  for (guint i = 0; i < leases->len; i++)
    {
      VfpLease *lease = leases->pdata[i];
      lease->created -= 2 * VFP_LIVENESS_GRACE_SECONDS;
      assert_true (vfp_lease_update (env->ctx->state_dir, lease, NULL, NULL));
    }
}

/* Any name libvirt accepts ("web 1", non-ASCII) finds its pid file, and the
 * QEMU is recognised by -uuid.  Before, such names got no pid recorded and
 * reconcile freed the VFs of running domains once the grace period ended. */
static void
test_reconcile_keeps_running_domain_with_any_name (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\n");
  g_autoptr (VfpDomXml) web = domain ("web 1", 5, NULL, "pool='p'");
  g_autoptr (VfpDomXml) utf8 = domain ("w\xc3\xa9" "b-\xc3\xbc", 6, NULL, "pool='p'");
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_reconcile_entry_free);
  g_autoptr (GPtrArray) report2 = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_reconcile_entry_free);
  g_autofree char *vf = NULL;
  g_autofree char *vf2 = NULL;
  g_autofree char *dead = NULL;
  static const char web_args[] = "qemu-system-x86_64\0-name\0guest=web 1,debug-threads=on\0"
    "-uuid\0" "00000000-0000-4000-8000-000000000005\0";
  static const char utf8_args[] = "qemu-system-x86_64\0-name\0guest=w\xc3\xa9" "b-\xc3\xbc\0"
    "-uuid\0" "00000000-0000-4000-8000-000000000006\0";

  g_free (env->ctx->proc_root);
  env->ctx->proc_root = g_build_filename (env->dir, "proc", NULL);
  fake_qemu (env, 200, web_args, sizeof web_args - 1);
  fake_qemu (env, 201, utf8_args, sizeof utf8_args - 1);
  prepare_ok (env, web);
  prepare_ok (env, utf8);
  started_with_pid (env, web, 200);
  started_with_pid (env, utf8, 201);
  age_leases (env);

  assert_true (vfp_lifecycle_reconcile (env->ctx, NULL, NULL, report, NULL));
  vf = vf_of (env, web);
  assert_non_null (vf);
  vf2 = vf_of (env, utf8);
  assert_non_null (vf2);

  /* The QEMUs exit: now they are released. */
  dead = g_build_filename (env->dir, "proc", NULL);
  vfp_test_rmtree (dead);
  assert_true (vfp_lifecycle_reconcile (env->ctx, NULL, NULL, report2, NULL));
  assert_null (vf_of (env, web));
  assert_null (vf_of (env, utf8));
  env_free (env);
}

/* The pid file is looked up only as one entry of the run dir: no name with
 * '/', "." or "..", nothing through a symlink, nothing but a small file. */
static void
test_pid_file_lookup_is_confined (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0\n");
  g_autofree char *outside = g_build_filename (env->dir, "outside", "x.pid", NULL);
  g_autofree char *link = g_build_filename (env->ctx->libvirt_run_dir, "evil.pid", NULL);
  g_autofree char *big = g_strnfill (100, '7');
  g_autofree char *long_name = g_strnfill (300, 'x');

  vfp_test_write (env->ctx->libvirt_run_dir, "good one.pid", "42\n");
  vfp_test_write (env->dir, "outside/x.pid", "43\n");
  vfp_test_write (env->dir, "outside.pid", "44\n");
  vfp_test_write (env->ctx->libvirt_run_dir, "big.pid", big);
  vfp_test_write (env->ctx->libvirt_run_dir, "dir.pid/x", "45\n");
  assert_int_equal (symlink (outside, link), 0);

  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, "good one"), 42);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, "../outside/x"), 0);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, "../outside"), 0);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, "evil"), 0);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, "big"), 0);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, "dir"), 0);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, "."), 0);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, ".."), 0);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, ""), 0);
  assert_int_equal (vfp_liveness_read_qemu_pid (env->ctx, long_name), 0);
  env_free (env);
}

/* Hardening item 5: a request may not take a MAC another lease on the same
 * PF already uses (the PF's switch would hand it the neighbour's traffic).
 * The same MAC on another PF is another switch: allowed. */
static void
test_mac_unique_per_pf (void **state)
{
  Env *env = env_new ("scale:2:2", "[pool p]\npfs=ens1f0\n[pool q]\npfs=ens2f0\n");
  g_autoptr (VfpDomXml) d1 = domain ("d1", 1, NULL, "pool='p' mac='52:54:00:00:00:01'");
  g_autoptr (VfpDomXml) d2 = domain ("d2", 2, NULL, "pool='p' mac='52:54:00:00:00:01'");
  g_autoptr (VfpDomXml) d3 = domain ("d3", 3, NULL, "pool='q' mac='52:54:00:00:00:01'");
  g_autoptr (GError) error = NULL;
  g_autofree char *vf = NULL;
  g_autofree char *stale_entry = NULL;

  prepare_ok (env, d1);
  assert_false (vfp_lifecycle_prepare (env->ctx, d2, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_BUSY));
  assert_non_null (strstr (error->message, "domain 'd2' nic 0"));
  assert_non_null (strstr (error->message, "MAC 52:54:00:00:00:01 is already used on PF ens1f0 "
                                           "by domain 'd1'"));
  assert_null (vf_of (env, d2));                  /* rolled back */
  assert_false (vfp_mac_is_zero (vf_state (env, 0).mac));   /* d1 untouched */
  assert_true (vfp_mac_is_zero (vf_state (env, 1).mac));    /* d2's pick restored */
  prepare_ok (env, d3);
  vf = vf_of (env, d3);
  assert_non_null (vf);

  /* Once d1 is gone its MAC is free again; an index entry a crash left
   * behind (no lease carries the MAC) refuses nothing. */
  {
    g_autofree char *d1_vf = vf_of (env, d1);
    g_autoptr (VfpLease) held = lease_of_vf (env, d1_vf);
    g_autofree char *entry = g_strdup_printf ("%s-525400000001", held->pf_pci);
    g_autofree char *stale = g_build_filename (env->ctx->state_dir, "macs", entry, NULL);

    assert_true (g_file_test (stale, G_FILE_TEST_IS_DIR));    /* d1's entry */
    release (env, d1);
    assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));   /* gone with it */
    vfp_test_write (stale, "0000:99:00.1", "");               /* as a crash leaves it */
    stale_entry = g_build_filename (stale, "0000:99:00.1", NULL);
  }
  prepare_ok (env, d2);
  g_free (vf);
  vf = vf_of (env, d2);
  assert_non_null (vf);
  assert_false (g_file_test (stale_entry, G_FILE_TEST_EXISTS));   /* swept */
  env_free (env);
}

/* A name libvirt accepts may hold a newline or a tab: the refusal libvirt
 * shows stays one line, the characters escaped. */
static void
test_refusal_quotes_name (void **state)
{
  Env *env = env_new ("igb", "[pool p]\npfs=ens1f0#0-0\n");
  g_autoptr (VfpDomXml) odd = domain ("a\nb\tc", 1, NULL, "pool='nope'");
  g_autoptr (GError) error = NULL;

  assert_false (vfp_lifecycle_prepare (env->ctx, odd, &error));
  assert_null (strchr (error->message, '\n'));
  assert_null (strchr (error->message, '\t'));
  assert_non_null (strstr (error->message, "domain 'a\\x0ab\\x09c' nic 0: unknown pool"));
  env_free (env);
}

/* ---- bonds and links --------------------------------------------------- */

/* A q35 domain with three free root ports and one request nic per entry of
 * @nics (NULL-terminated attribute strings). */
static VfpDomXml *
bond_domain (const char *name, int n, const char *extra, const char *const *nics)
{
  g_autoptr (GString) xml = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  VfpDomXml *dom = NULL;

  g_string_append_printf (xml, "<domain type='qemu'><name>%s</name>"
                          "<uuid>00000000-0000-4000-8000-%012d</uuid>%s"
                          "<os><type machine='q35'>hvm</type></os><metadata>"
                          "<v:request xmlns:v='urn:vfpool:domain:1'>", name, n,
                          extra ? extra : "");
  for (const char *const *a = nics; *a; a++)
    g_string_append_printf (xml, "<v:nic %s/>", *a);
  g_string_append (xml, "</v:request></metadata><devices>"
                   "<controller type='pci' index='0' model='pcie-root'/>"
                   "<controller type='pci' index='1' model='pcie-root-port'/>"
                   "<controller type='pci' index='2' model='pcie-root-port'/>"
                   "<controller type='pci' index='3' model='pcie-root-port'/>"
                   "</devices></domain>");
  if (!vfp_domxml_parse (xml->str, xml->len, &dom, &error))
    fail_msg ("test XML: %s", error->message);
  return dom;
}

/* The VF of @dom's nic @nic, from the leases, or NULL. */
static char *
vf_of_nic (Env *env, VfpDomXml *dom, guint nic)
{
  g_autoptr (GPtrArray) leases = NULL;

  assert_true (vfp_lease_list (env->ctx->state_dir, &leases, NULL, NULL));
  for (guint i = 0; i < leases->len; i++)
    {
      VfpLease *l = leases->pdata[i];
      if (strcmp (l->owner_uuid, vfp_domxml_get_uuid (dom)) == 0 && l->nic == nic)
        return g_strdup (l->vf_pci);
    }
  return NULL;
}

/* explain for @dom, asserting it claims nothing; nics[i]->vf_pci is its pick. */
static GPtrArray *
explain (Env *env, VfpDomXml *dom)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  GPtrArray *nics = NULL;

  assert_true (vfp_lease_list (env->ctx->state_dir, &before, NULL, NULL)
               || before == NULL);
  if (!vfp_explain_domain (env->ctx, dom, &nics, &error))
    fail_msg ("explain %s: %s", vfp_domxml_get_name (dom), error->message);
  assert_true (vfp_lease_list (env->ctx->state_dir, &after, NULL, NULL) || after == NULL);
  assert_int_equal (before ? before->len : 0, after ? after->len : 0);
  return nics;
}

/* prepare of @dom: explain first, then the start; both must pick the same
 * VF for every nic.  Returns the picks, "a b". */
static char *
prepare_agreeing (Env *env, VfpDomXml *dom)
{
  g_autoptr (GPtrArray) nics = explain (env, dom);
  g_autoptr (GString) picks = g_string_new (NULL);

  prepare_ok (env, dom);
  for (guint i = 0; i < nics->len; i++)
    {
      VfpExplainNic *nic = nics->pdata[i];
      g_autofree char *got = vf_of_nic (env, dom, nic->nic);

      if (g_strcmp0 (nic->vf_pci, got) != 0)
        fail_msg ("nic %u: explain said %s [%s: %s], prepare took %s", nic->nic,
                  nic->vf_pci ? nic->vf_pci : "none", nic->reason, nic->why,
                  got ? got : "none");
      g_string_append_printf (picks, "%s%s", i ? " " : "", got);
    }
  return g_string_free (g_steal_pointer (&picks), FALSE);
}

/* prepare of @dom is refused with exactly @message (and nothing leased);
 * explain says the same words and marks the nic refused. */
static void
refused_agreeing (Env *env, VfpDomXml *dom, guint nic, const char *message)
{
  g_autoptr (GPtrArray) nics = explain (env, dom);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) leases = NULL;
  VfpExplainNic *e = nics->pdata[nic];
  const char *why = strchr (message, ':') + 2;   /* without "domain 'D' nic N: " */

  assert_false (vfp_lifecycle_prepare (env->ctx, dom, &error));
  assert_string_equal (error->message, message);
  assert_true (vfp_lease_list (env->ctx->state_dir, &leases, NULL, NULL));
  for (guint i = 0; i < leases->len; i++)
    assert_string_not_equal (((VfpLease *) leases->pdata[i])->owner_uuid,
                             vfp_domxml_get_uuid (dom));
  assert_true (e->refused);
  if (!g_str_has_prefix (e->why, why))
    fail_msg ("explain: '%s', prepare: '%s'", e->why, message);
}

static const char *const BOND2[] = { "pool='p' bond='b0'", "pool='p' bond='b0'", NULL };
static const char *const PLAIN2[] = { "pool='p'", "pool='p'", NULL };

/* Two PFs on different NUMA nodes, the domain's memory on node 0: without
 * a bond both nics go NUMA-local, onto one PF; with one, the second nic
 * goes to the other port (remote, but a port of its own). */
static void
test_bond_two_pfs (void **state)
{
  Env *env = env_new ("numa2", "[pool p]\npfs=ens1f0;ens4f0\n");
  const char *numa = "<numatune><memory nodeset='0'/></numatune>";
  g_autoptr (VfpDomXml) plain = bond_domain ("plain", 1, numa, PLAIN2);
  g_autoptr (VfpDomXml) bonded = bond_domain ("bonded", 2, numa, BOND2);
  g_autofree char *p = NULL;
  g_autofree char *b = NULL;

  p = prepare_agreeing (env, plain);
  assert_string_equal (p, "0000:01:10.0 0000:01:10.2");
  release (env, plain);
  b = prepare_agreeing (env, bonded);
  assert_string_equal (b, "0000:01:10.0 0000:81:10.0");
  release (env, bonded);
  env_free (env);
}

/* Three PFs, the first two functions of one port (same phys_port_id): the
 * bond's second nic skips ens1f1 (same port, though first in pfs=) for
 * ens2f0; a bond of three finds only two ports and is refused. */
static void
test_bond_three_pfs_shared_port (void **state)
{
  Env *env = env_new ("--phys-port-id ens1f0=00aa --phys-port-id ens1f1=00aa trio",
                      "[pool p]\npfs=ens1f0;ens1f1;ens2f0\n");
  Env *plain_env = env_new ("trio", "[pool p]\npfs=ens1f0;ens1f1;ens2f0\n");
  static const char *const bond3[] = { "pool='p' bond='b0'", "pool='p' bond='b0'",
                                       "pool='p' bond='b0'", NULL };
  g_autoptr (VfpDomXml) bonded = bond_domain ("web", 1, NULL, BOND2);
  g_autoptr (VfpDomXml) three = bond_domain ("web3", 3, NULL, bond3);
  g_autofree char *b = NULL;
  g_autofree char *q = NULL;

  /* Without port ids the three PFs are three ports: ens1f1 is next. */
  q = prepare_agreeing (plain_env, bonded);
  assert_string_equal (q, "0000:01:10.0 0000:01:10.1");
  env_free (plain_env);

  b = prepare_agreeing (env, bonded);
  assert_string_equal (b, "0000:01:10.0 0000:02:10.0");
  release (env, bonded);
  refused_agreeing (env, three, 2,
                    "domain 'web3' nic 2: pool 'p' cannot place bond 'b0' on distinct ports: "
                    "only 2 ports with a free VF (ens1f0/ens1f1, ens2f0), and nic 0, nic 1 of "
                    "the bond have them");
  env_free (env);
}

/* One PF exhausted by another domain: the bond cannot be placed, and the
 * refusal names domain, nic, pool, bond and why; two bonds of one domain
 * are independent. */
static void
test_bond_one_pf_exhausted (void **state)
{
  Env *env = env_new ("demo", "[pool p]\npfs=ens1f0;ens1f1#0\n");
  g_autoptr (VfpDomXml) other = bond_domain ("other", 1, NULL, PLAIN2);
  g_autoptr (VfpDomXml) web = bond_domain ("web", 2, NULL, BOND2);
  static const char *const two_bonds[] = { "pool='p' bond='b0'", "pool='p' bond='b1'", NULL };
  g_autoptr (VfpDomXml) split = bond_domain ("split", 3, NULL, two_bonds);
  g_autofree char *o = NULL;
  g_autofree char *s = NULL;

  o = prepare_agreeing (env, other);
  assert_string_equal (o, "0000:01:10.0 0000:01:10.1");   /* ens1f1's only VF is taken */
  refused_agreeing (env, web, 1,
                    "domain 'web' nic 1: pool 'p' cannot place bond 'b0' on distinct ports: "
                    "only one port with a free VF (ens1f0), and nic 0 of the bond has it");
  s = prepare_agreeing (env, split);
  assert_string_equal (s, "0000:01:10.2 0000:01:10.4");
  env_free (env);
}

/* The XML naming two VFs of one port for a bond (a hand-edited inject):
 * refused, explain agrees. */
static void
test_bond_named_same_port (void **state)
{
  Env *env = env_new ("demo", "[pool p]\npfs=ens1f0;ens1f1\n");
  g_autoptr (VfpDomXml) web = bond_domain ("web", 1, NULL, BOND2);
  VfpVfConfig cfg = { 0 };

  assert_true (vfp_domxml_add_device (web, 0, "0000:01:10.0", VFP_FORM_HOSTDEV, &cfg, NULL));
  assert_true (vfp_domxml_add_device (web, 1, "0000:01:10.2", VFP_FORM_HOSTDEV, &cfg, NULL));
  refused_agreeing (env, web, 1,
                    "domain 'web' nic 1: pool 'p' cannot place bond 'b0' on distinct ports: "
                    "the XML names VF 0000:01:10.2 on port ens1f0, which nic 0 of the bond has "
                    "too");
  env_free (env);
}

/* inject (vfpoolctl start) places a bond the same way. */
static void
test_bond_inject (void **state)
{
  Env *env = env_new ("numa2", "[pool p]\npfs=ens1f0;ens4f0\n");
  g_autoptr (VfpDomXml) web = bond_domain ("web", 1, "<numatune><memory nodeset='0'/>"
                                           "</numatune>", BOND2);
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GError) error = NULL;

  if (!vfp_lifecycle_inject (env->ctx, web, FALSE, &error))
    fail_msg ("inject: %s", error->message);
  devices = vfp_domxml_list_devices (web);
  assert_int_equal (devices->len, 2);
  assert_string_equal (((VfpDomDevice *) devices->pdata[0])->pci, "0000:01:10.0");
  assert_string_equal (((VfpDomDevice *) devices->pdata[1])->pci, "0000:81:10.0");
  env_free (env);
}

/* A bond's nics may share one MAC (the untrusted way to run a guest bond):
 * their VFs are on distinct PFs, so the one-MAC-per-PF rule lets them. */
static void
test_bond_same_mac (void **state)
{
  Env *env = env_new ("numa2", "[pool p]\npfs=ens1f0;ens4f0\n");
  static const char *const same[] = { "pool='p' bond='b0' mac='52:54:00:00:00:07'",
                                      "pool='p' bond='b0' mac='52:54:00:00:00:07'", NULL };
  g_autoptr (VfpDomXml) web = bond_domain ("web", 1, "<numatune><memory nodeset='0'/>"
                                           "</numatune>", same);
  g_autofree char *picks = NULL;

  static const char *const plain[] = { "pool='p' mac='52:54:00:00:00:08'",
                                       "pool='p' mac='52:54:00:00:00:08'", NULL };
  g_autoptr (VfpDomXml) lone = bond_domain ("lone", 2, "<numatune><memory nodeset='0'/>"
                                            "</numatune>", plain);
  g_autoptr (GError) error = NULL;

  picks = prepare_agreeing (env, web);
  assert_string_equal (picks, "0000:01:10.0 0000:81:10.0");
  /* Without the bond both go NUMA-local, onto one PF: the MAC rule refuses. */
  assert_false (vfp_lifecycle_prepare (env->ctx, lone, &error));
  assert_non_null (strstr (error->message, "MAC 52:54:00:00:00:08 is already used on PF ens1f0"));
  env_free (env);
}

/* Links: a PF whose link is down (operstate, or carrier 0) is used last;
 * with require-link=yes never, and the refusal says so. */
static void
test_link_aware (void **state)
{
  Env *env = env_new ("--operstate ens1f0=down demo", "[pool p]\npfs=ens1f0#0-1;ens1f1\n"
                      "[pool q]\npfs=ens1f0#2-3\nrequire-link=yes\n");
  Env *carrier = env_new ("--operstate ens1f0=up --carrier ens1f0=0 demo",
                          "[pool p]\npfs=ens1f0;ens1f1\n");
  static const char *const one[] = { "pool='p'", NULL };
  static const char *const one_q[] = { "pool='q'", NULL };
  g_autoptr (VfpDomXml) d = bond_domain ("d", 1, NULL, one);
  g_autoptr (VfpDomXml) dq = bond_domain ("dq", 2, NULL, one_q);
  g_autoptr (GPtrArray) nics = NULL;
  g_autofree char *a = NULL;
  g_autofree char *c = NULL;
  VfpExplainNic *e;

  nics = explain (env, d);
  e = nics->pdata[0];
  assert_string_equal (e->reason, "link-up");
  assert_non_null (strstr (e->why, "the link of ens1f0 is down"));
  assert_true (e->notes->len > 0);
  assert_string_equal (e->notes->pdata[0], "avoided PF ens1f0: its link is down (VFs there "
                                           "rank last)");
  a = prepare_agreeing (env, d);
  assert_string_equal (a, "0000:01:10.1");            /* ens1f1, not ens1f0 */
  refused_agreeing (env, dq, 0,
                    "domain 'dq' nic 0: pool 'q' has require-link=yes and its 2 free VFs are "
                    "on PFs whose link is down (ens1f0)");
  c = prepare_agreeing (carrier, d);
  assert_string_equal (c, "0000:01:10.1");            /* carrier 0 is down too */
  env_free (carrier);
  env_free (env);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_configure_and_restore),
    cmocka_unit_test (test_restore_same_vf),
    cmocka_unit_test (test_restore_taken_vf),
    cmocka_unit_test (test_restore_exhausted),
    cmocka_unit_test (test_restore_keeps_before_moving),
    cmocka_unit_test (test_restore_without_devices),
    cmocka_unit_test (test_failover_inject),
    cmocka_unit_test (test_failover_hotplug),
    cmocka_unit_test (test_failover_conflict_refused),
    cmocka_unit_test (test_failover_mac_shared),
    cmocka_unit_test (test_bond_two_pfs),
    cmocka_unit_test (test_bond_three_pfs_shared_port),
    cmocka_unit_test (test_bond_one_pf_exhausted),
    cmocka_unit_test (test_bond_named_same_port),
    cmocka_unit_test (test_bond_inject),
    cmocka_unit_test (test_bond_same_mac),
    cmocka_unit_test (test_link_aware),
    cmocka_unit_test (test_rollback_on_driver_refusal),
    cmocka_unit_test (test_sticky),
    cmocka_unit_test (test_numa),
    cmocka_unit_test (test_exhausted_and_busy),
    cmocka_unit_test (test_inject_then_prepare_adopts),
    cmocka_unit_test (test_quarantine_on_failed_restore),
    cmocka_unit_test (test_reconcile_matches_whole_arguments),
    cmocka_unit_test (test_reconcile_keeps_running_domain_with_any_name),
    cmocka_unit_test (test_pid_file_lookup_is_confined),
    cmocka_unit_test (test_release_with_corrupt_lease),
    cmocka_unit_test (test_unsafe_state_dir_refused),
    cmocka_unit_test (test_stale_worker_cannot_release),
    cmocka_unit_test (test_update_never_resurrects),
    cmocka_unit_test (test_failed_boot_start_spares_concurrent_start),
    cmocka_unit_test (test_mac_unique_per_pf),
    cmocka_unit_test (test_refusal_quotes_name),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
