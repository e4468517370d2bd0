/* test-attach.c: unit tests for what attach / detach decide without libvirt:
 * the request edits (vfp-request-edit.c) and which nic a detach means
 * (vfp-attach.c). */
#include "config.h"

#include <string.h>

#include "vfp-attach.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-request.h"
#include "vfp-request-edit.h"
#include "vfp-test-util.h"

#define UUID "00000000-0000-4000-8000-000000000001"
#define HEAD "<domain type='kvm' id='3'><name>web1</name><uuid>" UUID "</uuid>" \
             "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
#define REQ2 "<metadata><vfpool:request xmlns:vfpool='urn:vfpool:domain:1'>" \
             "<vfpool:nic pool='a' vlan='10'/><vfpool:nic pool='b'/></vfpool:request></metadata>"
#define DEV(n, fn) "<hostdev mode='subsystem' type='pci' managed='yes'><source><address " \
                   "domain='0x0000' bus='0x01' slot='0x10' function='" fn "'/></source>" \
                   "<alias name='ua-vfpool-" n "'/></hostdev>"
#define TAIL "</domain>"

static GPtrArray *
pairs (const char *first, ...)
{
  GPtrArray *a = g_ptr_array_new_with_free_func (g_free);
  va_list ap;

  va_start (ap, first);
  for (const char *s = first; s != NULL; s = va_arg (ap, const char *))
    g_ptr_array_add (a, g_strdup (s));
  va_end (ap);
  return a;
}

static guint
request_len (VfpDomXml *dom)
{
  g_autoptr (VfpRequest) req = NULL;

  assert_true (vfp_request_read (dom, &req, NULL));
  return req != NULL ? req->nics->len : 0;
}

static void
test_append_creates_request (void **state)
{
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail ("no request", HEAD "<devices/>" TAIL);
  g_autoptr (GPtrArray) attrs = pairs ("pool", "tenant", "vlan", "100", NULL);
  g_autofree char *meta = NULL;
  guint index = 99;

  assert_true (vfp_request_edit_append (dom, attrs, &index, NULL));
  assert_int_equal (index, 0);
  assert_int_equal (request_len (dom), 1);
  meta = vfp_request_edit_metadata (dom);
  assert_string_equal (meta, "<request><nic pool=\"tenant\" vlan=\"100\"/></request>");
}

static void
test_append_after_others (void **state)
{
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail ("two nics", HEAD REQ2 "<devices/>" TAIL);
  g_autoptr (GPtrArray) attrs = pairs ("pool", "c", NULL);
  g_autofree char *meta = NULL;
  guint index = 0;

  assert_true (vfp_request_edit_append (dom, attrs, &index, NULL));
  assert_int_equal (index, 2);
  meta = vfp_request_edit_metadata (dom);
  /* the nics before it are written back exactly as they were */
  assert_string_equal (meta, "<request><nic pool=\"a\" vlan=\"10\"/><nic pool=\"b\"/>"
                             "<nic pool=\"c\"/></request>");
}

/* A nic the hook would refuse is refused, and the request stays as it was. */
static void
test_append_refuses_bad_value (void **state)
{
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail ("two nics", HEAD REQ2 "<devices/>" TAIL);
  g_autoptr (GPtrArray) attrs = pairs ("pool", "c", "vlan", "4095", NULL);
  g_autoptr (GError) error = NULL;
  guint index = 0;

  assert_false (vfp_request_edit_append (dom, attrs, &index, &error));
  assert_non_null (strstr (error->message, "nic 2: vlan '4095'"));
  assert_int_equal (request_len (dom), 2);
}

static void
test_remove_and_replace (void **state)
{
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail ("two nics", HEAD REQ2 "<devices/>" TAIL);
  g_autoptr (GError) error = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *none = NULL;

  assert_false (vfp_request_edit_remove (dom, 2, &error));
  assert_true (g_error_matches (error, VFP_ERROR, VFP_ERROR_NOT_FOUND));
  assert_true (vfp_request_edit_remove (dom, 1, NULL));
  meta = vfp_request_edit_metadata (dom);
  assert_string_equal (meta, "<request><nic pool=\"a\" vlan=\"10\"/></request>");
  assert_true (vfp_request_edit_remove (dom, 0, NULL));
  none = vfp_request_edit_metadata (dom);
  assert_null (none);
  /* what libvirt does with the text: the request is back, namespaced */
  assert_true (vfp_request_edit_replace (dom, meta, NULL));
  assert_int_equal (request_len (dom), 1);
  assert_true (vfp_request_edit_replace (dom, NULL, NULL));
  assert_int_equal (request_len (dom), 0);
}

typedef struct {
  const char *name;
  const char *xml;
  guint lease_nic;       /* G_MAXUINT: no lease */
  gboolean have_want;
  guint want;
  guint expect_nic;      /* G_MAXUINT: refused */
  gboolean expect_plugged;
  const char *expect_msg;
} PickCase;

static const PickCase pick_cases[] = {
  { "only nic", HEAD REQ2 "<devices>" DEV ("1", "0x2") "</devices>" TAIL, G_MAXUINT,
    FALSE, 0, 1, TRUE, NULL },
  { "no vfpool nic", HEAD "<devices/>" TAIL, G_MAXUINT, FALSE, 0, G_MAXUINT, FALSE,
    "has no vfpool nic" },
  { "several, none named: listed", HEAD REQ2 "<devices>" DEV ("0", "0x0") DEV ("1", "0x2")
    "</devices>" TAIL, G_MAXUINT, FALSE, 0, G_MAXUINT, FALSE,
    "2 vfpool nics: nic 0 (VF 0000:01:10.0), nic 1 (VF 0000:01:10.2); name one" },
  { "not the last nic", HEAD REQ2 "<devices>" DEV ("0", "0x0") DEV ("1", "0x2") "</devices>"
    TAIL, G_MAXUINT, TRUE, 0, G_MAXUINT, FALSE, "nic 0 is not the last nic" },
  { "the last nic", HEAD REQ2 "<devices>" DEV ("0", "0x0") DEV ("1", "0x2") "</devices>" TAIL,
    G_MAXUINT, TRUE, 1, 1, TRUE, NULL },
  { "no such nic", HEAD REQ2 "<devices>" DEV ("1", "0x2") "</devices>" TAIL, G_MAXUINT, TRUE,
    4, G_MAXUINT, FALSE, "has no vfpool nic 4 (it has nic 1 (VF 0000:01:10.2))" },
  { "device gone, lease left (a detach that timed out)", HEAD REQ2 "<devices/>" TAIL, 1,
    FALSE, 0, 1, FALSE, NULL },
};

static void
test_pick (void **state)
{
  const PickCase *c = *state;
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail (c->name, c->xml);
  g_autoptr (GPtrArray) leases = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_lease_free);
  g_autoptr (GError) error = NULL;
  gboolean plugged = !c->expect_plugged;
  guint nic = G_MAXUINT;

  if (c->lease_nic != G_MAXUINT)
    {
      VfpLease *lease = vfp_lease_new ();
      lease->vf_pci = g_strdup ("0000:01:10.2");
      lease->nic = c->lease_nic;
      lease->owner_uuid = g_strdup (UUID);
      g_ptr_array_add (leases, lease);
    }
  if (c->expect_nic == G_MAXUINT)
    {
      assert_false (vfp_attach_pick_nic (dom, leases, c->have_want, c->want, &nic, &plugged,
                                         &error));
      if (strstr (error->message, c->expect_msg) == NULL)
        fail_msg ("%s: '%s' lacks '%s'", c->name, error->message, c->expect_msg);
      return;
    }
  assert_true (vfp_attach_pick_nic (dom, leases, c->have_want, c->want, &nic, &plugged, NULL));
  assert_int_equal (nic, c->expect_nic);
  assert_int_equal (plugged, c->expect_plugged);
  assert_ptr_equal (vfp_attach_find_lease (leases, c->lease_nic),
                    c->lease_nic == G_MAXUINT ? NULL : leases->pdata[0]);
}

int
main (void)
{
  g_autoptr (GArray) tests = g_array_new (FALSE, TRUE, sizeof (struct CMUnitTest));

  vfp_test_add (tests, "append creates the request", test_append_creates_request);
  vfp_test_add (tests, "append after the others", test_append_after_others);
  vfp_test_add (tests, "append refuses a bad value", test_append_refuses_bad_value);
  vfp_test_add (tests, "remove, and replace as libvirt", test_remove_and_replace);
  VFP_TEST_ADD_TABLE (tests, test_pick, pick_cases);
  return _cmocka_run_group_tests ("attach", (struct CMUnitTest *) tests->data, tests->len,
                                  NULL, NULL);
}
