/* test-request.c: unit tests for reading the vfpool request from domain metadata. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-request.h"
#include "vfp-test-util.h"

#define CHECK(what, cond)                                                       \
  do {                                                                          \
    if (!(cond))                                                                \
      fail_msg ("%s: %s is false (%s:%d)", (what), #cond, __FILE__, __LINE__);  \
  } while (0)

#define CHECK_STR(what, got, want)                                              \
  do {                                                                          \
    if (g_strcmp0 ((got), (want)) != 0)                                         \
      fail_msg ("%s: got '%s', want '%s' (line %d)", (what), (got), (want),     \
                __LINE__);                                                      \
  } while (0)

#define CHECK_INT(what, got, want)                                              \
  do {                                                                          \
    if ((gint64) (got) != (gint64) (want))                                      \
      fail_msg ("%s: got %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT          \
                " (line %d)", (what), (gint64) (got), (gint64) (want),          \
                __LINE__);                                                      \
  } while (0)

#define UUID_WEB1 "6f1c7b1e-2a4d-4c3b-9e8f-0123456789ab"

#define DOC_HEAD                                                                \
  "<domain type='kvm'>\n  <name>web1</name>\n  <uuid>" UUID_WEB1 "</uuid>\n"  \
  "  <metadata>\n    <vfpool:request xmlns:vfpool='urn:vfpool:domain:1'>\n"
#define DOC_TAIL "    </vfpool:request>\n  </metadata>\n</domain>\n"

/* ---- helpers ------------------------------------------------------------ */

/* A web1 domain whose request holds @body. */
static char *
request_doc (const char *body)
{
  return g_strconcat (DOC_HEAD, body, DOC_TAIL, NULL);
}

/* A request of @n nics of pool "p" in a domain called "many". */
static char *
many_nics_doc (guint n)
{
  GString *text = g_string_new ("<domain><name>many</name><uuid>" UUID_WEB1 "</uuid>"
                                "<metadata><v:request xmlns:v='urn:vfpool:domain:1'>");

  for (guint i = 0; i < n; i++)
    g_string_append (text, "\n<v:nic pool='p'/>");
  g_string_append (text, "</v:request></metadata></domain>");
  return g_string_free (text, FALSE);
}

static gboolean
read_request (const char *what, const char *text, VfpRequest **out, GError **error)
{
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail (what, text);

  return vfp_request_read (dom, out, error);
}

static VfpRequest *
read_or_fail (const char *what, const char *text)
{
  g_autoptr (GError) error = NULL;
  VfpRequest *req = NULL;

  if (!read_request (what, text, &req, &error))
    fail_msg ("%s: %s", what, error->message);
  return req;
}

static void
check_mac (const char *what, const VfpVfConfig *cfg, const char *want)
{
  g_autofree char *mac = vfp_mac_to_string (cfg->mac);

  CHECK (what, (cfg->set & VFP_KNOB_MAC) != 0);
  CHECK_STR (what, mac, want);
}

/* ---- the sample with two nics ------------------------------------------- */

static void
test_two_nics (void **state)
{
  const char *what = "request-2nics.xml";
  g_autofree char *text = vfp_test_load_xml ("request-2nics.xml");
  g_autoptr (VfpRequest) req = read_or_fail (what, text);
  const VfpNicRequest *nic0, *nic1;
  guint8 derived[6];
  g_autofree char *derived_text = NULL;

  CHECK (what, req != NULL);
  CHECK_INT (what, req->nics->len, 2);
  nic0 = req->nics->pdata[0];
  nic1 = req->nics->pdata[1];

  CHECK_INT (what, nic0->index, 0);
  CHECK_STR (what, nic0->pool, "tenant-a");
  CHECK_INT (what, nic0->cfg.set & VFP_KNOB_ALL,
             VFP_KNOB_MAC | VFP_KNOB_VLAN | VFP_KNOB_SPOOFCHK | VFP_KNOB_TRUST | VFP_KNOB_RATE);
  check_mac (what, &nic0->cfg, "52:54:00:12:34:56");
  CHECK_INT (what, nic0->cfg.vlan, 100);
  CHECK_INT (what, nic0->cfg.qos, 0);
  CHECK_INT (what, nic0->cfg.spoofchk, TRUE);
  CHECK_INT (what, nic0->cfg.trust, FALSE);
  CHECK_INT (what, nic0->cfg.max_tx_rate, 1000);
  CHECK_INT (what, nic0->cfg.set & VFP_ATTR_FLAG_MIN_RATE, 0);

  /* a nic that names nothing touches nothing but gets a stable MAC */
  CHECK_INT (what, nic1->index, 1);
  CHECK_STR (what, nic1->pool, "storage");
  CHECK_INT (what, nic1->cfg.set, VFP_KNOB_MAC);
  vfp_mac_derive (UUID_WEB1, 1, derived);
  derived_text = vfp_mac_to_string (derived);
  check_mac (what, &nic1->cfg, derived_text);
  CHECK (what, !vfp_mac_is_multicast (nic1->cfg.mac));
}

/* ---- documents without a (valid) request -------------------------------- */

typedef struct {
  const char *name;
  const char *file;
  const char *text;
} NoRequestCase;

static const NoRequestCase no_request_cases[] = {
  { "no metadata", "pc.xml", NULL },
  { "look-alike namespaces, wrong places", "lookalike-ns.xml", NULL },
  { "request without nics", "empty-request.xml", NULL },
  { "empty metadata", NULL,
    "<domain><name>n</name><uuid>" UUID_WEB1 "</uuid><metadata/></domain>" },
  { "request element empty", NULL, DOC_HEAD DOC_TAIL },
  { "request with foreign elements only", NULL,
    DOC_HEAD "<x:nic xmlns:x='urn:vfpool:domain:2' pool='a'/>" DOC_TAIL },
  { "metadata in a namespace", NULL,
    "<domain><name>n</name><uuid>" UUID_WEB1 "</uuid>"
    "<m:metadata xmlns:m='urn:x'><v:request xmlns:v='urn:vfpool:domain:1'>"
    "<v:nic pool='a'/></v:request></m:metadata></domain>" },
};

static void
test_no_request (void **state)
{
  const NoRequestCase *c = *state;
  g_autofree char *text = c->file != NULL ? vfp_test_load_xml (c->file) : g_strdup (c->text);
  g_autoptr (GError) error = NULL;
  VfpRequest *req = (VfpRequest *) 0x1;

  if (!read_request (c->name, text, &req, &error))
    fail_msg ("%s: %s", c->name, error->message);
  CHECK (c->name, req == NULL);
}

/* ---- accepted nics ------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *body;         /* inside <vfpool:request> */
  guint nics;
  const char *pool;         /* of the last nic */
  const char *mac;          /* of the last nic */
  guint set;                /* VfpKnob mask of the last nic */
} GoodCase;

static const GoodCase good_cases[] = {
  { "every attribute",
    "<vfpool:nic pool='a' mac='02:00:00:00:00:01' vlan='4094' qos='7' vlan-proto='802.1ad'"
    " spoofchk='off' trust='on' min-tx-rate='10' max-tx-rate='100' link-state='enable'/>",
    1, "a", "02:00:00:00:00:01", VFP_KNOB_ALL },
  { "pool of 64 characters",
    "<vfpool:nic pool='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"
    " mac='02:00:00:00:00:02'/>",
    1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "02:00:00:00:00:02", VFP_KNOB_MAC },
  { "pool with every allowed character",
    "<vfpool:nic pool='Tenant_A.v2-x' mac='02:00:00:00:00:03'/>",
    1, "Tenant_A.v2-x", "02:00:00:00:00:03", VFP_KNOB_MAC },
  { "other prefix, same namespace",
    "<v:nic xmlns:v='urn:vfpool:domain:1' pool='b' mac='02:00:00:00:00:04'/>",
    1, "b", "02:00:00:00:00:04", VFP_KNOB_MAC },
  { "default namespace",
    "<nic xmlns='urn:vfpool:domain:1' pool='c' mac='02:00:00:00:00:05'/>",
    1, "c", "02:00:00:00:00:05", VFP_KNOB_MAC },
  { "foreign elements and text are ignored",
    "text<x:note xmlns:x='urn:other'/><vfpool:nic pool='a'/><!-- c -->"
    "<vfpool:nic pool='d' mac='02:00:00:00:00:06'/>",
    2, "d", "02:00:00:00:00:06", VFP_KNOB_MAC },
  { "upper-case mac",
    "<vfpool:nic pool='e' mac='0A:BB:CC:DD:EE:FF'/>", 1, "e", "0a:bb:cc:dd:ee:ff", VFP_KNOB_MAC },
};

static void
test_good (void **state)
{
  const GoodCase *c = *state;
  g_autofree char *text = request_doc (c->body);
  g_autoptr (VfpRequest) req = read_or_fail (c->name, text);
  const VfpNicRequest *last;

  CHECK (c->name, req != NULL);
  CHECK_INT (c->name, req->nics->len, c->nics);
  last = req->nics->pdata[req->nics->len - 1];
  CHECK_INT (c->name, last->index, c->nics - 1);
  CHECK_STR (c->name, last->pool, c->pool);
  check_mac (c->name, &last->cfg, c->mac);
  CHECK_INT (c->name, last->cfg.set & VFP_KNOB_ALL, c->set);
}

/* 32 nics is the limit, not over it; every derived MAC differs. */
static void
test_max_nics (void **state)
{
  const char *what = "32 nics";
  g_autofree char *text = many_nics_doc (VFP_REQUEST_MAX_NICS);
  g_autoptr (VfpRequest) req = read_or_fail (what, text);
  g_autoptr (GHashTable) macs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  CHECK_INT (what, req->nics->len, VFP_REQUEST_MAX_NICS);
  for (guint i = 0; i < req->nics->len; i++)
    {
      const VfpNicRequest *nic = req->nics->pdata[i];
      char *mac = vfp_mac_to_string (nic->cfg.mac);

      CHECK_INT (what, nic->index, i);
      CHECK (what, !vfp_mac_is_multicast (nic->cfg.mac));
      CHECK (what, (nic->cfg.mac[0] & 0x02) != 0);
      if (!g_hash_table_add (macs, mac))
        fail_msg ("%s: nic %u repeats MAC %s", what, i, mac);
    }
}

/* bond= is kept per nic; a nic without one has none. */
static void
test_bond (void **state)
{
  const char *what = "bond";
  g_autofree char *text = request_doc ("<vfpool:nic pool='a' bond='bond0'/>"
                                       "<vfpool:nic pool='b' bond='A.b_c-123456789'/>"
                                       "<vfpool:nic pool='a'/>");
  g_autoptr (VfpRequest) req = read_or_fail (what, text);

  CHECK_INT (what, req->nics->len, 3);
  CHECK_STR (what, ((VfpNicRequest *) req->nics->pdata[0])->bond, "bond0");
  CHECK_STR (what, ((VfpNicRequest *) req->nics->pdata[1])->bond, "A.b_c-123456789");
  CHECK (what, ((VfpNicRequest *) req->nics->pdata[2])->bond == NULL);
}

/* failover= is kept per nic (UNSET when absent); a failover nic without
 * mac= still has the derived MAC its standby shares. */
static void
test_failover (void **state)
{
  const char *what = "failover";
  g_autofree char *text = request_doc ("<vfpool:nic pool='a' failover='yes'/>"
                                       "<vfpool:nic pool='b' failover='no'/>"
                                       "<vfpool:nic pool='a'/>");
  g_autoptr (VfpRequest) req = read_or_fail (what, text);
  const VfpNicRequest *first;

  CHECK_INT (what, req->nics->len, 3);
  first = req->nics->pdata[0];
  CHECK_INT (what, first->failover, VFP_FAILOVER_YES);
  CHECK_INT (what, ((VfpNicRequest *) req->nics->pdata[1])->failover, VFP_FAILOVER_NO);
  CHECK_INT (what, ((VfpNicRequest *) req->nics->pdata[2])->failover, VFP_FAILOVER_UNSET);
  CHECK (what, first->cfg.set & VFP_KNOB_MAC);
  CHECK (what, !vfp_mac_is_zero (first->cfg.mac));
}

/* ---- refused requests ---------------------------------------------------- */

typedef struct {
  const char *name;
  const char *body;         /* inside <vfpool:request> of domain web1 */
  const char *want;         /* the whole message */
} BadCase;

#define NIC0 "<vfpool:nic pool='ok'/>"

static const BadCase bad_cases[] = {
  { "failover neither yes nor no", NIC0 "<vfpool:nic pool='a' failover='true'/>",
    "domain 'web1' nic 1: failover 'true' is not yes or no" },
  { "failover empty", "<vfpool:nic pool='a' failover=''/>",
    "domain 'web1' nic 0: failover '' is not yes or no" },
  { "vlan out of range", "<vfpool:nic pool='a' vlan='4095'/>",
    "domain 'web1' nic 0: vlan '4095' is out of range 0-4094" },
  { "bad nic is named by index", NIC0 NIC0 "<vfpool:nic pool='a' vlan='-1'/>",
    "domain 'web1' nic 2: vlan '-1' is not a decimal number (expected 0-4094)" },
  { "qos out of range", NIC0 "<vfpool:nic pool='a' qos='8'/>",
    "domain 'web1' nic 1: qos '8' is out of range 0-7" },
  { "multicast mac", "<vfpool:nic pool='a' mac='01:00:5e:00:00:01'/>",
    "domain 'web1' nic 0: mac '01:00:5e:00:00:01' is a multicast address" },
  { "broadcast mac", "<vfpool:nic pool='a' mac='ff:ff:ff:ff:ff:ff'/>",
    "domain 'web1' nic 0: mac 'ff:ff:ff:ff:ff:ff' is a multicast address" },
  { "all-zero mac", "<vfpool:nic pool='a' mac='00:00:00:00:00:00'/>",
    "domain 'web1' nic 0: mac '00:00:00:00:00:00' is all zeros" },
  { "malformed mac", "<vfpool:nic pool='a' mac='52:54:00:12:34'/>",
    "domain 'web1' nic 0: mac '52:54:00:12:34' is not a MAC address (expected aa:bb:cc:dd:ee:ff)" },
  { "spoofchk not a boolean", "<vfpool:nic pool='a' spoofchk='maybe'/>",
    "domain 'web1' nic 0: spoofchk 'maybe' is not on or off" },
  { "rate not a number", "<vfpool:nic pool='a' max-tx-rate='fast'/>",
    "domain 'web1' nic 0: max-tx-rate 'fast' is not a decimal number (expected 0-4294967295)" },
  { "unknown attribute", "<vfpool:nic pool='a' colour='blue'/>",
    "domain 'web1' nic 0: unknown attribute 'colour'" },
  { "attribute in a namespace", "<vfpool:nic pool='a' vfpool:vlan='100'/>",
    "domain 'web1' nic 0: unknown attribute 'vfpool:vlan'" },
  { "empty bond", NIC0 "<vfpool:nic pool='a' bond=''/>",
    "domain 'web1' nic 1: bond '' is not a valid bond name (1-15 letters, digits, '.', '_' or '-')" },
  { "bond of 16 characters", "<vfpool:nic pool='a' bond='b123456789abcdef'/>",
    "domain 'web1' nic 0: bond 'b123456789abcdef' is not a valid bond name (1-15 letters, digits, '.', '_' or '-')" },
  { "bond with a space", "<vfpool:nic pool='a' bond='b 0'/>",
    "domain 'web1' nic 0: bond 'b 0' is not a valid bond name (1-15 letters, digits, '.', '_' or '-')" },
  { "bond with a tab", "<vfpool:nic pool='a' bond='b&#9;0'/>",
    "domain 'web1' nic 0: bond 'b\\x090' is not a valid bond name (1-15 letters, digits, '.', '_' or '-')" },
  { "missing pool", "<vfpool:nic vlan='100'/>",
    "domain 'web1' nic 0: no pool (every <nic> needs pool=\"NAME\")" },
  { "empty pool", "<vfpool:nic pool=''/>",
    "domain 'web1' nic 0: pool '' is not a valid pool name (1-64 letters, digits, '.', '_' or '-')" },
  { "pool with a path", "<vfpool:nic pool='../../etc/passwd'/>",
    "domain 'web1' nic 0: pool '../../etc/passwd' is not a valid pool name (1-64 letters, digits, '.', '_' or '-')" },
  { "pool named ..", "<vfpool:nic pool='..'/>",
    "domain 'web1' nic 0: pool '..' is not a valid pool name (1-64 letters, digits, '.', '_' or '-')" },
  { "pool with a space", "<vfpool:nic pool='tenant a'/>",
    "domain 'web1' nic 0: pool 'tenant a' is not a valid pool name (1-64 letters, digits, '.', '_' or '-')" },
  { "pool with a newline", "<vfpool:nic pool='a&#10;b'/>",
    "domain 'web1' nic 0: pool 'a\\x0ab' is not a valid pool name (1-64 letters, digits, '.', '_' or '-')" },
  { "pool of 65 characters",
    "<vfpool:nic pool='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'/>",
    "domain 'web1' nic 0: pool 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' "
    "is not a valid pool name (1-64 letters, digits, '.', '_' or '-')" },
  { "overlong value", "<vfpool:nic pool='a' vlan='"
    "1000000000000000000000000000000000000000000000000000000000000000000000000000000000'/>",
    "domain 'web1' nic 0: vlan '1000000000000000000000000000000000000000000000000000000000000000...' "
    "is too long to be valid" },
  { "unknown element in the request", NIC0 "<vfpool:nics pool='a'/>",
    "domain 'web1': unknown element <nics> in the vfpool request (only <nic> is allowed)" },
  { "unknown element inside a nic", "<vfpool:nic pool='a'><vfpool:vlan id='3'/></vfpool:nic>",
    "domain 'web1' nic 0: unknown element <vlan> inside <nic>" },
};

static void
test_bad (void **state)
{
  const BadCase *c = *state;
  g_autofree char *text = request_doc (c->body);
  g_autoptr (GError) error = NULL;
  VfpRequest *req = NULL;

  CHECK (c->name, !read_request (c->name, text, &req, &error));
  CHECK (c->name, req == NULL);
  CHECK (c->name, error != NULL);
  if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST))
    fail_msg ("%s: wrong error %d: %s", c->name, error->code, error->message);
  CHECK_STR (c->name, error->message, c->want);
}

typedef struct {
  const char *name;
  const char *file;
  guint generate_nics;
  const char *want;
} BadDocCase;

static const BadDocCase bad_doc_cases[] = {
  { "two requests", "two-requests.xml", 0,
    "domain 'twice' has more than one vfpool <request> in <metadata>; merge them into one" },
  { "33 nics", NULL, VFP_REQUEST_MAX_NICS + 1,
    "domain 'many' requests 33 nics, more than the 32 vfpool allows" },
  { "1000 nics", NULL, 1000,
    "domain 'many' requests 1000 nics, more than the 32 vfpool allows" },
};

static void
test_bad_doc (void **state)
{
  const BadDocCase *c = *state;
  g_autofree char *text = c->file != NULL ? vfp_test_load_xml (c->file) : many_nics_doc (c->generate_nics);
  g_autoptr (GError) error = NULL;
  VfpRequest *req = NULL;

  CHECK (c->name, !read_request (c->name, text, &req, &error));
  CHECK (c->name, req == NULL);
  if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST))
    fail_msg ("%s: wrong error: %s", c->name, error != NULL ? error->message : "none");
  CHECK_STR (c->name, error->message, c->want);
}

/* A name too long for libvirt's pid file (NAME.pid within NAME_MAX) is
 * refused up front; before, a name of ~17,000 characters produced a lease
 * that could be written but never read back. */
static void
test_long_name (void **state)
{
  static const gsize lengths[] = { VFP_DOMAIN_NAME_MAX + 1, 17000 };

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *name = g_strnfill (lengths[i], 'n');
      g_autofree char *text = g_strdup_printf ("<domain><name>%s</name><uuid>" UUID_WEB1
                                               "</uuid><metadata><v:request xmlns:v="
                                               "'urn:vfpool:domain:1'><v:nic pool='p'/>"
                                               "</v:request></metadata></domain>", name);
      g_autofree char *want = g_strdup_printf ("domain name '%.64s...' is %" G_GSIZE_FORMAT
                                               " bytes long, over the %d libvirt can run "
                                               "(its pid file NAME.pid must fit NAME_MAX)",
                                               name, lengths[i], VFP_DOMAIN_NAME_MAX);
      g_autoptr (GError) error = NULL;
      VfpRequest *req = NULL;

      CHECK ("long name", !read_request ("long name", text, &req, &error));
      CHECK ("long name", req == NULL);
      if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST))
        fail_msg ("long name: wrong error: %s", error != NULL ? error->message : "none");
      CHECK_STR ("long name", error->message, want);
    }
}

/* The longest name libvirt can run is fine. */
static void
test_longest_name (void **state)
{
  g_autofree char *name = g_strnfill (VFP_DOMAIN_NAME_MAX, 'n');
  g_autofree char *text = g_strdup_printf ("<domain><name>%s</name><uuid>" UUID_WEB1
                                           "</uuid><metadata><v:request xmlns:v="
                                           "'urn:vfpool:domain:1'><v:nic pool='p'/>"
                                           "</v:request></metadata></domain>", name);
  g_autoptr (VfpRequest) req = read_or_fail ("longest name", text);

  CHECK_INT ("longest name", req->nics->len, 1);
}

/* ---- main --------------------------------------------------------------- */

int
main (void)
{
  g_autoptr (GArray) tests = g_array_new (FALSE, TRUE, sizeof (struct CMUnitTest));

  vfp_test_add (tests, "request with two nics", test_two_nics);
  VFP_TEST_ADD_TABLE (tests, test_no_request, no_request_cases);
  VFP_TEST_ADD_TABLE (tests, test_good, good_cases);
  vfp_test_add (tests, "32 nics", test_max_nics);
  vfp_test_add (tests, "bond per nic", test_bond);
  vfp_test_add (tests, "failover per nic", test_failover);
  VFP_TEST_ADD_TABLE (tests, test_bad, bad_cases);
  VFP_TEST_ADD_TABLE (tests, test_bad_doc, bad_doc_cases);
  vfp_test_add (tests, "domain name too long for libvirt", test_long_name);
  vfp_test_add (tests, "longest domain name", test_longest_name);

  return _cmocka_run_group_tests ("request", (struct CMUnitTest *) tests->data,
                                  tests->len, NULL, NULL);
}
