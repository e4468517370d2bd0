/* test-hotplug-job.c: the job the hook hands vfpool-hotplug survives the
 * trip whole (every field, nasty names), and a job that is not one — cut
 * short, a bad VF address, a bad form, a count that lies — is refused
 * naming what is wrong, never half read. */
#include "config.h"

#include <string.h>

#include "vfp-error.h"
#include "vfp-hotplug-job.h"
#include "vfp-test-util.h"

static VfpHotplug *
device (guint nic, const char *vf, VfpDeviceForm form, gboolean managed)
{
  VfpHotplug *hp = g_new0 (VfpHotplug, 1);

  hp->nic = nic;
  hp->vf_pci = g_strdup (vf);
  hp->start_id = g_strdup ("5f0c-start");
  hp->qemu_pid = 4242;
  hp->form = form;
  hp->managed = managed;
  return hp;
}

static GPtrArray *
two_devices (void)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_hotplug_free);
  VfpHotplug *a = device (0, "0000:01:10.0", VFP_FORM_INTERFACE, TRUE);
  VfpHotplug *b = device (3, "0000:81:02.7", VFP_FORM_HOSTDEV, FALSE);
  const guint8 mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

  a->cfg.set = VFP_KNOB_MAC | VFP_KNOB_VLAN | VFP_KNOB_TRUST | VFP_KNOB_RATE;
  memcpy (a->cfg.mac, mac, 6);
  a->cfg.vlan = 100;
  a->cfg.qos = 3;
  a->cfg.vlan_proto = VFP_VLAN_PROTO_8021AD;
  a->cfg.trust = TRUE;
  a->cfg.max_tx_rate = 1000;
  a->standby_alias = g_strdup ("ua-standby 0");
  a->standby_network = g_strdup (" net with\nnewline\\ and = [x]");
  g_ptr_array_add (list, a);
  g_ptr_array_add (list, b);
  return list;
}

static void
test_round_trip (void **state)
{
  g_autoptr (GPtrArray) list = two_devices ();
  const char *name = "  web 1\t=\n[job]#;\xc3\xa9";
  gsize len = 0;
  g_autofree char *data = vfp_hotplug_job_to_data ("00000000-0000-4000-8000-000000000001",
                                                   name, 17, list, &len);
  g_autoptr (VfpHotplugJob) job = NULL;
  g_autoptr (GError) error = NULL;

  assert_true (vfp_hotplug_job_from_data (data, len, &job, &error));
  assert_string_equal (job->uuid, "00000000-0000-4000-8000-000000000001");
  assert_string_equal (job->name, name);
  assert_int_equal (job->domid, 17);
  assert_int_equal (job->hotplug->len, 2);
  for (guint i = 0; i < 2; i++)
    {
      const VfpHotplug *want = list->pdata[i], *got = job->hotplug->pdata[i];

      assert_int_equal (got->nic, want->nic);
      assert_string_equal (got->vf_pci, want->vf_pci);
      assert_string_equal (got->start_id, want->start_id);
      assert_int_equal (got->qemu_pid, want->qemu_pid);
      assert_int_equal (got->form, want->form);
      assert_int_equal (got->managed, want->managed);
      assert_true (g_strcmp0 (got->standby_alias, want->standby_alias) == 0);
      assert_true (g_strcmp0 (got->standby_network, want->standby_network) == 0);
      assert_int_equal (got->cfg.set & VFP_KNOB_ALL, want->cfg.set);
      assert_memory_equal (got->cfg.mac, want->cfg.mac, 6);
      assert_int_equal (got->cfg.vlan, want->cfg.vlan);
      assert_int_equal (got->cfg.qos, want->cfg.qos);
      assert_int_equal (got->cfg.vlan_proto, want->cfg.vlan_proto);
      assert_int_equal (got->cfg.trust, want->cfg.trust);
      assert_int_equal (got->cfg.max_tx_rate, want->cfg.max_tx_rate);
    }
}

/* The text of a good job with @from replaced by @to. */
static char *
edited (const char *from, const char *to)
{
  g_autoptr (GPtrArray) list = two_devices ();
  gsize len = 0;
  g_autofree char *data = vfp_hotplug_job_to_data ("00000000-0000-4000-8000-000000000001",
                                                   "web1", 0, list, &len);
  g_autoptr (GString) text = g_string_new (data);

  assert_non_null (strstr (text->str, from));
  g_string_replace (text, from, to, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
assert_refused (const char *text, const char *expect)
{
  g_autoptr (VfpHotplugJob) job = NULL;
  g_autoptr (GError) error = NULL;

  assert_false (vfp_hotplug_job_from_data (text, strlen (text), &job, &error));
  assert_null (job);
  assert_non_null (error);
  if (strstr (error->message, expect) == NULL)
    fail_msg ("'%s' does not name '%s'", error->message, expect);
}

static void
test_refused (void **state)
{
  struct { const char *from, *to, *expect; } cases[] = {
    { "vf=0000:81:02.7", "vf=../../etc/passwd", "[device 1] vf" },
    { "form=hostdev", "form=disk", "[device 1] form" },
    { "devices=2", "devices=3", "[device 2] nic" },
    { "devices=2", "devices=-1", "[job] devices" },
    { "devices=2", "devices=4096", "[job] devices" },
    { "managed=false", "managed=perhaps", "[device 1] managed" },
    { "qemu-pid=4242", "qemu-pid=-5", "[device 0] qemu-pid" },
    { "domid=0", "domid=x", "[job] domid" },
    { "start-id=5f0c-start\n", "", "[device 0] start-id" },
    { "vlan=100", "vlan=5000", "vlan" },
    { "[job]", "[jobs]", "not a job" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = edited (cases[i].from, cases[i].to);

      assert_refused (text, cases[i].expect);
    }
  assert_refused ("", "not a job");
  assert_refused ("garbage\n", "not a job");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_refused),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
