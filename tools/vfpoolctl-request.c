/* vfpoolctl-request.c: "request" and "unrequest" — edit the vfpool request in
 * a domain's persistent metadata through the libvirt API. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-nic-options.h"
#include "vfp-config.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-request.h"
#include "vfp-xml-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* The prefix libvirt gives the element (virsh metadata … --key vfpool). */
#define VFP_REQUEST_KEY "vfpool"

/* Libvirt hands these back freed with free(), not g_free(). */
static void
vfp_free_libvirt_string (char *s)
{
  free (s);
}
typedef char VfpLibvirtString;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpLibvirtString, vfp_free_libvirt_string)

/* A nic is a GPtrArray of (attribute, value) string pairs in document order,
 * so nics we do not touch are written back exactly as they were. */

typedef struct {
  gboolean dry_run;
  gboolean print;
  const char *domain;
} VfpReqOpts;

static void
silence_libvirt (void *data, virErrorPtr err)
{
}

static gboolean
libvirt_error (GError **error, const char *what)
{
  g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s: %s", what, virGetLastErrorMessage ());
  return FALSE;
}

static gboolean
domain_error (GError **error, const char *domain)
{
  g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "domain '%s': %s", domain,
               virGetLastErrorMessage ());
  return FALSE;
}

/* A domain and its connection, closed together. */
typedef struct {
  virConnectPtr conn;
  virDomainPtr dom;
} VfpReqDomain;

static void
vfp_req_domain_clear (VfpReqDomain *d)
{
  if (d->dom != NULL)
    virDomainFree (d->dom);
  if (d->conn != NULL)
    virConnectClose (d->conn);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VfpReqDomain, vfp_req_domain_clear)

static gboolean
open_domain (VfpCtl *ctl, const char *name, VfpReqDomain *d, GError **error)
{
  virSetErrorFunc (NULL, silence_libvirt);
  if ((d->conn = virConnectOpen (ctl->ctx->libvirt_uri)) == NULL)
    return libvirt_error (error, ctl->ctx->libvirt_uri);
  if ((d->dom = virDomainLookupByName (d->conn, name)) == NULL)
    return domain_error (error, name);
  /* the request must outlive the next stop, and the hook reads the
   * persistent definition on a plain start */
  if (virDomainIsPersistent (d->dom) != 1)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' is transient; a request needs a defined domain "
                   "(virsh define)", name);
      return FALSE;
    }
  return TRUE;
}

/* libvirt parses what it returns itself, but a request written by hand
 * with `virsh metadata` could carry anything: same care as the hook. */
static gboolean
parse_xml (const char *text, const char *what, xmlDoc **out, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  gsize len = strlen (text);

  if (len > VFP_DOMXML_MAX_SIZE)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "%s is larger than %d bytes", what, VFP_DOMXML_MAX_SIZE);
      return FALSE;
    }
  doc = xmlReadMemory (text, (int) len, NULL, NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL || xmlDocGetRootElement (doc) == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "%s is not well-formed XML", what);
      return FALSE;
    }
  if (doc->intSubset != NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "%s carries a DTD; refusing it", what);
      return FALSE;
    }
  *out = g_steal_pointer (&doc);
  return TRUE;
}

/* Ours whether or not libvirt stripped the namespace on the way out
 * (virDomainGetMetadata returns the element without it). */
static gboolean
is_ours_or_plain (const xmlNode *node, const char *name)
{
  if (node->type != XML_ELEMENT_NODE || !xmlStrEqual (node->name, (const xmlChar *) name))
    return FALSE;
  return node->ns == NULL
         || (node->ns->href != NULL
             && strcmp ((const char *) node->ns->href, VFP_REQUEST_NS) == 0);
}

/* The nics of the stored request (empty array when there is none). */
static gboolean
read_request (VfpReqDomain *d, const char *name, GPtrArray **out, GError **error)
{
  g_autoptr (GPtrArray) nics = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr (VfpLibvirtString) text = NULL;
  g_autoptr (xmlDoc) doc = NULL;
  g_autofree char *what = NULL;
  xmlNode *root;

  text = virDomainGetMetadata (d->dom, VIR_DOMAIN_METADATA_ELEMENT, VFP_REQUEST_NS,
                               VIR_DOMAIN_AFFECT_CONFIG);
  if (text == NULL)
    {
      if (virGetLastErrorCode () != VIR_ERR_NO_DOMAIN_METADATA)
        return domain_error (error, name);
      *out = g_steal_pointer (&nics);
      return TRUE;
    }
  what = g_strdup_printf ("the vfpool request of domain '%s'", name);
  if (!parse_xml (text, what, &doc, error))
    return FALSE;
  root = xmlDocGetRootElement (doc);
  if (!is_ours_or_plain (root, "request"))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s': the metadata in %s is <%s>, not a vfpool <request>; "
                   "remove it with `vfpoolctl unrequest %s`", name, VFP_REQUEST_NS,
                   (const char *) root->name, name);
      return FALSE;
    }
  for (xmlNode *node = root->children; node != NULL; node = node->next)
    {
      GPtrArray *attrs;

      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (!is_ours_or_plain (node, "nic"))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "domain '%s': unknown element <%s> in the vfpool request",
                       name, (const char *) node->name);
          return FALSE;
        }
      attrs = g_ptr_array_new_with_free_func (g_free);
      for (xmlAttr *a = node->properties; a != NULL; a = a->next)
        {
          g_autoptr (xmlChar) value = xmlNodeGetContent ((xmlNode *) a);

          g_ptr_array_add (attrs, g_strdup ((const char *) a->name));
          g_ptr_array_add (attrs, g_strdup (value != NULL ? (const char *) value : ""));
        }
      g_ptr_array_add (nics, attrs);
    }
  *out = g_steal_pointer (&nics);
  return TRUE;
}

/* The request element for @nics; in our namespace when @ns_prefix is set
 * (as libvirt stores it), plain otherwise (what virDomainSetMetadata wants:
 * it puts every element into the URI and key it is given). */
static xmlNode *
build_request (xmlDoc *doc, GPtrArray *nics, const char *ns_prefix)
{
  xmlNode *root = xmlNewDocNode (doc, NULL, (const xmlChar *) "request", NULL);
  xmlNs *ns = NULL;

  if (ns_prefix != NULL)
    {
      ns = xmlNewNs (root, (const xmlChar *) VFP_REQUEST_NS, (const xmlChar *) ns_prefix);
      xmlSetNs (root, ns);
    }
  for (guint i = 0; i < nics->len; i++)
    {
      GPtrArray *attrs = nics->pdata[i];
      xmlNode *nic = xmlNewChild (root, ns, (const xmlChar *) "nic", NULL);

      for (guint j = 0; j + 1 < attrs->len; j += 2)
        xmlSetProp (nic, (const xmlChar *) attrs->pdata[j], (const xmlChar *) attrs->pdata[j + 1]);
    }
  return root;
}

static char *
node_to_string (xmlDoc *doc, xmlNode *node)
{
  xmlBuffer *buf = xmlBufferCreate ();
  char *out;

  xmlNodeDump (buf, doc, node, 0, 0);
  out = g_strndup ((const char *) xmlBufferContent (buf), xmlBufferLength (buf));
  xmlBufferFree (buf);
  return out;
}

/* The metadata text for virDomainSetMetadata. */
static char *
request_to_metadata (GPtrArray *nics)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNode *root = build_request (doc, nics, NULL);

  xmlDocSetRootElement (doc, root);
  return node_to_string (doc, root);
}

/* The persistent domain XML as it will be once @nics is stored (no nics:
 * without a request), the way libvirt stores an element: one child
 * of <metadata> per namespace, prefixed with the key. */
static gboolean
domain_with_request (VfpReqDomain *d, const char *name, GPtrArray *nics, char **out,
                     GError **error)
{
  g_autoptr (VfpLibvirtString) text = NULL;
  g_autoptr (xmlDoc) doc = NULL;
  g_autofree char *what = g_strdup_printf ("the XML of domain '%s'", name);
  xmlNode *root, *metadata = NULL, *next;

  if ((text = virDomainGetXMLDesc (d->dom, VIR_DOMAIN_XML_INACTIVE)) == NULL)
    return domain_error (error, name);
  if (!parse_xml (text, what, &doc, error))
    return FALSE;
  root = xmlDocGetRootElement (doc);
  for (xmlNode *node = root->children; node != NULL && metadata == NULL; node = node->next)
    if (node->type == XML_ELEMENT_NODE && node->ns == NULL
        && xmlStrEqual (node->name, (const xmlChar *) "metadata"))
      metadata = node;
  if (metadata == NULL)
    metadata = xmlNewChild (root, NULL, (const xmlChar *) "metadata", NULL);
  for (xmlNode *node = metadata->children; node != NULL; node = next)
    {
      next = node->next;
      if (node->type == XML_ELEMENT_NODE && node->ns != NULL && node->ns->href != NULL
          && strcmp ((const char *) node->ns->href, VFP_REQUEST_NS) == 0)
        {
          xmlUnlinkNode (node);
          xmlFreeNode (node);
        }
    }
  if (nics->len > 0)
    xmlAddChild (metadata, build_request (doc, nics, VFP_REQUEST_KEY));
  else if (metadata->children == NULL)
    {
      xmlUnlinkNode (metadata);
      xmlFreeNode (metadata);
    }
  *out = node_to_string (doc, root);
  return TRUE;
}

/* Run the result through the parser the hook uses: what we write is what
 * will start (pool names, value ranges, MACs, the nic limit). */
static gboolean
check_domain_xml (const char *xml, guint *n_nics, GError **error)
{
  g_autoptr (VfpDomXml) dom = NULL;
  g_autoptr (VfpRequest) req = NULL;

  if (!vfp_domxml_parse (xml, strlen (xml), &dom, error)
      || !vfp_request_read (dom, &req, error))
    return FALSE;
  *n_nics = req != NULL ? req->nics->len : 0;
  return TRUE;
}

/* Store @nics (none: drop the request), or with --dry-run only print the
 * domain XML it would give. */
static gboolean
write_request (VfpReqDomain *d, const VfpReqOpts *opts, GPtrArray *nics, GError **error)
{
  g_autofree char *preview = NULL;
  g_autofree char *metadata = NULL;
  g_autoptr (VfpLibvirtString) stored = NULL;
  guint n_nics = 0;

  if (!domain_with_request (d, opts->domain, nics, &preview, error)
      || !check_domain_xml (preview, &n_nics, error))
    return FALSE;
  if (opts->dry_run)
    {
      printf ("%s\n", preview);
      return TRUE;
    }
  if (nics->len > 0)
    metadata = request_to_metadata (nics);
  if (virDomainSetMetadata (d->dom, VIR_DOMAIN_METADATA_ELEMENT, metadata,
                            metadata != NULL ? VFP_REQUEST_KEY : NULL, VFP_REQUEST_NS,
                            VIR_DOMAIN_AFFECT_CONFIG) < 0)
    return domain_error (error, opts->domain);
  /* Read back what libvirt made of it (it re-namespaces the element with
   * the key) through the hook's parser: a request the hook would not see is
   * a failure here, not a surprise at the next start. */
  if ((stored = virDomainGetXMLDesc (d->dom, VIR_DOMAIN_XML_INACTIVE)) == NULL)
    return domain_error (error, opts->domain);
  if (!check_domain_xml (stored, &n_nics, error))
    {
      g_prefix_error (error, "domain '%s' as stored: ", opts->domain);
      return FALSE;
    }
  if (n_nics != nics->len)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "domain '%s': libvirt stored a request with %u nics instead of %u",
                   opts->domain, n_nics, nics->len);
      return FALSE;
    }
  if (opts->print)
    printf ("%s\n", stored);
  return TRUE;
}

/* A pool this host does not have is refused, naming the pools it has and
 * the closest one (a typo would give a domain that never starts); --force
 * writes it anyway (a domain meant for another host, a pool for later) with
 * a warning.  A broken pool, or pools that cannot be read, only warn: the
 * pool is there, it needs fixing. */
static gboolean
check_pool (VfpCtl *ctl, const char *domain, const char *pool, gboolean force,
            GError **error)
{
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!vfp_config_load (ctl->ctx->config_dir, ctl->ctx->sysfs_root, &config, &local_error))
    {
      fprintf (stderr, "vfpoolctl: warning: cannot check pool '%s' (%s), ignoring\n",
               pool, local_error->message);
      return TRUE;
    }
  if (vfp_config_find_broken (config, pool) != NULL || config->unsafe != NULL)
    {
      vfp_config_get_pool (config, pool, &local_error);
      fprintf (stderr, "vfpoolctl: warning: domain '%s': %s; it will not start here until "
               "the pool is fixed\n", domain, local_error->message);
      return TRUE;
    }
  if (vfpctl_pool_check_known (config, pool, &local_error))
    return TRUE;
  if (!force)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                   "domain '%s': %s; --force writes it anyway", domain, local_error->message);
      return FALSE;
    }
  fprintf (stderr, "vfpoolctl: warning: domain '%s': %s; it will not start here until "
           "there is one\n", domain, local_error->message);
  return TRUE;
}

/* --dry-run and --print, the same in both commands. */
#define VFPCTL_REQ_OUTPUT_ENTRIES(opts) \
  { "dry-run", 0, 0, G_OPTION_ARG_NONE, &(opts).dry_run, \
    "print the domain XML it would store, change nothing", NULL }, \
  { "print", 0, 0, G_OPTION_ARG_NONE, &(opts).print, \
    "store it and print the domain XML as libvirt stored it", NULL }

/* Parse the options and the DOMAIN, with the checks both commands share. */
static int
parse_common (int *argc, char ***argv, const GOptionEntry *entries, gpointer callback_data,
              const char *summary, VfpReqOpts *opts)
{
  int status = vfpctl_parse_domain_options (argc, argv, entries, callback_data, summary,
                                            &opts->domain);

  if (status != VFPCTL_EXIT_OK)
    return status;
  if (opts->dry_run && opts->print)
    return vfpctl_usage ((*argv)[0], "--dry-run and --print exclude each other");
  return VFPCTL_EXIT_OK;
}

int
vfpctl_request (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) nics = NULL;
  g_autoptr (GPtrArray) attrs = g_ptr_array_new_with_free_func (g_free);
  g_auto (VfpReqDomain) d = { NULL, NULL };
  VfpReqOpts opts = { FALSE, FALSE, NULL };
  const char *pool;
  gboolean force = FALSE;
  int status;
  const GOptionEntry entries[] = {
    VFPCTL_NIC_ENTRIES,
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      "write it even if this host has no such pool", NULL },
    VFPCTL_REQ_OUTPUT_ENTRIES (opts),
    G_OPTION_ENTRY_NULL
  };

  if ((status = parse_common (&argc, &argv, entries, attrs,
                              "Add a nic to the vfpool request of a defined domain (through "
                              "libvirt; from its next start).", &opts)) != VFPCTL_EXIT_OK)
    return status;
  /* a bad value is a usage error too: nothing was read or written yet */
  if (!vfpctl_nic_check_attrs (opts.domain, attrs, &error))
    return vfpctl_usage_fail (argv[0], error);
  pool = vfpctl_nic_attr (attrs, "pool");
  if (!check_pool (ctl, opts.domain, pool, force, &error))
    return vfpctl_fail (error);
  if (!open_domain (ctl, opts.domain, &d, &error)
      || !read_request (&d, opts.domain, &nics, &error))
    return vfpctl_fail (error);
  g_ptr_array_add (nics, g_steal_pointer (&attrs));
  if (!write_request (&d, &opts, nics, &error))
    return vfpctl_fail (error);
  if (!opts.dry_run && !opts.print)
    printf ("domain '%s': nic %u asks for a VF from pool '%s'%s\n", opts.domain,
            nics->len - 1, pool,
            virDomainIsActive (d.dom) == 1 ? " (from its next start)" : "");
  return 0;
}

/* A nic without mac= gets the MAC derived from the domain UUID and its
 * index; the nics after a removed one move up an index, and their MACs
 * would change under the guest.  Before removing nic @removed, the later
 * nics that derive theirs get it written down as mac=, so they keep it. */
static gboolean
pin_derived_macs (VfpReqDomain *d, const char *domain, GPtrArray *nics, guint removed,
                  GError **error)
{
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (virDomainGetUUIDString (d->dom, uuid) < 0)
    return domain_error (error, domain);
  for (guint i = removed + 1; i < nics->len; i++)
    {
      GPtrArray *attrs = nics->pdata[i];
      guint8 mac[6];

      if (vfpctl_nic_attr (attrs, VFP_ATTR_MAC) != NULL)
        continue;
      vfp_mac_derive (uuid, i, mac);
      g_ptr_array_add (attrs, g_strdup (VFP_ATTR_MAC));
      g_ptr_array_add (attrs, vfp_mac_to_string (mac));
    }
  return TRUE;
}

int
vfpctl_unrequest (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) nics = NULL;
  g_auto (VfpReqDomain) d = { NULL, NULL };
  VfpReqOpts opts = { FALSE, FALSE, NULL };
  g_autofree char *nic_opt = NULL;
  guint nic = 0;
  int status;
  const GOptionEntry entries[] = {
    { "nic", 0, 0, G_OPTION_ARG_STRING, &nic_opt,
      "remove only nic N (default: the whole request)", "N" },
    VFPCTL_REQ_OUTPUT_ENTRIES (opts),
    G_OPTION_ENTRY_NULL
  };

  if ((status = parse_common (&argc, &argv, entries, NULL,
                              "Remove one nic, or the whole vfpool request, of a defined "
                              "domain.", &opts)) != VFPCTL_EXIT_OK)
    return status;
  if (nic_opt != NULL && !vfpctl_nic_parse_index (nic_opt, &nic, &error))
    return vfpctl_usage_fail (argv[0], error);
  if (!open_domain (ctl, opts.domain, &d, &error)
      || !read_request (&d, opts.domain, &nics, &error))
    return vfpctl_fail (error);
  if (nics->len == 0 && !opts.dry_run)
    {
      /* nothing to remove is what was asked for: success, said plainly */
      printf ("domain '%s' has no vfpool request\n", opts.domain);
      return 0;
    }
  if (nic_opt != NULL)
    {
      if (nic >= nics->len)
        {
          g_set_error (&error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                       "domain '%s' has no nic %u in its request (it has %u)",
                       opts.domain, nic, nics->len);
          return vfpctl_fail (error);
        }
      if (!pin_derived_macs (&d, opts.domain, nics, nic, &error))
        return vfpctl_fail (error);
      g_ptr_array_remove_index (nics, nic);
    }
  else
    g_ptr_array_set_size (nics, 0);
  if (!write_request (&d, &opts, nics, &error))
    return vfpctl_fail (error);
  if (!opts.dry_run && !opts.print)
    {
      if (nic_opt != NULL && nics->len > 0)
        /* nics are numbered by position: the ones after it move up, with
         * the MACs they had (pin_derived_macs) */
        printf ("domain '%s': nic %u removed from the request (%u left; the nics after "
                "it keep their MACs)\n", opts.domain, nic, nics->len);
      else
        printf ("domain '%s': vfpool request removed\n", opts.domain);
      if (virDomainIsActive (d.dom) == 1)
        printf ("the running domain keeps its VFs until it stops\n");
    }
  return 0;
}
