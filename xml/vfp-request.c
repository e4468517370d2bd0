/* vfp-request.c: reads and validates the vfpool request in <metadata>. */
#include "config.h"

#include "vfp-request.h"
#include "vfp-error.h"
#include "vfp-xml-util.h"

#include <string.h>

/* Pool names end up in messages and may become part of paths. */
#define VFP_POOL_NAME_MAX 64
/* Longer than any valid attribute value: such a value is refused without
 * being echoed whole into a one-line message. */
#define VFP_ATTR_VALUE_MAX 64

/* An element of the request namespace.  The URI must match exactly: the
 * prefix is the author's choice and means nothing, and a look-alike URI
 * (urn:vfpool:domain:10) is someone else's. */
static gboolean
vfp_is_ours (const xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns != NULL
         && node->ns->href != NULL
         && strcmp ((const char *) node->ns->href, VFP_REQUEST_NS) == 0
         && (name == NULL || xmlStrEqual (node->name, (const xmlChar *) name));
}


static gboolean
vfp_pool_name_is_valid (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > VFP_POOL_NAME_MAX)
    return FALSE;
  /* "." and ".." are directory names, not pool names */
  if (strspn (name, ".") == len)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

gboolean
vfp_request_check_bond (const char *name, GError **error)
{
  gsize len = strlen (name);
  gboolean valid = len > 0 && len <= VFP_BOND_NAME_MAX;
  g_autofree char *shown = NULL;

  for (const char *p = name; valid && *p != '\0'; p++)
    valid = g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-';
  if (valid)
    return TRUE;
  shown = vfp_error_quote (name);
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
               "bond '%s' is not a valid bond name (1-%d letters, digits, '.', '_' or '-')",
               shown, VFP_BOND_NAME_MAX);
  return FALSE;
}

/* One <nic>.  Errors here say what is wrong; the caller adds which domain and
 * nic. */
static gboolean
vfp_nic_parse (xmlNode *node, guint index, const char *uuid,
               VfpNicRequest **out, GError **error)
{
  g_autoptr (VfpNicRequest) nic = g_new0 (VfpNicRequest, 1);

  nic->index = index;

  for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next)
    {
      const char *name = (const char *) attr->name;
      g_autoptr (xmlChar) raw = xmlNodeGetContent ((xmlNode *) attr);
      const char *value = raw != NULL ? (const char *) raw : "";

      if (attr->ns != NULL)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "unknown attribute '%s:%s'",
                       attr->ns->prefix != NULL ? (const char *) attr->ns->prefix : "",
                       name);
          return FALSE;
        }
      if (strcmp (name, "pool") == 0)
        {
          if (!vfp_pool_name_is_valid (value))
            {
              g_autofree char *shown = vfp_error_quote (value);

              g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                           "pool '%s' is not a valid pool name (1-%d letters, "
                           "digits, '.', '_' or '-')", shown, VFP_POOL_NAME_MAX);
              return FALSE;
            }
          nic->pool = g_strdup (value);
          continue;
        }
      if (strcmp (name, "bond") == 0)
        {
          if (!vfp_request_check_bond (value, error))
            return FALSE;
          nic->bond = g_strdup (value);
          continue;
        }
      if (strcmp (name, "failover") == 0)
        {
          if (strcmp (value, "yes") == 0 || strcmp (value, "no") == 0)
            {
              nic->failover = value[0] == 'y' ? VFP_FAILOVER_YES : VFP_FAILOVER_NO;
              continue;
            }
          g_autofree char *shown = vfp_error_quote (value);

          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "failover '%s' is not yes or no", shown);
          return FALSE;
        }
      if (!vfp_vf_config_is_attr (name))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "unknown attribute '%s'", name);
          return FALSE;
        }
      if (strlen (value) > VFP_ATTR_VALUE_MAX)
        {
          g_autofree char *shown = vfp_error_quote (value);

          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "%s '%s' is too long to be valid", name, shown);
          return FALSE;
        }
      if (!vfp_vf_config_set_attr (&nic->cfg, name, value, error))
        return FALSE;
    }

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (vfp_is_ours (child, NULL))
      {
        g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                     "unknown element <%s> inside <nic>", (const char *) child->name);
        return FALSE;
      }

  if (nic->pool == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "no pool (every <nic> needs pool=\"NAME\")");
      return FALSE;
    }

  if (nic->cfg.set & VFP_KNOB_MAC)
    {
      g_autofree char *mac = vfp_mac_to_string (nic->cfg.mac);

      if (vfp_mac_is_multicast (nic->cfg.mac))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "mac '%s' is a multicast address", mac);
          return FALSE;
        }
      if (vfp_mac_is_zero (nic->cfg.mac))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "mac '%s' is all zeros", mac);
          return FALSE;
        }
    }
  else
    {
      /* stable across starts and hosts, so the guest keeps its NIC identity */
      vfp_mac_derive (uuid, index, nic->cfg.mac);
      nic->cfg.set |= VFP_KNOB_MAC;
    }

  *out = g_steal_pointer (&nic);
  return TRUE;
}

/* The one <request> directly under /domain/metadata, NULL when none. */
gboolean
vfp_find_request (xmlNode *root, const char *dom_name, xmlNode **out, GError **error)
{
  xmlNode *found = NULL;

  for (xmlNode *metadata = root->children; metadata != NULL; metadata = metadata->next)
    {
      if (metadata->type != XML_ELEMENT_NODE || metadata->ns != NULL
          || !xmlStrEqual (metadata->name, (const xmlChar *) "metadata"))
        continue;
      for (xmlNode *node = metadata->children; node != NULL; node = node->next)
        {
          if (!vfp_is_ours (node, "request"))
            continue;
          /* two requests would leave it to chance which one is honoured */
          if (found != NULL)
            {
              g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                           "domain '%s' has more than one vfpool <request> in "
                           "<metadata>; merge them into one", dom_name);
              return FALSE;
            }
          found = node;
        }
    }
  *out = found;
  return TRUE;
}

gboolean
vfp_request_read (VfpDomXml *dom, VfpRequest **out, GError **error)
{
  const char *dom_name = vfp_domxml_get_name (dom);
  xmlNode *root = xmlDocGetRootElement (vfp_domxml_get_doc (dom));
  g_autoptr (VfpRequest) req = NULL;
  xmlNode *request = NULL;
  guint count = 0;

  if (!vfp_find_request (root, dom_name, &request, error))
    return FALSE;
  if (request == NULL)
    {
      *out = NULL;
      return TRUE;
    }
  /* libvirt keeps RUNDIR/NAME.pid, so a longer name cannot run; refusing it
   * here also keeps leases (which record the name) within their size cap. */
  if (strlen (dom_name) > VFP_DOMAIN_NAME_MAX)
    {
      g_autofree char *shown = vfp_error_quote (dom_name);

      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain name '%s' is %" G_GSIZE_FORMAT " bytes long, over the %d libvirt "
                   "can run (its pid file NAME.pid must fit NAME_MAX)", shown,
                   strlen (dom_name), VFP_DOMAIN_NAME_MAX);
      return FALSE;
    }

  for (xmlNode *node = request->children; node != NULL; node = node->next)
    {
      if (!vfp_is_ours (node, NULL))
        continue;
      if (!xmlStrEqual (node->name, (const xmlChar *) "nic"))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "domain '%s': unknown element <%s> in the vfpool request "
                       "(only <nic> is allowed)", dom_name, (const char *) node->name);
          return FALSE;
        }
      count++;
    }
  /* an empty request asks for nothing: same as none */
  if (count == 0)
    {
      *out = NULL;
      return TRUE;
    }
  if (count > VFP_REQUEST_MAX_NICS)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' requests %u nics, more than the %d vfpool allows",
                   dom_name, count, VFP_REQUEST_MAX_NICS);
      return FALSE;
    }

  req = g_new0 (VfpRequest, 1);
  req->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_nic_request_free);
  for (xmlNode *node = request->children; node != NULL; node = node->next)
    {
      VfpNicRequest *nic = NULL;

      if (!vfp_is_ours (node, "nic"))
        continue;
      if (!vfp_nic_parse (node, req->nics->len, vfp_domxml_get_uuid (dom), &nic, error))
        {
          g_prefix_error (error, "domain '%s' nic %u: ", dom_name, req->nics->len);
          return FALSE;
        }
      g_ptr_array_add (req->nics, nic);
    }

  *out = g_steal_pointer (&req);
  return TRUE;
}

void
vfp_nic_request_free (VfpNicRequest *nic)
{
  if (nic == NULL)
    return;
  g_free (nic->pool);
  g_free (nic->bond);
  g_free (nic);
}

void
vfp_request_free (VfpRequest *req)
{
  if (req == NULL)
    return;
  if (req->nics != NULL)
    g_ptr_array_unref (req->nics);
  g_free (req);
}
