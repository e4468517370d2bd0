/* vfp-request-edit.c: append / remove a nic of a domain's vfpool request. */
#include "config.h"
#include "vfp-request-edit.h"
#include "vfp-error.h"
#include "vfp-request.h"
#include "vfp-xml-util.h"

#include <string.h>

/* The prefix libvirt gives the element (virsh metadata … --key vfpool). */
#define VFP_REQUEST_KEY "vfpool"

static gboolean
is_request_nic (const xmlNode *node)
{
  return node->type == XML_ELEMENT_NODE && node->ns != NULL && node->ns->href != NULL
         && strcmp ((const char *) node->ns->href, VFP_REQUEST_NS) == 0
         && xmlStrEqual (node->name, (const xmlChar *) "nic");
}

static xmlNode *
metadata_node (xmlNode *root, gboolean create)
{
  for (xmlNode *node = root->children; node != NULL; node = node->next)
    if (node->type == XML_ELEMENT_NODE && node->ns == NULL
        && xmlStrEqual (node->name, (const xmlChar *) "metadata"))
      return node;
  return create ? xmlNewChild (root, NULL, (const xmlChar *) "metadata", NULL) : NULL;
}

/* The request element, created (empty, namespaced) when @create. */
static gboolean
request_node (VfpDomXml *dom, gboolean create, xmlNode **out, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (vfp_domxml_get_doc (dom));
  xmlNode *metadata;
  xmlNs *ns;

  if (!vfp_find_request (root, vfp_domxml_get_name (dom), out, error))
    return FALSE;
  if (*out != NULL || !create)
    return TRUE;
  metadata = metadata_node (root, TRUE);
  *out = xmlNewChild (metadata, NULL, (const xmlChar *) "request", NULL);
  ns = xmlNewNs (*out, (const xmlChar *) VFP_REQUEST_NS, (const xmlChar *) VFP_REQUEST_KEY);
  xmlSetNs (*out, ns);
  return TRUE;
}

/* A <nic> under @parent in @ns with @from's attributes, in their order. */
static void
copy_nic (xmlNode *parent, xmlNs *ns, const xmlNode *from)
{
  xmlNode *nic = xmlNewChild (parent, ns, (const xmlChar *) "nic", NULL);

  for (xmlAttr *a = from->properties; a != NULL; a = a->next)
    {
      g_autoptr (xmlChar) value = xmlNodeGetContent ((xmlNode *) a);
      xmlSetProp (nic, a->name, value != NULL ? value : (const xmlChar *) "");
    }
}

gboolean
vfp_request_edit_append (VfpDomXml *dom, GPtrArray *attrs, guint *index, GError **error)
{
  g_autoptr (VfpRequest) request = NULL;
  xmlNode *req = NULL, *nic;

  if (!request_node (dom, TRUE, &req, error))
    return FALSE;
  nic = xmlNewChild (req, req->ns, (const xmlChar *) "nic", NULL);
  for (guint i = 0; i + 1 < attrs->len; i += 2)
    xmlSetProp (nic, (const xmlChar *) attrs->pdata[i], (const xmlChar *) attrs->pdata[i + 1]);
  if (!vfp_request_read (dom, &request, error))
    {
      xmlUnlinkNode (nic);
      xmlFreeNode (nic);
      return FALSE;
    }
  *index = request->nics->len - 1;
  return TRUE;
}

gboolean
vfp_request_edit_remove (VfpDomXml *dom, guint index, GError **error)
{
  xmlNode *req = NULL;
  guint n = 0;

  if (!request_node (dom, FALSE, &req, error))
    return FALSE;
  for (xmlNode *node = req != NULL ? req->children : NULL; node != NULL; node = node->next)
    if (is_request_nic (node) && n++ == index)
      {
        xmlUnlinkNode (node);
        xmlFreeNode (node);
        return TRUE;
      }
  g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "domain '%s' has no nic %u in its request",
               vfp_domxml_get_name (dom), index);
  return FALSE;
}

char *
vfp_request_edit_metadata (VfpDomXml *dom)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");
  g_autoptr (xmlBuffer) buf = xmlBufferCreate ();
  xmlNode *req = NULL, *out;
  guint n = 0;

  if (!request_node (dom, FALSE, &req, NULL) || req == NULL)
    return NULL;
  out = xmlNewDocNode (doc, NULL, (const xmlChar *) "request", NULL);
  xmlDocSetRootElement (doc, out);
  for (xmlNode *node = req->children; node != NULL; node = node->next)
    {
      if (!is_request_nic (node))
        continue;
      copy_nic (out, NULL, node);
      n++;
    }
  if (n == 0 || xmlNodeDump (buf, doc, out, 0, 0) < 0)
    return NULL;
  return g_strdup ((const char *) xmlBufferContent (buf));
}

gboolean
vfp_request_edit_replace (VfpDomXml *dom, const char *metadata, GError **error)
{
  g_autoptr (xmlDoc) src = NULL;
  xmlNode *req = NULL, *src_root;

  if (!request_node (dom, FALSE, &req, error))
    return FALSE;
  if (req != NULL)
    {
      xmlUnlinkNode (req);
      xmlFreeNode (req);
    }
  if (metadata == NULL)
    return TRUE;
  src = xmlReadMemory (metadata, (int) strlen (metadata), NULL, NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (src == NULL || (src_root = xmlDocGetRootElement (src)) == NULL || src->intSubset != NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s': the new request is not well-formed XML",
                   vfp_domxml_get_name (dom));
      return FALSE;
    }
  if (!request_node (dom, TRUE, &req, error))
    return FALSE;
  for (xmlNode *node = src_root->children; node != NULL; node = node->next)
    {
      if (node->type == XML_ELEMENT_NODE)
        copy_nic (req, req->ns, node);
    }
  return TRUE;
}
