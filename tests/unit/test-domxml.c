/* test-domxml.c: unit tests for safe domain XML parsing and vfpool's device edits. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include "vfp-domxml.h"
#include "vfp-error.h"
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

#define CHECK_CONTAINS(what, haystack, needle)                                  \
  do {                                                                          \
    if ((haystack) == NULL || strstr ((haystack), (needle)) == NULL)            \
      fail_msg ("%s: '%s' does not contain '%s' (line %d)", (what),             \
                (haystack), (needle), __LINE__);                                \
  } while (0)

#define CHECK_NOT_CONTAINS(what, haystack, needle)                              \
  do {                                                                          \
    if ((haystack) != NULL && strstr ((haystack), (needle)) != NULL)            \
      fail_msg ("%s: '%s' contains '%s' (line %d)", (what), (haystack),         \
                (needle), __LINE__);                                            \
  } while (0)

#define CHECK_INT(what, got, want)                                              \
  do {                                                                          \
    if ((gint64) (got) != (gint64) (want))                                      \
      fail_msg ("%s: got %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT          \
                " (line %d)", (what), (gint64) (got), (gint64) (want),          \
                __LINE__);                                                      \
  } while (0)

#define UUID_WEB1 "6f1c7b1e-2a4d-4c3b-9e8f-0123456789ab"

/* ---- helpers ------------------------------------------------------------ */

/* A case's document: a file under tests/data/xml, or inline text. */
static char *
case_text (const char *file, const char *inline_text)
{
  return file != NULL ? vfp_test_load_xml (file) : g_strdup (inline_text);
}

static VfpDomXml *
parse_file_or_fail (const char *file)
{
  g_autofree char *text = vfp_test_load_xml (file);

  return vfp_test_parse_or_fail (file, text);
}

/* Serialise and parse again: every edit must leave a document libvirt (and
 * we) can read. */
static VfpDomXml *
reparse (const char *what, VfpDomXml *dom, char **text_out)
{
  g_autofree char *text = vfp_domxml_to_string (dom);
  VfpDomXml *again;

  CHECK (what, text != NULL);
  again = vfp_test_parse_or_fail (what, text);
  if (text_out != NULL)
    *text_out = g_steal_pointer (&text);
  return again;
}

static VfpVfConfig
config_of (const char *what, const char *mac, const char *vlan)
{
  g_autoptr (GError) error = NULL;
  VfpVfConfig cfg = { 0 };

  if (mac != NULL && !vfp_vf_config_set_attr (&cfg, VFP_ATTR_MAC, mac, &error))
    fail_msg ("%s: %s", what, error->message);
  if (vlan != NULL && !vfp_vf_config_set_attr (&cfg, VFP_ATTR_VLAN, vlan, &error))
    fail_msg ("%s: %s", what, error->message);
  return cfg;
}

/* ---- parse: accepted documents ------------------------------------------ */

typedef struct {
  const char *name;
  const char *file;         /* under tests/data/xml, or NULL for text */
  const char *text;
  const char *dom_name;
  const char *uuid;
  int numa;
  guint free_slots;
} ParseOkCase;

#define MINI(extra)                                                             \
  "<domain type='kvm'><name>mini</name>"                                        \
  "<uuid>" UUID_WEB1 "</uuid>" extra "</domain>"

#define NUMA(nodeset)                                                           \
  MINI ("<numatune><memory mode='strict' nodeset='" nodeset "'/></numatune>")

static const ParseOkCase parse_ok_cases[] = {
  { "q35 with 2 free root ports", "q35-2free.xml", NULL, "web1", UUID_WEB1, 1, 2 },
  { "q35 with every root port used", "q35-0free.xml", NULL, "full",
    "11111111-2222-3333-4444-555555555555", -1, 0 },
  { "pc hot-plugs on the root bus", "pc.xml", NULL, "legacy",
    "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", -1, G_MAXUINT },
  { "q35 with vfpool devices on ports", "vfpool-devices.xml", NULL, "db1",
    "0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9", -1, 1 },
  { "request with 2 nics", "request-2nics.xml", NULL, "web1", UUID_WEB1, -1, G_MAXUINT },
  { "no os element", NULL, MINI (""), "mini", UUID_WEB1, -1, G_MAXUINT },
  { "q35 without root ports", NULL,
    MINI ("<os><type machine='pc-q35-7.2'>hvm</type></os><devices/>"),
    "mini", UUID_WEB1, -1, 0 },
  { "root port with index used in decimal and hex", NULL,
    MINI ("<os><type machine='q35'>hvm</type></os><devices>"
          "<controller type='pci' index='10' model='pcie-root-port'/>"
          "<controller type='pci' index='11' model='pcie-root-port'/>"
          "<controller type='pci' index='12' model='pcie-root-port'/>"
          "<disk><address type='pci' bus='0x0a'/></disk>"
          "<disk><address type='pci' bus='11'/></disk>"
          "<disk><address type='drive' bus='12'/></disk>"
          "</devices>"),
    "mini", UUID_WEB1, -1, 1 },
  { "host address under source takes no slot", NULL,
    MINI ("<os><type machine='q35'>hvm</type></os><devices>"
          "<controller type='pci' index='1' model='pcie-root-port'/>"
          "<interface type='hostdev'><source><address type='pci' domain='0x0000' "
          "bus='0x01' slot='0x10' function='0x0'/></source></interface>"
          "</devices>"),
    "mini", UUID_WEB1, -1, 1 },
  { "uuid without dashes", NULL,
    "<domain><name>n</name><uuid> 6F1C7B1E2A4D4C3B9E8F0123456789AB </uuid></domain>",
    "n", UUID_WEB1, -1, G_MAXUINT },
  { "numa single node", NULL, NUMA ("5"), "mini", UUID_WEB1, 5, G_MAXUINT },
  { "numa list picks the lowest", NULL, NUMA ("3,1"), "mini", UUID_WEB1, 1, G_MAXUINT },
  { "numa range with exclusions", NULL, NUMA ("0-3,^0,^1"), "mini", UUID_WEB1, 2, G_MAXUINT },
  { "numa everything excluded", NULL, NUMA ("1,^1"), "mini", UUID_WEB1, -1, G_MAXUINT },
  { "numa garbage", NULL, NUMA ("lots"), "mini", UUID_WEB1, -1, G_MAXUINT },
  { "numa exclusions before their range", NULL, NUMA ("^3,^2,2-4,7"), "mini", UUID_WEB1, 4,
    G_MAXUINT },
  { "numa later range lower than an excluded run", NULL, NUMA ("5-9,^5,^6,^1,1-2"), "mini",
    UUID_WEB1, 2, G_MAXUINT },
  { "numa run of exclusions past the range", NULL, NUMA ("2-3,^2,^3,^4,9"), "mini",
    UUID_WEB1, 9, G_MAXUINT },
  { "numa placement auto", NULL,
    MINI ("<numatune><memory mode='strict' placement='auto'/></numatune>"),
    "mini", UUID_WEB1, -1, G_MAXUINT },
  { "non-ascii and xml declaration", NULL,
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<domain><name>caf\xc3\xa9</name><uuid>" UUID_WEB1 "</uuid>"
    "<description>&lt;&#233;&gt;</description></domain>",
    "caf\xc3\xa9", UUID_WEB1, -1, G_MAXUINT },
};

static void
test_parse_ok (void **state)
{
  const ParseOkCase *c = *state;
  g_autofree char *text = case_text (c->file, c->text);
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail (c->name, text);

  CHECK_STR (c->name, vfp_domxml_get_name (dom), c->dom_name);
  CHECK_STR (c->name, vfp_domxml_get_uuid (dom), c->uuid);
  CHECK_INT (c->name, vfp_domxml_get_numa_node (dom), c->numa);
  CHECK_INT (c->name, vfp_domxml_count_free_hotplug_slots (dom), c->free_slots);
  CHECK (c->name, vfp_domxml_get_doc (dom) != NULL);
}

/* Filters (restore/migrate) hand the document back: text stays UTF-8,
 * escapes stay escapes, and no XML declaration is added. */
/* A nodeset of ~1.2 MB (150,000 exclusions, in falling order, then ranges
 * that each start inside the excluded run): the lowest node left is found.
 * Before, every range compared each candidate with every exclusion, which
 * took half a minute on such a document. */
static void
test_numa_huge_nodeset (void **state)
{
  const guint excluded = 150000;
  g_autoptr (GString) text = g_string_new ("<domain type='kvm'><name>big</name><uuid>" UUID_WEB1
                                           "</uuid><numatune><memory nodeset='");
  g_autoptr (VfpDomXml) dom = NULL;

  for (guint i = excluded; i-- > 0;)
    g_string_append_printf (text, "^%u,", i);
  for (guint i = 0; i < 1000; i++)
    g_string_append_printf (text, "%u-%u,", i * 7, excluded + 5);
  g_string_append_printf (text, "%u'/></numatune></domain>", excluded + 9);
  dom = vfp_test_parse_or_fail ("huge nodeset", text->str);
  CHECK_INT ("huge nodeset", vfp_domxml_get_numa_node (dom), excluded);
}

static void
test_to_string_keeps_text (void **state)
{
  const char *what = "to_string of non-ASCII text";
  const char *text = "<?xml version='1.0' encoding='UTF-8'?>\n"
                     "<domain><name>caf\xc3\xa9</name><uuid>" UUID_WEB1 "</uuid>"
                     "<description>&lt;&#233;&gt; &amp; \xe2\x82\xac</description></domain>";
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail (what, text);
  g_autofree char *out = vfp_domxml_to_string (dom);

  CHECK_STR (what, out,
             "<domain><name>caf\xc3\xa9</name><uuid>" UUID_WEB1 "</uuid>"
             "<description>&lt;\xc3\xa9&gt; &amp; \xe2\x82\xac</description></domain>\n");
}

/* ---- parse: refused documents ------------------------------------------- */

typedef struct {
  const char *name;
  const char *file;
  const char *text;
  gsize generate;           /* >0: a well-formed document of this many bytes */
  const char *want[3];      /* substrings of the message */
} ParseBadCase;

static const ParseBadCase parse_bad_cases[] = {
  { "malformed", "malformed.xml", NULL, 0,
    { "domain XML is not well-formed: line 4: ", "uuid line 3" } },
  { "empty input", NULL, "", 0, { "domain XML is not well-formed" } },
  { "trailing garbage", NULL, MINI ("") "<domain/>", 0,
    { "domain XML is not well-formed: line 1: " } },
  { "billion laughs", "billion-laughs.xml", NULL, 0,
    { "domain XML has a DTD or entities, which vfpool refuses" } },
  { "external DTD", "external-dtd.xml", NULL, 0,
    { "domain XML has a DTD or entities, which vfpool refuses" } },
  { "external entity", "external-entity.xml", NULL, 0,
    { "domain XML has a DTD or entities, which vfpool refuses" } },
  { "empty internal subset", NULL,
    "<!DOCTYPE domain []>" MINI (""), 0, { "has a DTD or entities" } },
  { "undeclared entity", NULL, MINI ("<description>&foo;</description>"), 0,
    { "domain XML is not well-formed: line 1: ", "foo" } },
  { "wrong root", NULL, "<network><name>n</name></network>", 0,
    { "root element <network>, not <domain>" } },
  { "root in a namespace", NULL,
    "<d:domain xmlns:d='urn:x'><name>n</name><uuid>" UUID_WEB1 "</uuid></d:domain>", 0,
    { "not <domain>" } },
  { "no name", NULL, "<domain><uuid>" UUID_WEB1 "</uuid></domain>", 0,
    { "domain XML has no <name>" } },
  { "empty name", NULL, "<domain><name></name><uuid>" UUID_WEB1 "</uuid></domain>", 0,
    { "domain XML has no <name>" } },
  { "no uuid", NULL, "<domain><name>nouuid</name></domain>", 0,
    { "domain 'nouuid' has no <uuid>" } },
  { "short uuid", NULL, "<domain><name>web1</name><uuid>6f1c7b1e-2a4d</uuid></domain>", 0,
    { "domain 'web1' has a malformed <uuid> '6f1c7b1e-2a4d'" } },
  { "uuid with bad digit", NULL,
    "<domain><name>web1</name><uuid>6f1c7b1e-2a4d-4c3b-9e8f-0123456789ag</uuid></domain>", 0,
    { "domain 'web1' has a malformed <uuid>", "89ag" } },
  { "uuid with dashes misplaced", NULL,
    "<domain><name>web1</name><uuid>6f1c7b1e2-a4d-4c3b-9e8f-0123456789ab</uuid></domain>", 0,
    { "malformed <uuid>" } },
  { "10 MB", NULL, NULL, 10 * 1024 * 1024,
    { "domain XML is 10485760 bytes, over the 4194304-byte limit" } },
  { "one byte over the limit", NULL, NULL, VFP_DOMXML_MAX_SIZE + 1,
    { "domain XML is 4194305 bytes, over the 4194304-byte limit" } },
};

/* A well-formed domain padded with a comment to exactly @size bytes, so only
 * the size can be the reason for a refusal. */
static char *
make_big_domain (gsize size)
{
  static const char head[] = MINI ("") "<!--";
  static const char tail[] = "-->";
  char *text = g_malloc (size + 1);

  g_assert (size > sizeof head + sizeof tail);
  memset (text, 'x', size);
  memcpy (text, head, sizeof head - 1);
  memcpy (text + size - (sizeof tail - 1), tail, sizeof tail - 1);
  text[size] = '\0';
  return text;
}

static void
test_parse_bad (void **state)
{
  const ParseBadCase *c = *state;
  g_autofree char *text = c->generate > 0 ? make_big_domain (c->generate)
                                          : case_text (c->file, c->text);
  g_autoptr (GError) error = NULL;
  VfpDomXml *dom = NULL;

  CHECK (c->name, !vfp_domxml_parse (text, strlen (text), &dom, &error));
  CHECK (c->name, dom == NULL);
  CHECK (c->name, error != NULL);
  if (!g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST))
    fail_msg ("%s: wrong error code %d: %s", c->name, error->code, error->message);
  for (guint i = 0; i < G_N_ELEMENTS (c->want) && c->want[i] != NULL; i++)
    CHECK_CONTAINS (c->name, error->message, c->want[i]);
}

/* The padding itself is not the problem: just under the limit parses. */
static void
test_parse_at_limit (void **state)
{
  g_autofree char *text = make_big_domain (VFP_DOMXML_MAX_SIZE);
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail ("exactly at the limit", text);

  CHECK_STR ("exactly at the limit", vfp_domxml_get_name (dom), "mini");
}

/* libvirt shows the hook's stderr to the user: libxml2 must not write its
 * own messages there. */
static void
test_parse_is_silent (void **state)
{
  static const char *const files[] = {
    "malformed.xml", "billion-laughs.xml", "external-dtd.xml", "external-entity.xml",
  };
  g_autofree char *dir = vfp_test_mkdtemp ("domxml-stderr");
  g_autofree char *path = g_build_filename (dir, "stderr", NULL);
  g_autofree char *captured = NULL;
  int saved = dup (STDERR_FILENO);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  CHECK ("stderr capture", saved >= 0 && fd >= 0);
  dup2 (fd, STDERR_FILENO);
  close (fd);
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *text = vfp_test_load_xml (files[i]);
      g_autoptr (GError) error = NULL;
      VfpDomXml *dom = NULL;

      if (vfp_domxml_parse (text, strlen (text), &dom, &error))
        vfp_domxml_free (dom);
    }
  {
    g_autoptr (GError) error = NULL;
    VfpDomXml *dom = NULL;
    const char *text = MINI ("<description>&foo;</description><a xmlns:p='x'/>");

    if (vfp_domxml_parse (text, strlen (text), &dom, &error))
      vfp_domxml_free (dom);
  }
  dup2 (saved, STDERR_FILENO);
  close (saved);

  CHECK ("stderr capture", g_file_get_contents (path, &captured, NULL, NULL));
  CHECK_STR ("libxml2 stderr output", captured, "");
  vfp_test_rmtree (dir);
}

/* ---- mentions_vfpool ---------------------------------------------------- */

typedef struct {
  const char *name;
  const char *text;
  gboolean want;
} MentionsCase;

static const MentionsCase mentions_cases[] = {
  { "request namespace", "<domain><metadata><v:request xmlns:v='urn:vfpool:domain:1'/>", TRUE },
  { "alias", "<alias name='ua-vfpool-3'/>", TRUE },
  { "plain domain", "<domain><name>web1</name></domain>", FALSE },
  { "vfpool in a name only", "<domain><name>vfpool-test</name></domain>", FALSE },
  { "empty", "", FALSE },
};

static void
test_mentions (void **state)
{
  const MentionsCase *c = *state;

  CHECK_INT (c->name, vfp_domxml_mentions_vfpool (c->text, strlen (c->text)), c->want);
}

/* The check works on bytes, not C strings: a NUL early on hides nothing. */
static void
test_mentions_past_nul (void **state)
{
  static const char data[] = "<domain>\0<alias name='ua-vfpool-0'/>";

  CHECK ("NUL before alias", vfp_domxml_mentions_vfpool (data, sizeof data - 1));
  CHECK ("length limits the search", !vfp_domxml_mentions_vfpool (data, 20));
  CHECK ("NULL data", !vfp_domxml_mentions_vfpool (NULL, 0));
}

/* ---- devices ------------------------------------------------------------ */

static void
check_device (const char *what, GPtrArray *devices, guint i, guint nic,
              const char *pci, VfpDeviceForm form)
{
  const VfpDomDevice *d;

  if (i >= devices->len)
    fail_msg ("%s: only %u devices, want one at %u", what, devices->len, i);
  d = devices->pdata[i];
  CHECK_INT (what, d->nic, nic);
  CHECK_STR (what, d->pci, pci);
  CHECK_INT (what, d->form, form);
}

static void
test_list_devices (void **state)
{
  g_autoptr (VfpDomXml) dom = parse_file_or_fail ("vfpool-devices.xml");
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);

  /* sorted by nic; the usb hostdev with a vfpool-like alias and the GPU are
   * not vfpool devices */
  CHECK_INT ("vfpool-devices.xml", devices->len, 2);
  check_device ("vfpool-devices.xml", devices, 0, 0, "0000:01:10.0", VFP_FORM_HOSTDEV);
  check_device ("vfpool-devices.xml", devices, 1, 1, "0000:01:10.2", VFP_FORM_INTERFACE);
}

typedef struct {
  const char *name;
  const char *devices_xml;  /* inside <devices> */
  guint count;
  guint nic;                /* of the first device when count > 0 */
  const char *pci;
} ListCase;

static const ListCase list_cases[] = {
  { "no devices", "", 0, 0, NULL },
  { "address attributes default to 0", "<hostdev mode='subsystem' type='pci'>"
    "<source><address bus='0x3'/></source><alias name='ua-vfpool-4'/></hostdev>",
    1, 4, "0000:03:00.0" },
  { "decimal address", "<hostdev mode='subsystem' type='pci'>"
    "<source><address domain='1' bus='10' slot='31' function='7'/></source>"
    "<alias name='ua-vfpool-0'/></hostdev>", 1, 0, "0001:0a:1f.7" },
  { "slot out of range", "<hostdev mode='subsystem' type='pci'>"
    "<source><address bus='0x3' slot='0x20'/></source><alias name='ua-vfpool-4'/></hostdev>",
    0, 0, NULL },
  { "no source address", "<hostdev mode='subsystem' type='pci'>"
    "<alias name='ua-vfpool-4'/></hostdev>", 0, 0, NULL },
  { "alias with leading zero", "<hostdev mode='subsystem' type='pci'>"
    "<source><address bus='0x3'/></source><alias name='ua-vfpool-01'/></hostdev>",
    0, 0, NULL },
  { "alias without number", "<hostdev mode='subsystem' type='pci'>"
    "<source><address bus='0x3'/></source><alias name='ua-vfpool-'/></hostdev>",
    0, 0, NULL },
  { "alias with suffix", "<hostdev mode='subsystem' type='pci'>"
    "<source><address bus='0x3'/></source><alias name='ua-vfpool-1x'/></hostdev>",
    0, 0, NULL },
  { "network interface", "<interface type='network'><source network='default'/>"
    "<alias name='ua-vfpool-0'/></interface>", 0, 0, NULL },
  { "hostdev capabilities mode", "<hostdev mode='capabilities' type='pci'>"
    "<source><address bus='0x3'/></source><alias name='ua-vfpool-0'/></hostdev>",
    0, 0, NULL },
};

static void
test_list_case (void **state)
{
  const ListCase *c = *state;
  g_autofree char *text = g_strconcat ("<domain><name>l</name><uuid>" UUID_WEB1
                                       "</uuid><devices>", c->devices_xml,
                                       "</devices></domain>", NULL);
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail (c->name, text);
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);

  CHECK_INT (c->name, devices->len, c->count);
  if (c->count > 0)
    CHECK_STR (c->name, ((VfpDomDevice *) devices->pdata[0])->pci, c->pci);
  if (c->count > 0)
    CHECK_INT (c->name, ((VfpDomDevice *) devices->pdata[0])->nic, c->nic);
}

/* Add two devices to a libvirt-formatted domain, read back, remove: the
 * document must come back byte for byte, and the additions must be laid out
 * like the rest of the file. */
static void
test_add_list_remove (void **state)
{
  const char *what = "q35-2free.xml add/remove";
  g_autoptr (VfpDomXml) dom = parse_file_or_fail ("q35-2free.xml");
  g_autofree char *before = vfp_domxml_to_string (dom);
  g_autofree char *added = NULL;
  g_autofree char *after = NULL;
  g_autoptr (VfpDomXml) again = NULL;
  g_autoptr (VfpDomXml) third = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GError) error = NULL;
  VfpVfConfig cfg = config_of (what, "02:11:22:33:44:55", "100");

  CHECK (what, vfp_domxml_add_device (dom, 1, "0000:01:10.3", VFP_FORM_INTERFACE, &cfg, &error));
  CHECK (what, vfp_domxml_add_device (dom, 0, "0000:01:10.1", VFP_FORM_HOSTDEV, &cfg, &error));
  CHECK (what, error == NULL);

  again = reparse (what, dom, &added);
  devices = vfp_domxml_list_devices (again);
  CHECK_INT (what, devices->len, 2);
  check_device (what, devices, 0, 0, "0000:01:10.1", VFP_FORM_HOSTDEV);
  check_device (what, devices, 1, 1, "0000:01:10.3", VFP_FORM_INTERFACE);

  CHECK_CONTAINS (what, added,
                  "    </serial>\n"
                  "    <interface type=\"hostdev\" managed=\"yes\">\n"
                  "      <mac address=\"02:11:22:33:44:55\"/>\n"
                  "      <source><address type=\"pci\" domain=\"0x0000\" bus=\"0x01\" "
                  "slot=\"0x10\" function=\"0x3\"/></source>\n"
                  "      <vlan><tag id=\"100\"/></vlan>\n"
                  "      <alias name=\"ua-vfpool-1\"/>\n"
                  "    </interface>\n"
                  "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
                  "      <source><address domain=\"0x0000\" bus=\"0x01\" slot=\"0x10\" "
                  "function=\"0x1\"/></source>\n"
                  "      <alias name=\"ua-vfpool-0\"/>\n"
                  "    </hostdev>\n"
                  "  </devices>\n"
                  "</domain>\n");
  /* new devices get no guest address: libvirt picks a port at plug time */
  CHECK_INT (what, vfp_domxml_count_free_hotplug_slots (again), 2);

  CHECK_INT (what, vfp_domxml_remove_devices (again), 2);
  third = reparse (what, again, &after);
  CHECK_STR (what, after, before);
  g_ptr_array_unref (devices);
  devices = vfp_domxml_list_devices (third);
  CHECK_INT (what, devices->len, 0);
}

typedef struct {
  const char *name;
  const char *text;
  const char *want;         /* substring of to_string after adding nic 2 */
} AddLayoutCase;

static const AddLayoutCase add_layout_cases[] = {
  { "no devices element",
    "<domain>\n  <name>n</name>\n  <uuid>" UUID_WEB1 "</uuid>\n</domain>\n",
    "  <uuid>" UUID_WEB1 "</uuid>\n  <devices>\n    <hostdev mode=\"subsystem\" "
    "type=\"pci\" managed=\"yes\">\n      <source><address domain=\"0x0000\" "
    "bus=\"0x01\" slot=\"0x10\" function=\"0x0\"/></source>\n      <alias "
    "name=\"ua-vfpool-2\"/>\n    </hostdev>\n  </devices>\n</domain>\n" },
  { "empty devices element",
    "<domain>\n  <name>n</name>\n  <uuid>" UUID_WEB1 "</uuid>\n  <devices/>\n</domain>\n",
    "  <devices>\n    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
    "      <source>" },
  { "compact document",
    "<domain><name>n</name><uuid>" UUID_WEB1 "</uuid><devices><emulator>e</emulator>"
    "</devices></domain>",
    "<devices><emulator>e</emulator><hostdev mode=\"subsystem\" type=\"pci\" "
    "managed=\"yes\"><source><address domain=\"0x0000\" bus=\"0x01\" slot=\"0x10\" "
    "function=\"0x0\"/></source><alias name=\"ua-vfpool-2\"/></hostdev></devices></domain>" },
  { "compact document without devices",
    "<domain><name>n</name><uuid>" UUID_WEB1 "</uuid></domain>",
    "</uuid><devices><hostdev mode=\"subsystem\"" },
  { "tab indentation",
    "<domain>\n\t<name>n</name>\n\t<uuid>" UUID_WEB1 "</uuid>\n\t<devices>\n"
    "\t\t<emulator>e</emulator>\n\t</devices>\n</domain>",
    "\t\t<emulator>e</emulator>\n\t\t<hostdev mode=\"subsystem\" type=\"pci\" "
    "managed=\"yes\">\n\t\t  <source>" },
};

static void
test_add_layout (void **state)
{
  const AddLayoutCase *c = *state;
  g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail (c->name, c->text);
  g_autoptr (VfpDomXml) again = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (!vfp_domxml_add_device (dom, 2, "0000:01:10.0", VFP_FORM_HOSTDEV, NULL, &error))
    fail_msg ("%s: %s", c->name, error->message);
  again = reparse (c->name, dom, &text);
  CHECK_CONTAINS (c->name, text, c->want);
  devices = vfp_domxml_list_devices (again);
  CHECK_INT (c->name, devices->len, 1);
  check_device (c->name, devices, 0, 2, "0000:01:10.0", VFP_FORM_HOSTDEV);
}

typedef struct {
  const char *name;
  guint nic;
  const char *pci;
  VfpErrorCode code;
  const char *want;
} AddBadCase;

static const AddBadCase add_bad_cases[] = {
  { "alias already used by vfpool", 0, "0000:01:10.4", VFP_ERROR_INVALID_REQUEST,
    "domain 'db1' already has a device with alias 'ua-vfpool-0'" },
  { "alias already used by another device", 7, "0000:01:10.4", VFP_ERROR_INVALID_REQUEST,
    "domain 'db1' already has a device with alias 'ua-vfpool-7'" },
  { "upper-case PCI address", 3, "0000:01:10.A", VFP_ERROR_FAILED, "'0000:01:10.A' is not a PCI address" },
  { "short PCI address", 3, "01:10.0", VFP_ERROR_FAILED, "'01:10.0' is not a PCI address" },
  { "function out of range", 3, "0000:01:10.8", VFP_ERROR_FAILED, "is not a PCI address" },
  { "slot out of range", 3, "0000:01:20.0", VFP_ERROR_FAILED, "is not a PCI address" },
};

static void
test_add_bad (void **state)
{
  const AddBadCase *c = *state;
  g_autoptr (VfpDomXml) dom = parse_file_or_fail ("vfpool-devices.xml");
  g_autofree char *before = vfp_domxml_to_string (dom);
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;

  CHECK (c->name, !vfp_domxml_add_device (dom, c->nic, c->pci, VFP_FORM_HOSTDEV, NULL, &error));
  if (!g_error_matches (error, VFP_ERROR, (gint) c->code))
    fail_msg ("%s: wrong error %d: %s", c->name, error->code, error->message);
  CHECK_CONTAINS (c->name, error->message, c->want);
  after = vfp_domxml_to_string (dom);
  CHECK_STR (c->name, after, before);
}

static void
test_repoint (void **state)
{
  const char *what = "repoint ua-vfpool-1";
  g_autoptr (VfpDomXml) dom = parse_file_or_fail ("vfpool-devices.xml");
  g_autoptr (VfpDomXml) again = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (!vfp_domxml_repoint_device (dom, 1, "0001:82:1f.7", &error))
    fail_msg ("%s: %s", what, error->message);
  if (!vfp_domxml_repoint_device (dom, 0, "0000:03:00.1", &error))
    fail_msg ("%s: %s", what, error->message);
  again = reparse (what, dom, &text);
  devices = vfp_domxml_list_devices (again);
  CHECK_INT (what, devices->len, 2);
  check_device (what, devices, 0, 0, "0000:03:00.1", VFP_FORM_HOSTDEV);
  check_device (what, devices, 1, 1, "0001:82:1f.7", VFP_FORM_INTERFACE);
  /* only the host side moved: the guest addresses (ABI) stay */
  CHECK_CONTAINS (what, text,
                  "<address type=\"pci\" domain=\"0x0001\" bus=\"0x82\" slot=\"0x1f\" function=\"0x7\"/>");
  CHECK_CONTAINS (what, text, "<alias name=\"ua-vfpool-1\"/>\n      <address type=\"pci\" domain=\"0x0000\" bus=\"0x02\"");
  CHECK_INT (what, vfp_domxml_count_free_hotplug_slots (again), 1);
  /* the unrelated GPU is untouched */
  CHECK_CONTAINS (what, text, "<address domain=\"0x0000\" bus=\"0x03\" slot=\"0x00\" function=\"0x0\"/>");
}

typedef struct {
  const char *name;
  guint nic;
  const char *pci;
  VfpErrorCode code;
  const char *want;
} RepointBadCase;

static const RepointBadCase repoint_bad_cases[] = {
  { "no such nic", 5, "0000:01:10.4", VFP_ERROR_NOT_FOUND,
    "domain 'db1' has no device with alias 'ua-vfpool-5'" },
  { "usb hostdev is not a vfpool device", 7, "0000:01:10.4", VFP_ERROR_NOT_FOUND,
    "domain 'db1' has no device with alias 'ua-vfpool-7'" },
  { "bad PCI address", 0, "garbage", VFP_ERROR_FAILED, "'garbage' is not a PCI address" },
};

static void
test_repoint_bad (void **state)
{
  const RepointBadCase *c = *state;
  g_autoptr (VfpDomXml) dom = parse_file_or_fail ("vfpool-devices.xml");
  g_autofree char *before = vfp_domxml_to_string (dom);
  g_autofree char *after = NULL;
  g_autoptr (GError) error = NULL;

  CHECK (c->name, !vfp_domxml_repoint_device (dom, c->nic, c->pci, &error));
  if (!g_error_matches (error, VFP_ERROR, (gint) c->code))
    fail_msg ("%s: wrong error %d: %s", c->name, error->code, error->message);
  CHECK_CONTAINS (c->name, error->message, c->want);
  after = vfp_domxml_to_string (dom);
  CHECK_STR (c->name, after, before);
}

static void
test_remove (void **state)
{
  const char *what = "remove from vfpool-devices.xml";
  g_autoptr (VfpDomXml) dom = parse_file_or_fail ("vfpool-devices.xml");
  g_autoptr (VfpDomXml) again = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autofree char *text = NULL;

  CHECK_INT (what, vfp_domxml_remove_devices (dom), 2);
  CHECK_INT (what, vfp_domxml_remove_devices (dom), 0);
  again = reparse (what, dom, &text);
  devices = vfp_domxml_list_devices (again);
  CHECK_INT (what, devices->len, 0);
  CHECK_NOT_CONTAINS (what, text, "ua-vfpool-0");
  CHECK_NOT_CONTAINS (what, text, "ua-vfpool-1");
  CHECK_NOT_CONTAINS (what, text, "02:11:22:33:44:55");
  CHECK_CONTAINS (what, text, "ua-vfpool-7");   /* usb: not ours */
  CHECK_CONTAINS (what, text, "ua-gpu0");
  /* tidy: the indentation of removed devices went with them */
  CHECK_CONTAINS (what, text,
                  "function=\"0x2\"/>\n    </controller>\n    <hostdev mode=\"subsystem\" "
                  "type=\"pci\" managed=\"yes\">\n      <source>\n        <address "
                  "domain=\"0x0000\" bus=\"0x03\"");
  CHECK_NOT_CONTAINS (what, text, "\n    \n");
  /* the request stays: it is what the next start reads */
  CHECK_CONTAINS (what, text, "urn:vfpool:domain:1");
}

/* ---- device_to_string ---------------------------------------------------- */

typedef struct {
  const char *name;
  guint nic;
  const char *pci;
  VfpDeviceForm form;
  const char *mac;
  const char *vlan;
  const char *want;         /* NULL: refused */
} DeviceStringCase;

static const DeviceStringCase device_string_cases[] = {
  { "hostdev", 0, "0000:01:10.0", VFP_FORM_HOSTDEV, "02:11:22:33:44:55", "100",
    "<hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
    "  <source><address domain=\"0x0000\" bus=\"0x01\" slot=\"0x10\" function=\"0x0\"/></source>\n"
    "  <alias name=\"ua-vfpool-0\"/>\n"
    "</hostdev>" },
  { "interface with mac and vlan", 3, "0001:a0:1f.7", VFP_FORM_INTERFACE,
    "02:11:22:33:44:55", "100",
    "<interface type=\"hostdev\" managed=\"yes\">\n"
    "  <mac address=\"02:11:22:33:44:55\"/>\n"
    "  <source><address type=\"pci\" domain=\"0x0001\" bus=\"0xa0\" slot=\"0x1f\" function=\"0x7\"/></source>\n"
    "  <vlan><tag id=\"100\"/></vlan>\n"
    "  <alias name=\"ua-vfpool-3\"/>\n"
    "</interface>" },
  { "interface untagged", 1, "0000:01:10.1", VFP_FORM_INTERFACE, "02:11:22:33:44:55", "0",
    "<interface type=\"hostdev\" managed=\"yes\">\n"
    "  <mac address=\"02:11:22:33:44:55\"/>\n"
    "  <source><address type=\"pci\" domain=\"0x0000\" bus=\"0x01\" slot=\"0x10\" function=\"0x1\"/></source>\n"
    "  <alias name=\"ua-vfpool-1\"/>\n"
    "</interface>" },
  { "interface without config", 12, "0000:01:10.1", VFP_FORM_INTERFACE, NULL, NULL,
    "<interface type=\"hostdev\" managed=\"yes\">\n"
    "  <source><address type=\"pci\" domain=\"0x0000\" bus=\"0x01\" slot=\"0x10\" function=\"0x1\"/></source>\n"
    "  <alias name=\"ua-vfpool-12\"/>\n"
    "</interface>" },
  { "bad PCI address", 0, "0000:01:10", VFP_FORM_HOSTDEV, NULL, NULL, NULL },
  { "NULL PCI address", 0, NULL, VFP_FORM_INTERFACE, NULL, NULL, NULL },
};

static void
test_device_string (void **state)
{
  const DeviceStringCase *c = *state;
  VfpVfConfig cfg = config_of (c->name, c->mac, c->vlan);
  g_autofree char *text = vfp_domxml_device_to_string (c->nic, c->pci, c->form, &cfg);

  CHECK_STR (c->name, text, c->want);
  if (c->mac == NULL && c->vlan == NULL)
    {
      g_autofree char *without = vfp_domxml_device_to_string (c->nic, c->pci, c->form, NULL);

      CHECK_STR (c->name, without, c->want);
    }
  if (text != NULL)
    {
      /* what libvirt gets must be a standalone, well-formed element */
      g_autofree char *doc = g_strconcat ("<domain><name>d</name><uuid>" UUID_WEB1
                                          "</uuid><devices>", text,
                                          "</devices></domain>", NULL);
      g_autoptr (VfpDomXml) dom = vfp_test_parse_or_fail (c->name, doc);
      g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);

      CHECK_INT (c->name, devices->len, 1);
      check_device (c->name, devices, 0, c->nic, c->pci, c->form);
    }
}

/* ---- failover pairs ------------------------------------------------------- */

#define FO_MAC "52:54:00:aa:bb:01"

/* A domain with @extra inside <devices>. */
static VfpDomXml *
failover_domain (const char *what, const char *extra)
{
  g_autofree char *text = g_strdup_printf (
    "<domain type='kvm'>\n  <name>web1</name>\n  <uuid>" UUID_WEB1 "</uuid>\n"
    "  <devices>\n    <disk type='file'/>%s\n  </devices>\n</domain>\n", extra);

  return vfp_test_parse_or_fail (what, text);
}

static guint
count_of (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = haystack; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

static void
failover_cfg (VfpVfConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  g_assert_true (vfp_vf_config_set_attr (cfg, "mac", FO_MAC, NULL));
  g_assert_true (vfp_vf_config_set_attr (cfg, "vlan", "100", NULL));
}

/* The VF as an interface with a transient teaming naming the standby vfpool
 * adds: same MAC on both, aliases ua-vfpool-N and ua-vfpool-sbN; removing
 * takes both away. */
static void
test_failover_add (void **state)
{
  const char *what = "failover add";
  g_autoptr (VfpDomXml) dom = failover_domain (what, "");
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *after = NULL;
  VfpVfConfig cfg;

  failover_cfg (&cfg);
  CHECK (what, vfp_domxml_add_failover_device (dom, 0, "0000:01:10.1", TRUE, &cfg,
                                               "tenant-net", &error));
  text = vfp_domxml_to_string (dom);
  CHECK_CONTAINS (what, text, "<interface type=\"hostdev\" managed=\"yes\">");
  CHECK_CONTAINS (what, text, "<teaming type=\"transient\" persistent=\"ua-vfpool-sb0\"/>");
  CHECK_CONTAINS (what, text, "<alias name=\"ua-vfpool-0\"/>");
  CHECK_CONTAINS (what, text, "<address type=\"pci\" domain=\"0x0000\" bus=\"0x01\" "
                              "slot=\"0x10\" function=\"0x1\"/>");
  CHECK_CONTAINS (what, text, "<tag id=\"100\"/>");
  CHECK_CONTAINS (what, text, "<interface type=\"network\">");
  CHECK_CONTAINS (what, text, "<source network=\"tenant-net\"/>");
  CHECK_CONTAINS (what, text, "<model type=\"virtio\"/>");
  CHECK_CONTAINS (what, text, "<teaming type=\"persistent\"/>");
  CHECK_CONTAINS (what, text, "<alias name=\"ua-vfpool-sb0\"/>");
  CHECK_INT (what, count_of (text, "<mac address=\"" FO_MAC "\"/>"), 2);
  /* the standby comes before the VF (QEMU hides the primary at boot only
   * then), on a line of its own */
  CHECK (what, strstr (text, "<interface type=\"network\">") < strstr (text, "<interface type=\"hostdev\""));
  CHECK_CONTAINS (what, text, "</interface>\n    <interface type=\"hostdev\"");

  devices = vfp_domxml_list_devices (dom);
  CHECK_INT (what, devices->len, 1);
  CHECK_INT (what, ((VfpDomDevice *) devices->pdata[0])->nic, 0);
  CHECK (what, ((VfpDomDevice *) devices->pdata[0])->failover);
  CHECK_INT (what, ((VfpDomDevice *) devices->pdata[0])->form, VFP_FORM_INTERFACE);

  /* a second add of the nic is refused and adds no second standby */
  CHECK (what, !vfp_domxml_add_failover_device (dom, 0, "0000:01:10.2", TRUE, &cfg,
                                                "tenant-net", NULL));
  g_free (text);
  text = vfp_domxml_to_string (dom);
  CHECK_INT (what, count_of (text, "<alias name=\"ua-vfpool-sb0\"/>"), 1);
  CHECK_INT (what, count_of (text, "<interface"), 2);

  CHECK_INT (what, vfp_domxml_remove_devices (dom), 2);
  after = vfp_domxml_to_string (dom);
  CHECK_NOT_CONTAINS (what, after, "ua-vfpool");
  CHECK_NOT_CONTAINS (what, after, "<interface");
  CHECK_CONTAINS (what, after, "<disk type=\"file\"/>\n  </devices>");
}

/* A standby the domain has (same MAC, teaming persistent, user alias) is
 * the one the VF's teaming names: none is added, and remove keeps it. */
static void
test_failover_existing_standby (void **state)
{
  const char *what = "failover with the domain's standby";
  g_autoptr (VfpDomXml) dom = failover_domain (what,
    "\n    <interface type='bridge'><mac address='52:54:00:AA:BB:01'/><source bridge='br0'/>"
    "<model type='virtio'/><teaming type='persistent'/><alias name='ua-backup'/></interface>");
  g_autofree char *text = NULL;
  g_autofree char *after = NULL;
  g_autofree char *alias = NULL;
  VfpVfConfig cfg;

  failover_cfg (&cfg);
  CHECK (what, vfp_domxml_find_standby (dom, cfg.mac, &alias, NULL));
  CHECK_STR (what, alias, "ua-backup");
  CHECK (what, vfp_domxml_add_failover_device (dom, 3, "0000:01:10.1", FALSE, &cfg,
                                               "default", NULL));
  text = vfp_domxml_to_string (dom);
  CHECK_CONTAINS (what, text, "<teaming type=\"transient\" persistent=\"ua-backup\"/>");
  CHECK_CONTAINS (what, text, "managed=\"no\"");
  CHECK_NOT_CONTAINS (what, text, "ua-vfpool-sb");
  CHECK_INT (what, count_of (text, "<interface"), 2);
  CHECK_INT (what, vfp_domxml_remove_devices (dom), 1);
  after = vfp_domxml_to_string (dom);
  CHECK_CONTAINS (what, after, "ua-backup");
  CHECK_NOT_CONTAINS (what, after, "ua-vfpool");
}

/* An interface with the nic's MAC that is no standby, or a standby alias
 * someone else has: refused, and nothing is added. */
typedef struct {
  const char *name;
  const char *extra;
  const char *message;
} FailoverBadCase;

static const FailoverBadCase failover_bad_cases[] = {
  { "same MAC, no teaming",
    "<interface type='network'><mac address='" FO_MAC "'/><source network='default'/>"
    "<model type='virtio'/></interface>",
    "interface with MAC " FO_MAC " is not a failover standby" },
  { "same MAC, teaming but no user alias",
    "<interface type='network'><mac address='" FO_MAC "'/><source network='default'/>"
    "<model type='virtio'/><teaming type='persistent'/><alias name='net0'/></interface>",
    "is not a failover standby" },
  { "standby alias taken by another device",
    "<interface type='network'><mac address='52:54:00:00:00:09'/><source network='default'/>"
    "<alias name='ua-vfpool-sb0'/></interface>",
    "already has a device with alias 'ua-vfpool-sb0'" },
};

static void
test_failover_bad (void **state)
{
  const FailoverBadCase *c = *state;
  g_autoptr (VfpDomXml) dom = failover_domain (c->name, c->extra);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  VfpVfConfig cfg;

  failover_cfg (&cfg);
  CHECK (c->name, !vfp_domxml_add_failover_device (dom, 0, "0000:01:10.1", TRUE, &cfg,
                                                   "default", &error));
  CHECK (c->name, g_error_matches (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST));
  CHECK_CONTAINS (c->name, error->message, c->message);
  CHECK_CONTAINS (c->name, error->message, "web1");
  text = vfp_domxml_to_string (dom);
  CHECK_NOT_CONTAINS (c->name, text, "ua-vfpool-0");
  CHECK_NOT_CONTAINS (c->name, text, "hostdev");
}

/* No MAC, no failover pair: the standby could not share it. */
static void
test_failover_needs_mac (void **state)
{
  const char *what = "failover without MAC";
  g_autoptr (VfpDomXml) dom = failover_domain (what, "");
  VfpVfConfig cfg = { 0 };
  g_autoptr (GError) error = NULL;

  CHECK (what, !vfp_domxml_add_failover_device (dom, 0, "0000:01:10.1", TRUE, &cfg, "default",
                                                &error));
  CHECK_CONTAINS (what, error->message, "a failover nic needs a MAC");
  CHECK (what, vfp_domxml_standby_to_string (0, &cfg, "default") == NULL);
}

/* What the hot-plug worker attaches: the standby, then the VF naming it. */
static void
test_failover_strings (void **state)
{
  const char *what = "failover device strings";
  g_autofree char *standby = NULL;
  g_autofree char *vf = NULL;
  VfpVfConfig cfg;

  failover_cfg (&cfg);
  standby = vfp_domxml_standby_to_string (2, &cfg, "tenant-net");
  CHECK_CONTAINS (what, standby, "<interface type=\"network\">");
  CHECK_CONTAINS (what, standby, "<mac address=\"" FO_MAC "\"/>");
  CHECK_CONTAINS (what, standby, "<source network=\"tenant-net\"/>");
  CHECK_CONTAINS (what, standby, "<model type=\"virtio\"/>");
  CHECK_CONTAINS (what, standby, "<teaming type=\"persistent\"/>");
  CHECK_CONTAINS (what, standby, "<alias name=\"ua-vfpool-sb2\"/>");
  vf = vfp_domxml_failover_device_to_string (2, "0000:01:10.1", TRUE, &cfg, "ua-vfpool-sb2");
  CHECK_CONTAINS (what, vf, "<interface type=\"hostdev\" managed=\"yes\">");
  CHECK_CONTAINS (what, vf, "<mac address=\"" FO_MAC "\"/>");
  CHECK_CONTAINS (what, vf, "<teaming type=\"transient\" persistent=\"ua-vfpool-sb2\"/>");
  CHECK_CONTAINS (what, vf, "<alias name=\"ua-vfpool-2\"/>");
}

/* ---- main --------------------------------------------------------------- */

int
main (void)
{
  g_autoptr (GArray) tests = g_array_new (FALSE, TRUE, sizeof (struct CMUnitTest));

  VFP_TEST_ADD_TABLE (tests, test_parse_ok, parse_ok_cases);
  VFP_TEST_ADD_TABLE (tests, test_parse_bad, parse_bad_cases);
  vfp_test_add (tests, "to_string keeps text as it was", test_to_string_keeps_text);
  vfp_test_add (tests, "parse at the size limit", test_parse_at_limit);
  vfp_test_add (tests, "parse writes nothing to stderr", test_parse_is_silent);
  VFP_TEST_ADD_TABLE (tests, test_mentions, mentions_cases);
  vfp_test_add (tests, "mentions past a NUL byte", test_mentions_past_nul);
  vfp_test_add (tests, "list devices", test_list_devices);
  VFP_TEST_ADD_TABLE (tests, test_list_case, list_cases);
  vfp_test_add (tests, "add, list, remove round trip", test_add_list_remove);
  VFP_TEST_ADD_TABLE (tests, test_add_layout, add_layout_cases);
  VFP_TEST_ADD_TABLE (tests, test_add_bad, add_bad_cases);
  vfp_test_add (tests, "repoint", test_repoint);
  VFP_TEST_ADD_TABLE (tests, test_repoint_bad, repoint_bad_cases);
  vfp_test_add (tests, "remove devices", test_remove);
  vfp_test_add (tests, "numa nodeset of 1.2 MB", test_numa_huge_nodeset);
  VFP_TEST_ADD_TABLE (tests, test_device_string, device_string_cases);
  vfp_test_add (tests, "failover: VF, teaming and standby added, removed", test_failover_add);
  vfp_test_add (tests, "failover: the domain's standby is used", test_failover_existing_standby);
  VFP_TEST_ADD_TABLE (tests, test_failover_bad, failover_bad_cases);
  vfp_test_add (tests, "failover: needs a MAC", test_failover_needs_mac);
  vfp_test_add (tests, "failover: device strings", test_failover_strings);

  return _cmocka_run_group_tests ("domxml", (struct CMUnitTest *) tests->data,
                                  tests->len, NULL, NULL);
}
