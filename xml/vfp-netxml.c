/* vfp-netxml.c: network-backed pools' libvirt networks and the network
 * hook's <hookData> (see vfp-netxml.h). */
#include "config.h"

#include "vfp-netxml.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-xml-read.h"

#include <string.h>

void
vfp_net_info_free (VfpNetInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->uuid);
  g_free (info->marker_pool);
  g_free (info->forward_mode);
  g_clear_pointer (&info->vfs, g_ptr_array_unref);
  g_free (info);
}

void
vfp_net_port_free (VfpNetPort *port)
{
  if (port == NULL)
    return;
  vfp_net_info_free (port->network);
  g_free (port->port_uuid);
  g_free (port->owner_name);
  g_free (port->owner_uuid);
  g_free (port->plug_type);
  g_free (port->vf_pci);
  g_free (port);
}

const char *
vfp_net_info_owner_pool (const VfpNetInfo *info)
{
  const char *suffix;

  if (info->name == NULL || !g_str_has_prefix (info->name, VFP_NETWORK_PREFIX)
      || info->marker_pool == NULL)
    return NULL;
  suffix = info->name + strlen (VFP_NETWORK_PREFIX);
  return strcmp (suffix, info->marker_pool) == 0 ? info->marker_pool : NULL;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* pool= of <metadata><vfpool:network xmlns:vfpool=VFP_NETWORK_NS/>. */
static char *
find_marker (const xmlNode *network)
{
  const xmlNode *metadata = vfp_xml_first_child (network, "metadata");

  for (const xmlNode *n = metadata ? metadata->children : NULL; n != NULL; n = n->next)
    if (n->type == XML_ELEMENT_NODE && n->ns != NULL
        && xmlStrEqual (n->ns->href, BAD_CAST VFP_NETWORK_NS)
        && xmlStrEqual (n->name, BAD_CAST "network"))
      return vfp_xml_get_prop (n, "pool");
  return NULL;
}

static gboolean
read_network (const xmlNode *network, VfpNetInfo **out, GError **error)
{
  g_autoptr (VfpNetInfo) info = g_new0 (VfpNetInfo, 1);
  const xmlNode *node = vfp_xml_first_child (network, "name");
  const xmlNode *forward;

  info->vfs = g_ptr_array_new_with_free_func (g_free);
  if (node != NULL)
    info->name = vfp_xml_get_content (node);
  if (info->name == NULL || info->name[0] == '\0')
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "network XML has no <name>");
      return FALSE;
    }
  node = vfp_xml_first_child (network, "uuid");
  if (node != NULL)
    {
      g_autofree char *text = vfp_xml_get_content (node);
      info->uuid = vfp_xml_uuid_normalise (text);
    }
  info->marker_pool = find_marker (network);
  forward = vfp_xml_first_child (network, "forward");
  if (forward != NULL)
    {
      g_autofree char *managed = vfp_xml_get_prop (forward, "managed");

      info->forward_mode = vfp_xml_get_prop (forward, "mode");
      info->managed = g_strcmp0 (managed, "yes") == 0;
      for (const xmlNode *n = forward->children; n != NULL; n = n->next)
        if (vfp_xml_is_elem (n, "address"))
          {
            char *pci = vfp_xml_address_pci (n);
            if (pci != NULL)
              g_ptr_array_add (info->vfs, pci);
          }
      g_ptr_array_sort (info->vfs, compare_strings);
    }
  *out = g_steal_pointer (&info);
  return TRUE;
}

gboolean
vfp_net_info_parse (const char *data, gsize len, VfpNetInfo **out, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  xmlNode *root;

  if (!vfp_xml_read_safe (data, len, VFP_HOOKDATA_MAX_SIZE, "network XML", &doc, error))
    return FALSE;
  root = xmlDocGetRootElement (doc);
  if (!vfp_xml_is_elem (root, "network"))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "network XML has root element <%s>, not <network>",
                   root != NULL ? (const char *) root->name : "");
      return FALSE;
    }
  return read_network (root, out, error);
}

char *
vfp_net_xml_build (const char *pool, gboolean managed, GPtrArray *vfs, const char *uuid)
{
  g_autoptr (GString) s = g_string_new ("<network>\n");
  /* not g_ptr_array_copy: the copy would free @vfs's strings too when
   * @vfs has a free function (found by fuzz-hookdata) */
  g_autoptr (GPtrArray) sorted = g_ptr_array_sized_new (vfs->len);

  /* pool names are 1-64 of A-Z a-z 0-9 . _ - (vfp-config.c): nothing to escape */
  g_string_append_printf (s, "  <name>%s%s</name>\n", VFP_NETWORK_PREFIX, pool);
  if (uuid != NULL)
    g_string_append_printf (s, "  <uuid>%s</uuid>\n", uuid);
  g_string_append_printf (s,
                          "  <metadata>\n"
                          "    <vfpool:network xmlns:vfpool='%s' pool='%s'/>\n"
                          "  </metadata>\n"
                          "  <forward mode='hostdev' managed='%s'>\n"
                          "    <driver name='vfio'/>\n",
                          VFP_NETWORK_NS, pool, managed ? "yes" : "no");
  for (guint i = 0; i < vfs->len; i++)
    g_ptr_array_add (sorted, vfs->pdata[i]);
  g_ptr_array_sort (sorted, compare_strings);
  for (guint i = 0; i < sorted->len; i++)
    {
      guint domain, bus, slot, function;
      const char *pci = sorted->pdata[i];

      if (sscanf (pci, "%x:%x:%x.%x", &domain, &bus, &slot, &function) != 4)
        continue;
      g_string_append_printf (s,
                              "    <address type='pci' domain='0x%04x' bus='0x%02x' "
                              "slot='0x%02x' function='0x%x'/>\n",
                              domain, bus, slot, function);
    }
  g_string_append (s, "  </forward>\n</network>\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* A required child's text, or an error naming what is missing. */
static char *
port_text (const xmlNode *parent, const char *name, const char *where, GError **error)
{
  const xmlNode *node = vfp_xml_first_child (parent, name);

  if (node == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "hook data: <networkport> has no %s<%s>", where, name);
      return NULL;
    }
  return vfp_xml_get_content (node);
}

static char *
port_uuid (const xmlNode *parent, const char *where, GError **error)
{
  g_autofree char *text = port_text (parent, "uuid", where, error);
  char *uuid;

  if (text == NULL)
    return NULL;
  uuid = vfp_xml_uuid_normalise (text);
  if (uuid == NULL)
    {
      g_autofree char *shown = g_strescape (text, NULL);
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "hook data: <networkport> %s<uuid> '%.64s' is malformed", where, shown);
    }
  return uuid;
}

gboolean
vfp_net_port_parse (const char *data, gsize len, VfpNetPort **out, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VfpNetPort) port = g_new0 (VfpNetPort, 1);
  xmlNode *root, *node, *owner, *plug;

  if (!vfp_xml_read_safe (data, len, VFP_HOOKDATA_MAX_SIZE, "hook data", &doc, error))
    return FALSE;
  root = xmlDocGetRootElement (doc);
  if (!vfp_xml_is_elem (root, "hookData"))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "hook data has root element <%.64s>, not <hookData>",
                   root != NULL ? (const char *) root->name : "");
      return FALSE;
    }
  node = vfp_xml_first_child (root, "network");
  if (node == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "hook data has no <network>");
      return FALSE;
    }
  if (!read_network (node, &port->network, error))
    {
      g_prefix_error (error, "hook data: ");
      return FALSE;
    }
  node = vfp_xml_first_child (root, "networkport");
  if (node == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "hook data has no <networkport>");
      return FALSE;
    }
  if ((port->port_uuid = port_uuid (node, "", error)) == NULL)
    return FALSE;
  owner = vfp_xml_first_child (node, "owner");
  if (owner == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "hook data: <networkport> has no <owner>");
      return FALSE;
    }
  if ((port->owner_name = port_text (owner, "name", "<owner>", error)) == NULL
      || (port->owner_uuid = port_uuid (owner, "<owner>", error)) == NULL)
    return FALSE;
  if (port->owner_name[0] == '\0' || strlen (port->owner_name) > VFP_DOMAIN_NAME_MAX)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "hook data: <networkport> owner name is empty or longer than %d bytes",
                   VFP_DOMAIN_NAME_MAX);
      return FALSE;
    }
  plug = vfp_xml_first_child (node, "plug");
  if (plug != NULL)
    {
      port->plug_type = vfp_xml_get_prop (plug, "type");
      if (g_strcmp0 (port->plug_type, "hostdev-pci") == 0)
        {
          port->vf_pci = vfp_xml_address_pci (vfp_xml_first_child (plug, "address"));
          if (port->vf_pci == NULL)
            {
              g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                           "hook data: <networkport> <plug type='hostdev-pci'> has no "
                           "well-formed <address>");
              return FALSE;
            }
        }
    }
  *out = g_steal_pointer (&port);
  return TRUE;
}
