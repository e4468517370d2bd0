/* vfp-domxml.c: safe parsing of libvirt domain XML and vfpool's device edits. */
/* memmem() */
#define _GNU_SOURCE 1
#include "config.h"

#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-xml-util.h"
#include "vfp-xml-read.h"

#include <errno.h>
#include <string.h>
#include <libxml/xmlsave.h>

struct _VfpDomXml {
  xmlDoc *doc;
  char *name;
  char *uuid;
};

static gboolean
vfp_prop_equals (const xmlNode *node, const char *name, const char *expected)
{
  g_autofree char *value = vfp_xml_get_prop (node, name);

  return g_strcmp0 (value, expected) == 0;
}

/* "DDDD:BB:SS.F", lower-case hex, as vfp_pci_address_is_valid() defines it.
 * Parsed here because vfp-host is sysfs code that xml/ should not need. */
static gboolean
vfp_pci_split (const char *text, guint *domain, guint *bus, guint *slot,
               guint *function)
{
  static const char shape[] = "xxxx:xx:xx.x";
  guint v[4] = { 0, 0, 0, 0 };
  guint field = 0;

  if (text == NULL || strlen (text) != sizeof shape - 1)
    return FALSE;
  for (gsize i = 0; i < sizeof shape - 1; i++)
    {
      char c = text[i];

      if (shape[i] != 'x')
        {
          if (c != shape[i])
            return FALSE;
          field++;
          continue;
        }
      if (!g_ascii_isxdigit (c) || g_ascii_isupper (c))
        return FALSE;
      v[field] = v[field] * 16 + (guint) g_ascii_xdigit_value (c);
    }
  if (v[2] > 0x1f || v[3] > 7)
    return FALSE;
  *domain = v[0];
  *bus = v[1];
  *slot = v[2];
  *function = v[3];
  return TRUE;
}

/* ---- parsing ------------------------------------------------------------ */

gboolean
vfp_domxml_mentions_vfpool (const char *data, gsize len)
{
  static const char *const needles[] = { VFP_REQUEST_NS, VFP_ALIAS_PREFIX };

  if (data == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (needles); i++)
    if (memmem (data, len, needles[i], strlen (needles[i])) != NULL)
      return TRUE;
  return FALSE;
}

gboolean
vfp_domxml_parse (const char *data, gsize len, VfpDomXml **out, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autofree char *name = NULL;
  g_autofree char *uuid_text = NULL;
  g_autofree char *uuid = NULL;
  xmlNode *root, *node;
  VfpDomXml *dom;

  if (!vfp_xml_read_safe (data, len, VFP_DOMXML_MAX_SIZE, "domain XML", &doc, error))
    return FALSE;

  root = xmlDocGetRootElement (doc);
  if (!vfp_xml_is_elem (root, "domain"))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain XML has root element <%s>, not <domain>",
                   root != NULL ? (const char *) root->name : "");
      return FALSE;
    }

  node = vfp_xml_first_child (root, "name");
  if (node != NULL)
    name = vfp_xml_get_content (node);
  if (name == NULL || name[0] == '\0')
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain XML has no <name>");
      return FALSE;
    }

  node = vfp_xml_first_child (root, "uuid");
  if (node == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' has no <uuid>", name);
      return FALSE;
    }
  uuid_text = vfp_xml_get_content (node);
  uuid = vfp_xml_uuid_normalise (uuid_text);
  if (uuid == NULL)
    {
      g_autofree char *shown = g_strescape (uuid_text, NULL);

      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' has a malformed <uuid> '%s'", name, shown);
      return FALSE;
    }

  dom = g_new0 (VfpDomXml, 1);
  dom->doc = g_steal_pointer (&doc);
  dom->name = g_steal_pointer (&name);
  dom->uuid = g_steal_pointer (&uuid);
  *out = dom;
  return TRUE;
}

const char *
vfp_domxml_get_name (VfpDomXml *dom)
{
  return dom->name;
}

const char *
vfp_domxml_get_uuid (VfpDomXml *dom)
{
  return dom->uuid;
}

guint
vfp_domxml_get_id (VfpDomXml *dom)
{
  xmlChar *text = xmlGetProp (xmlDocGetRootElement (dom->doc), BAD_CAST "id");
  guint64 id = 0;

  if (text == NULL
      || !g_ascii_string_to_unsigned ((const char *) text, 10, 1, G_MAXINT, &id, NULL))
    id = 0;
  xmlFree (text);
  return (guint) id;
}

char *
vfp_domxml_peek_uuid (const char *data, gsize len)
{
  const char *open_tag = data ? memmem (data, len, "<uuid>", 6) : NULL;
  const char *end;
  g_autofree char *text = NULL;

  if (open_tag == NULL)
    return NULL;
  open_tag += 6;
  end = memmem (open_tag, len - (open_tag - data), "</uuid>", 7);
  if (end == NULL || end - open_tag > 64)
    return NULL;
  text = g_strndup (open_tag, end - open_tag);
  return vfp_xml_uuid_normalise (text);
}

struct _xmlDoc *
vfp_domxml_get_doc (VfpDomXml *dom)
{
  return dom->doc;
}

/* ---- NUMA and hot-plug slots -------------------------------------------- */

static int
compare_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

/* Lowest node of a libvirt nodeset ("1-3,^2,5"), -1 when it names none or
 * cannot be read: the node is only a placement preference.  O(n log n) in
 * the number of parts: the exclusions are sorted once, and for each sorted
 * exclusion we know where its run of consecutive exclusions ends, so each
 * range finds its lowest allowed node with one binary search (comparing
 * every candidate with every exclusion took 9 s for a 1 MB nodeset). */
static int
vfp_nodeset_first (const char *nodeset)
{
  g_auto (GStrv) parts = g_strsplit (nodeset, ",", -1);
  g_autoptr (GArray) excluded = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree guint *run_end = NULL;
  guint best = G_MAXUINT;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = g_strstrip (parts[i]);
      guint n;

      if (p[0] == '^')
        {
          if (!vfp_xml_parse_number (p + 1, 10, G_MAXINT, &n))
            return -1;
          g_array_append_val (excluded, n);
        }
    }
  g_array_sort (excluded, compare_uint);
  /* run_end[i]: the first node above excluded[i] that is not excluded */
  run_end = g_new (guint, excluded->len + 1);
  for (guint i = excluded->len; i-- > 0;)
    {
      guint v = g_array_index (excluded, guint, i);

      if (i + 1 < excluded->len && g_array_index (excluded, guint, i + 1) <= v + 1)
        run_end[i] = run_end[i + 1];
      else
        run_end[i] = v + 1;
    }

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = parts[i];
      g_auto (GStrv) range = NULL;
      guint lo, hi, first, idx;

      if (p[0] == '^')
        continue;
      range = g_strsplit (p, "-", 2);
      if (!vfp_xml_parse_number (range[0], 10, G_MAXINT, &lo))
        return -1;
      hi = lo;
      if (range[1] != NULL && !vfp_xml_parse_number (range[1], 10, G_MAXINT, &hi))
        return -1;
      if (hi < lo)
        return -1;
      first = lo;
      if (g_array_binary_search (excluded, &lo, compare_uint, &idx))
        first = run_end[idx];
      if (first <= hi && first < best)
        best = first;
    }
  return best == G_MAXUINT ? -1 : (int) best;
}

int
vfp_domxml_get_numa_node (VfpDomXml *dom)
{
  xmlNode *root = xmlDocGetRootElement (dom->doc);
  xmlNode *memory = vfp_xml_first_child (vfp_xml_first_child (root, "numatune"), "memory");
  g_autofree char *nodeset = NULL;

  if (memory == NULL)
    return -1;
  nodeset = vfp_xml_get_prop (memory, "nodeset");
  if (nodeset == NULL)
    return -1;
  return vfp_nodeset_first (nodeset);
}

static gboolean
vfp_is_q35 (xmlNode *root)
{
  xmlNode *type = vfp_xml_first_child (vfp_xml_first_child (root, "os"), "type");
  g_autofree char *machine = NULL;

  if (type == NULL)
    return FALSE;
  machine = vfp_xml_get_prop (type, "machine");
  return machine != NULL && strstr (machine, "q35") != NULL;
}

/* The pcie-root-port indexes of a q35 @dom into @ports, and the buses
 * devices sit on into @used. */
static void
vfp_collect_ports (VfpDomXml *dom, GHashTable *ports, GHashTable *used)
{
  xmlNode *root = xmlDocGetRootElement (dom->doc);

  for (xmlNode *devices = root->children; devices != NULL; devices = devices->next)
    {
      if (!vfp_xml_is_elem (devices, "devices"))
        continue;
      for (xmlNode *dev = devices->children; dev != NULL; dev = dev->next)
        {
          guint n;

          if (dev->type != XML_ELEMENT_NODE)
            continue;
          if (vfp_xml_is_elem (dev, "controller")
              && vfp_prop_equals (dev, "type", "pci")
              && vfp_prop_equals (dev, "model", "pcie-root-port"))
            {
              g_autofree char *index = vfp_xml_get_prop (dev, "index");

              if (vfp_xml_parse_number (index, 10, G_MAXINT, &n))
                g_hash_table_add (ports, GUINT_TO_POINTER (n));
            }
          /* Only the device's own (guest) <address>: the one under <source>
           * of a hostdev is a host address and occupies no guest slot. */
          for (xmlNode *addr = dev->children; addr != NULL; addr = addr->next)
            {
              g_autofree char *bus = NULL;

              if (!vfp_xml_is_elem (addr, "address") || !vfp_prop_equals (addr, "type", "pci"))
                continue;
              bus = vfp_xml_get_prop (addr, "bus");
              if (vfp_xml_parse_number (bus, 0, G_MAXINT, &n))
                g_hash_table_add (used, GUINT_TO_POINTER (n));
            }
        }
    }
}

/* The lowest free pcie-root-port (-1: none); *@count: how many are free. */
static int
vfp_free_ports (VfpDomXml *dom, guint *count)
{
  g_autoptr (GHashTable) ports = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) used = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key;
  int first = -1;

  *count = 0;
  vfp_collect_ports (dom, ports, used);
  g_hash_table_iter_init (&iter, ports);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (g_hash_table_contains (used, key))
        continue;
      (*count)++;
      if (first < 0 || GPOINTER_TO_UINT (key) < (guint) first)
        first = (int) GPOINTER_TO_UINT (key);
    }
  return first;
}

guint
vfp_domxml_count_free_hotplug_slots (VfpDomXml *dom)
{
  guint count;

  /* pc (i440fx) hot-plugs into slots of the root bus itself */
  if (!vfp_is_q35 (xmlDocGetRootElement (dom->doc)))
    return G_MAXUINT;
  vfp_free_ports (dom, &count);
  return count;
}

int
vfp_domxml_first_free_hotplug_port (VfpDomXml *dom)
{
  guint count;

  return vfp_free_ports (dom, &count);
}

/* ---- vfpool devices ----------------------------------------------------- */

static gboolean
vfp_device_form (const xmlNode *dev, VfpDeviceForm *form)
{
  if (vfp_xml_is_elem (dev, "hostdev") && vfp_prop_equals (dev, "mode", "subsystem")
      && vfp_prop_equals (dev, "type", "pci"))
    {
      *form = VFP_FORM_HOSTDEV;
      return TRUE;
    }
  if (vfp_xml_is_elem (dev, "interface") && vfp_prop_equals (dev, "type", "hostdev"))
    {
      *form = VFP_FORM_INTERFACE;
      return TRUE;
    }
  return FALSE;
}

/* N of alias "ua-vfpool-N".  Only the canonical decimal form counts, so two
 * spellings ("01", "1") cannot name the same nic. */
static gboolean
vfp_alias_number (const xmlNode *dev, const char *prefix, guint *nic)
{
  xmlNode *alias = vfp_xml_first_child (dev, "alias");
  g_autofree char *name = NULL;
  const char *digits;

  if (alias == NULL)
    return FALSE;
  name = vfp_xml_get_prop (alias, "name");
  if (name == NULL || !g_str_has_prefix (name, prefix))
    return FALSE;
  digits = name + strlen (prefix);
  if (digits[0] == '0' && digits[1] != '\0')
    return FALSE;
  return vfp_xml_parse_number (digits, 10, G_MAXINT, nic);
}

static gboolean
vfp_device_nic (const xmlNode *dev, guint *nic)
{
  return vfp_alias_number (dev, VFP_ALIAS_PREFIX, nic);
}

static xmlNode *
vfp_device_source_address (const xmlNode *dev)
{
  return vfp_xml_first_child (vfp_xml_first_child (dev, "source"), "address");
}

/* Host PCI address of <source><address …/></source> as "DDDD:BB:SS.F". */
static char *
vfp_device_source_pci (const xmlNode *dev)
{
  return vfp_xml_address_pci (vfp_device_source_address (dev));
}

/* Calls @fn for every vfpool device under any <devices>; @fn may unlink it. */
typedef void (*VfpDeviceFunc) (xmlNode *dev, VfpDeviceForm form, guint nic,
                               gpointer user_data);

/* Calls @fn for every child of any <devices>; @fn may unlink it. */
typedef void (*VfpChildFunc) (xmlNode *dev, gpointer user_data);

static void
vfp_foreach_child (VfpDomXml *dom, VfpChildFunc fn, gpointer user_data)
{
  xmlNode *root = xmlDocGetRootElement (dom->doc);

  for (xmlNode *devices = root->children; devices != NULL; devices = devices->next)
    {
      xmlNode *dev, *next;

      if (!vfp_xml_is_elem (devices, "devices"))
        continue;
      for (dev = devices->children; dev != NULL; dev = next)
        {
          next = dev->next;
          fn (dev, user_data);
        }
    }
}

typedef struct {
  VfpDeviceFunc fn;
  gpointer user_data;
} VfpDeviceVisit;

static void
vfp_visit_device (xmlNode *dev, gpointer user_data)
{
  VfpDeviceVisit *visit = user_data;
  VfpDeviceForm form;
  guint nic;

  if (vfp_device_form (dev, &form) && vfp_device_nic (dev, &nic))
    visit->fn (dev, form, nic, visit->user_data);
}

static void
vfp_foreach_device (VfpDomXml *dom, VfpDeviceFunc fn, gpointer user_data)
{
  VfpDeviceVisit visit = { fn, user_data };

  vfp_foreach_child (dom, vfp_visit_device, &visit);
}

static void
vfp_collect_device (xmlNode *dev, VfpDeviceForm form, guint nic, gpointer user_data)
{
  GPtrArray *list = user_data;
  char *pci = vfp_device_source_pci (dev);
  xmlNode *teaming;
  VfpDomDevice *d;

  /* libvirt refuses such a device at start anyway; without an address there
   * is no VF to claim */
  if (pci == NULL)
    return;
  d = g_new0 (VfpDomDevice, 1);
  d->nic = nic;
  d->pci = pci;
  d->form = form;
  teaming = vfp_xml_first_child (dev, "teaming");
  d->failover = form == VFP_FORM_INTERFACE && teaming != NULL
                && vfp_prop_equals (teaming, "type", "transient");
  g_ptr_array_add (list, d);
}

static int
vfp_device_cmp (gconstpointer a, gconstpointer b)
{
  const VfpDomDevice *da = *(VfpDomDevice *const *) a;
  const VfpDomDevice *db = *(VfpDomDevice *const *) b;

  return da->nic < db->nic ? -1 : da->nic > db->nic ? 1 : 0;
}

GPtrArray *
vfp_domxml_list_devices (VfpDomXml *dom)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_dom_device_free);

  vfp_foreach_device (dom, vfp_collect_device, list);
  g_ptr_array_sort (list, vfp_device_cmp);
  return list;
}

typedef struct {
  guint nic;
  xmlNode *found;
} VfpFindDevice;

static void
vfp_match_device (xmlNode *dev, VfpDeviceForm form, guint nic, gpointer user_data)
{
  VfpFindDevice *find = user_data;

  if (nic == find->nic && find->found == NULL)
    find->found = dev;
}

static xmlNode *
vfp_find_device (VfpDomXml *dom, guint nic)
{
  VfpFindDevice find = { nic, NULL };

  vfp_foreach_device (dom, vfp_match_device, &find);
  return find.found;
}

/* libvirt aliases are unique over all devices, not just ours. */
static gboolean
vfp_alias_in_use (VfpDomXml *dom, const char *alias)
{
  xmlNode *root = xmlDocGetRootElement (dom->doc);

  for (xmlNode *devices = root->children; devices != NULL; devices = devices->next)
    {
      if (!vfp_xml_is_elem (devices, "devices"))
        continue;
      for (xmlNode *dev = devices->children; dev != NULL; dev = dev->next)
        {
          xmlNode *node = vfp_xml_first_child (dev, "alias");

          if (node != NULL && vfp_prop_equals (node, "name", alias))
            return TRUE;
        }
    }
  return FALSE;
}

/* ---- building devices --------------------------------------------------- */

static gboolean
vfp_is_blank_text (const xmlNode *node)
{
  return node != NULL && node->type == XML_TEXT_NODE && xmlIsBlankNode ((xmlNode *) node);
}

/* The line break + indentation in front of @node, NULL when there is none. */
static const char *
vfp_indent_of (const xmlNode *node)
{
  if (node == NULL || !vfp_is_blank_text (node->prev) || node->prev->content == NULL
      || strchr ((const char *) node->prev->content, '\n') == NULL)
    return NULL;
  return (const char *) node->prev->content;
}

/* Indentation for a new last child of @parent, copied from its siblings or
 * one step deeper than @parent.  NULL for a document written without
 * whitespace: then none is added. */
static char *
vfp_child_indent (const xmlNode *parent)
{
  const char *indent;

  for (xmlNode *n = parent->last; n != NULL; n = n->prev)
    if (n->type == XML_ELEMENT_NODE)
      {
        indent = vfp_indent_of (n);
        return indent != NULL ? g_strdup (indent) : NULL;
      }
  indent = vfp_indent_of (parent);
  return indent != NULL ? g_strconcat (indent, "  ", NULL) : NULL;
}

/* Appends @child to @parent on its own line before @parent's closing tag. */
static void
vfp_append_indented (xmlNode *parent, xmlNode *child, const char *indent)
{
  xmlNode *closing = parent->last;

  if (indent == NULL)
    {
      xmlAddChild (parent, child);
      return;
    }
  if (!vfp_is_blank_text (closing))
    {
      const char *parent_indent = vfp_indent_of (parent);

      closing = xmlAddChild (parent, xmlNewDocText (parent->doc,
                                                    (const xmlChar *) (parent_indent != NULL
                                                                       ? parent_indent : "\n")));
    }
  /* child first: libxml2 merges adjacent text nodes, and the node before the
   * closing text is an element or nothing */
  xmlAddPrevSibling (closing, child);
  xmlAddPrevSibling (child, xmlNewDocText (parent->doc, (const xmlChar *) indent));
}

static xmlNode *
vfp_new_child (xmlNode *parent, const char *name, const char *indent)
{
  xmlNode *node = xmlNewDocNode (parent->doc, NULL, (const xmlChar *) name, NULL);

  if (indent != NULL)
    xmlAddChild (parent, xmlNewDocText (parent->doc, (const xmlChar *) indent));
  xmlAddChild (parent, node);
  return node;
}

static void
vfp_set_prop (xmlNode *node, const char *name, const char *value)
{
  xmlSetProp (node, (const xmlChar *) name, (const xmlChar *) value);
}

static void
vfp_set_address (xmlNode *addr, guint domain, guint bus, guint slot, guint function)
{
  char text[16];

  g_snprintf (text, sizeof text, "0x%04x", domain);
  vfp_set_prop (addr, "domain", text);
  g_snprintf (text, sizeof text, "0x%02x", bus);
  vfp_set_prop (addr, "bus", text);
  g_snprintf (text, sizeof text, "0x%02x", slot);
  vfp_set_prop (addr, "slot", text);
  g_snprintf (text, sizeof text, "0x%x", function);
  vfp_set_prop (addr, "function", text);
}

/* The device element, not yet linked into @doc's tree.  @indent is the
 * whitespace in front of the element itself (NULL: none anywhere). */
static xmlNode *
vfp_build_device (xmlDoc *doc, guint nic, guint domain, guint bus, guint slot,
                  guint function, VfpDeviceForm form, gboolean managed,
                  const VfpVfConfig *cfg, const char *teaming, const char *indent)
{
  g_autofree char *inner = indent != NULL ? g_strconcat (indent, "  ", NULL) : NULL;
  g_autofree char *alias_name = g_strdup_printf (VFP_ALIAS_PREFIX "%u", nic);
  gboolean interface = form == VFP_FORM_INTERFACE;
  xmlNode *dev, *source, *addr, *node;

  dev = xmlNewDocNode (doc, NULL, (const xmlChar *) (interface ? "interface" : "hostdev"), NULL);
  if (interface)
    vfp_set_prop (dev, "type", "hostdev");
  else
    {
      vfp_set_prop (dev, "mode", "subsystem");
      vfp_set_prop (dev, "type", "pci");
    }
  vfp_set_prop (dev, "managed", managed ? "yes" : "no");

  if (interface && cfg != NULL && (cfg->set & VFP_KNOB_MAC))
    {
      g_autofree char *mac = vfp_mac_to_string (cfg->mac);

      node = vfp_new_child (dev, "mac", inner);
      vfp_set_prop (node, "address", mac);
    }

  source = vfp_new_child (dev, "source", inner);
  addr = vfp_new_child (source, "address", NULL);
  if (interface)
    vfp_set_prop (addr, "type", "pci");
  vfp_set_address (addr, domain, bus, slot, function);

  if (interface && cfg != NULL && (cfg->set & VFP_KNOB_VLAN) && cfg->vlan != 0)
    {
      char id[16];

      g_snprintf (id, sizeof id, "%u", cfg->vlan);
      node = vfp_new_child (vfp_new_child (dev, "vlan", inner), "tag", NULL);
      vfp_set_prop (node, "id", id);
    }

  /* The failover primary: QEMU unplugs it before a migration or save and
   * the guest's net_failover keeps its traffic on the standby meanwhile. */
  if (interface && teaming != NULL)
    {
      node = vfp_new_child (dev, "teaming", inner);
      vfp_set_prop (node, "type", "transient");
      vfp_set_prop (node, "persistent", teaming);
    }

  node = vfp_new_child (dev, "alias", inner);
  vfp_set_prop (node, "name", alias_name);

  if (indent != NULL)
    xmlAddChild (dev, xmlNewDocText (doc, (const xmlChar *) indent));
  return dev;
}

/* The virtio standby of a failover pair: same MAC as the VF, on libvirt
 * network @network, alias ua-vfpool-sbN (how remove_devices knows it is
 * vfpool's). */
static xmlNode *
vfp_build_standby (xmlDoc *doc, guint nic, const VfpVfConfig *cfg, const char *network,
                   const char *indent)
{
  g_autofree char *inner = indent != NULL ? g_strconcat (indent, "  ", NULL) : NULL;
  g_autofree char *alias_name = g_strdup_printf (VFP_STANDBY_ALIAS_PREFIX "%u", nic);
  g_autofree char *mac = vfp_mac_to_string (cfg->mac);
  xmlNode *dev, *node;

  dev = xmlNewDocNode (doc, NULL, (const xmlChar *) "interface", NULL);
  vfp_set_prop (dev, "type", "network");
  node = vfp_new_child (dev, "mac", inner);
  vfp_set_prop (node, "address", mac);
  node = vfp_new_child (dev, "source", inner);
  vfp_set_prop (node, "network", network);
  node = vfp_new_child (dev, "model", inner);
  vfp_set_prop (node, "type", "virtio");
  node = vfp_new_child (dev, "teaming", inner);
  vfp_set_prop (node, "type", "persistent");
  node = vfp_new_child (dev, "alias", inner);
  vfp_set_prop (node, "name", alias_name);
  if (indent != NULL)
    xmlAddChild (dev, xmlNewDocText (doc, (const xmlChar *) indent));
  return dev;
}

/* <mac address=…/> of an element, parsed; FALSE when absent or malformed. */
static gboolean
vfp_device_mac (const xmlNode *dev, guint8 mac[6])
{
  xmlNode *node = vfp_xml_first_child (dev, "mac");
  g_autofree char *text = node != NULL ? vfp_xml_get_prop (node, "address") : NULL;
  g_autofree char *lower = text != NULL ? g_ascii_strdown (text, -1) : NULL;

  return lower != NULL && vfp_mac_parse (lower, mac, NULL);
}

static gboolean
vfp_check_pci (const char *vf_pci, guint *domain, guint *bus, guint *slot,
               guint *function, GError **error)
{
  if (vfp_pci_split (vf_pci, domain, bus, slot, function))
    return TRUE;
  g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
               "'%s' is not a PCI address (expected DDDD:BB:SS.F)",
               vf_pci != NULL ? vf_pci : "");
  return FALSE;
}

gboolean
vfp_domxml_add_device (VfpDomXml *dom, guint nic, const char *vf_pci,
                       VfpDeviceForm form, const VfpVfConfig *cfg,
                       GError **error)
{
  return vfp_domxml_add_device_full (dom, nic, vf_pci, form, TRUE, cfg, error);
}

/* <devices>, created when the document has none. */
static xmlNode *
vfp_devices_node (VfpDomXml *dom)
{
  xmlNode *root = xmlDocGetRootElement (dom->doc);
  xmlNode *devices = vfp_xml_first_child (root, "devices");

  if (devices == NULL)
    {
      g_autofree char *root_indent = vfp_child_indent (root);

      devices = xmlNewDocNode (dom->doc, NULL, (const xmlChar *) "devices", NULL);
      vfp_append_indented (root, devices, root_indent);
    }
  return devices;
}

static gboolean
vfp_add_device (VfpDomXml *dom, guint nic, const char *vf_pci, VfpDeviceForm form,
                gboolean managed, const VfpVfConfig *cfg, const char *teaming, GError **error)
{
  g_autofree char *alias = g_strdup_printf (VFP_ALIAS_PREFIX "%u", nic);
  g_autofree char *indent = NULL;
  xmlNode *devices;
  guint domain, bus, slot, function;

  if (!vfp_check_pci (vf_pci, &domain, &bus, &slot, &function, error))
    return FALSE;
  if (vfp_alias_in_use (dom, alias))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' already has a device with alias '%s'",
                   dom->name, alias);
      return FALSE;
    }

  devices = vfp_devices_node (dom);
  indent = vfp_child_indent (devices);
  vfp_append_indented (devices,
                       vfp_build_device (dom->doc, nic, domain, bus, slot, function,
                                         form, managed, cfg, teaming, indent),
                       indent);
  return TRUE;
}

gboolean
vfp_domxml_add_device_full (VfpDomXml *dom, guint nic, const char *vf_pci,
                            VfpDeviceForm form, gboolean managed,
                            const VfpVfConfig *cfg, GError **error)
{
  return vfp_add_device (dom, nic, vf_pci, form, managed, cfg, NULL, error);
}

/* Same MAC on two interfaces that are not a failover pair is a guest with two
 * NICs answering for one address: refused rather than guessed at. */
gboolean
vfp_domxml_find_standby (VfpDomXml *dom, const guint8 mac[6], char **alias, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (dom->doc);

  *alias = NULL;
  for (xmlNode *devices = root->children; devices != NULL; devices = devices->next)
    {
      if (!vfp_xml_is_elem (devices, "devices"))
        continue;
      for (xmlNode *dev = devices->children; dev != NULL; dev = dev->next)
        {
          guint8 dev_mac[6];
          xmlNode *teaming = vfp_xml_first_child (dev, "teaming");
          xmlNode *alias_node = vfp_xml_first_child (dev, "alias");
          g_autofree char *name = alias_node != NULL ? vfp_xml_get_prop (alias_node, "name") : NULL;
          g_autofree char *shown = NULL;

          if (!vfp_xml_is_elem (dev, "interface") || vfp_prop_equals (dev, "type", "hostdev")
              || !vfp_device_mac (dev, dev_mac) || memcmp (dev_mac, mac, 6) != 0)
            continue;
          if (teaming != NULL && vfp_prop_equals (teaming, "type", "persistent")
              && name != NULL && g_str_has_prefix (name, "ua-"))
            {
              *alias = g_steal_pointer (&name);
              return TRUE;
            }
          shown = vfp_mac_to_string (mac);
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "interface with MAC %s is not a failover standby (it needs "
                       "<teaming type='persistent'/> and an alias 'ua-…'); remove it and "
                       "vfpool adds the standby, or complete it", shown);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
vfp_domxml_add_failover_device (VfpDomXml *dom, guint nic, const char *vf_pci,
                                gboolean managed, const VfpVfConfig *cfg,
                                const char *network, GError **error)
{
  g_autofree char *standby = NULL;
  g_autofree char *ours = g_strdup_printf (VFP_STANDBY_ALIAS_PREFIX "%u", nic);

  if (cfg == NULL || !(cfg->set & VFP_KNOB_MAC))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' nic %u: a failover nic needs a MAC", dom->name, nic);
      return FALSE;
    }
  if (!vfp_domxml_find_standby (dom, cfg->mac, &standby, error))
    {
      g_prefix_error (error, "domain '%s' nic %u: ", dom->name, nic);
      return FALSE;
    }
  if (standby == NULL && vfp_alias_in_use (dom, ours))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' already has a device with alias '%s'", dom->name, ours);
      return FALSE;
    }
  /* the VF first: a VF that cannot be added leaves no standby behind */
  if (!vfp_add_device (dom, nic, vf_pci, VFP_FORM_INTERFACE, managed, cfg,
                       standby != NULL ? standby : ours, error))
    return FALSE;
  if (standby == NULL)
    {
      xmlNode *devices = vfp_devices_node (dom);
      g_autofree char *indent = vfp_child_indent (devices);
      xmlNode *vf = devices->last;

      /* The standby goes in front of the VF: measured in the e2e fixture
       * (libvirt 9.0, QEMU 7.2), QEMU hides the failover primary at boot
       * until the guest's virtio driver takes the standby only when the
       * standby comes first; listed after it, the VF is plugged at once. */
      while (vf != NULL && vf->type != XML_ELEMENT_NODE)
        vf = vf->prev;
      xmlAddPrevSibling (vf, vfp_build_standby (dom->doc, nic, cfg, network, indent));
      if (indent != NULL)
        xmlAddPrevSibling (vf, xmlNewDocText (dom->doc, (const xmlChar *) indent));
    }
  return TRUE;
}

gboolean
vfp_domxml_repoint_device (VfpDomXml *dom, guint nic, const char *vf_pci,
                           GError **error)
{
  guint domain, bus, slot, function;
  xmlNode *dev, *addr;

  if (!vfp_check_pci (vf_pci, &domain, &bus, &slot, &function, error))
    return FALSE;
  dev = vfp_find_device (dom, nic);
  if (dev == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                   "domain '%s' has no device with alias '" VFP_ALIAS_PREFIX "%u'",
                   dom->name, nic);
      return FALSE;
    }
  addr = vfp_device_source_address (dev);
  if (addr == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' device '" VFP_ALIAS_PREFIX "%u' has no <source><address>",
                   dom->name, nic);
      return FALSE;
    }
  /* only the host side changes; the guest <address> stays for the ABI check */
  vfp_set_address (addr, domain, bus, slot, function);
  return TRUE;
}

static void
vfp_unlink_device (xmlNode *dev, VfpDeviceForm form, guint nic, gpointer user_data)
{
  guint *removed = user_data;
  xmlNode *before = dev->prev;

  /* the indentation in front goes too, so no blank line is left behind */
  if (vfp_is_blank_text (before))
    {
      xmlUnlinkNode (before);
      xmlFreeNode (before);
    }
  xmlUnlinkNode (dev);
  xmlFreeNode (dev);
  (*removed)++;
}

/* Standbys vfpool added (alias ua-vfpool-sbN) go with their VFs; one the
 * user wrote has an alias of the user's and stays. */
static void
vfp_unlink_standby (xmlNode *dev, gpointer user_data)
{
  guint nic;

  if (vfp_xml_is_elem (dev, "interface") && vfp_alias_number (dev, VFP_STANDBY_ALIAS_PREFIX, &nic))
    vfp_unlink_device (dev, VFP_FORM_INTERFACE, nic, user_data);
}

guint
vfp_domxml_remove_devices (VfpDomXml *dom)
{
  guint removed = 0;

  vfp_foreach_device (dom, vfp_unlink_device, &removed);
  vfp_foreach_child (dom, vfp_unlink_standby, &removed);
  return removed;
}

gboolean
vfp_domxml_remove_device (VfpDomXml *dom, guint nic)
{
  xmlNode *dev = vfp_find_device (dom, nic);
  guint removed = 0;

  if (dev != NULL)
    vfp_unlink_device (dev, VFP_FORM_HOSTDEV, nic, &removed);
  return removed > 0;
}

char *
vfp_domxml_device_to_string (guint nic, const char *vf_pci, VfpDeviceForm form,
                             const VfpVfConfig *cfg)
{
  return vfp_domxml_device_to_string_full (nic, vf_pci, form, TRUE, cfg);
}

/* @dev as text; @dev becomes @doc's root. */
static char *
vfp_node_to_string (xmlDoc *doc, xmlNode *dev)
{
  g_autoptr (xmlBuffer) buf = xmlBufferCreate ();

  xmlDocSetRootElement (doc, dev);
  if (xmlNodeDump (buf, doc, dev, 0, 0) < 0)
    return NULL;
  return g_strdup ((const char *) xmlBufferContent (buf));
}

static char *
vfp_device_to_string (guint nic, const char *vf_pci, VfpDeviceForm form, gboolean managed,
                      const VfpVfConfig *cfg, const char *teaming)
{
  g_autoptr (xmlDoc) doc = NULL;
  guint domain, bus, slot, function;
  xmlNode *dev;

  if (!vfp_pci_split (vf_pci, &domain, &bus, &slot, &function))
    return NULL;

  doc = xmlNewDoc ((const xmlChar *) "1.0");
  dev = vfp_build_device (doc, nic, domain, bus, slot, function, form, managed, cfg, teaming,
                          "\n");
  return vfp_node_to_string (doc, dev);
}

char *
vfp_domxml_device_to_string_full (guint nic, const char *vf_pci, VfpDeviceForm form,
                                  gboolean managed, const VfpVfConfig *cfg)
{
  return vfp_device_to_string (nic, vf_pci, form, managed, cfg, NULL);
}

char *
vfp_domxml_failover_device_to_string (guint nic, const char *vf_pci, gboolean managed,
                                      const VfpVfConfig *cfg, const char *standby_alias)
{
  return vfp_device_to_string (nic, vf_pci, VFP_FORM_INTERFACE, managed, cfg, standby_alias);
}

char *
vfp_domxml_standby_to_string (guint nic, const VfpVfConfig *cfg, const char *network)
{
  g_autoptr (xmlDoc) doc = NULL;

  if (cfg == NULL || !(cfg->set & VFP_KNOB_MAC) || network == NULL)
    return NULL;
  doc = xmlNewDoc ((const xmlChar *) "1.0");
  return vfp_node_to_string (doc, vfp_build_standby (doc, nic, cfg, network, "\n"));
}

char *
vfp_domxml_to_string (VfpDomXml *dom)
{
  g_autoptr (xmlBuffer) buf = xmlBufferCreate ();
  xmlSaveCtxt *save;

  /* UTF-8 keeps non-ASCII text as it was instead of character references */
  save = xmlSaveToBuffer (buf, "UTF-8", XML_SAVE_NO_DECL);
  if (save == NULL)
    return NULL;
  if (xmlSaveDoc (save, dom->doc) < 0)
    {
      xmlSaveClose (save);
      return NULL;
    }
  if (xmlSaveClose (save) < 0)
    return NULL;
  return g_strdup ((const char *) xmlBufferContent (buf));
}

void
vfp_domxml_free (VfpDomXml *dom)
{
  if (dom == NULL)
    return;
  xmlFreeDoc (dom->doc);
  g_free (dom->name);
  g_free (dom->uuid);
  g_free (dom);
}

void
vfp_dom_device_free (VfpDomDevice *dev)
{
  if (dev == NULL)
    return;
  g_free (dev->pci);
  g_free (dev);
}
