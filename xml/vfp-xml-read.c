/* vfp-xml-read.c: safe reading of libvirt XML and the tree helpers its
 * readers share (vfp-domxml.c, vfp-netport.c). */
#include "config.h"

#include "vfp-xml-read.h"
#include "vfp-error.h"

#include <errno.h>
#include <string.h>

/* What the per-parse libxml2 callbacks learn; lives in ctxt->_private. */
typedef struct {
  gboolean saw_dtd;
  int err_line;
  char *err_message;    /* first error libxml2 reported, NULL when none */
} VfpParseState;

/* ---- small tree helpers ------------------------------------------------- */

/* libvirt's own elements have no namespace; an element with the same local
 * name in another namespace (e.g. inside <metadata>) is not one of them. */
gboolean
vfp_xml_is_elem (const xmlNode *node, const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL
         && xmlStrEqual (node->name, (const xmlChar *) name);
}

xmlNode *
vfp_xml_first_child (const xmlNode *parent, const char *name)
{
  if (parent == NULL)
    return NULL;
  for (xmlNode *n = parent->children; n != NULL; n = n->next)
    if (vfp_xml_is_elem (n, name))
      return n;
  return NULL;
}

/* Attribute value as a GLib string (NULL when absent). */
char *
vfp_xml_get_prop (const xmlNode *node, const char *name)
{
  g_autoptr (xmlChar) value = xmlGetNoNsProp (node, (const xmlChar *) name);

  return value != NULL ? g_strdup ((const char *) value) : NULL;
}

char *
vfp_xml_get_content (const xmlNode *node)
{
  g_autoptr (xmlChar) text = xmlNodeGetContent (node);

  return g_strdup (text != NULL ? (const char *) text : "");
}

/* Number as libvirt reads it: base 0 lets "0x03" and "3" mean the same bus.
 * Signs and leading blanks, which g_ascii_strtoull would accept, are not. */
gboolean
vfp_xml_parse_number (const char *text, guint base, guint max, guint *out)
{
  guint64 n;
  char *end = NULL;

  if (text == NULL || !g_ascii_isdigit (text[0]))
    return FALSE;
  errno = 0;
  n = g_ascii_strtoull (text, &end, base);
  if (errno != 0 || end == text || *end != '\0' || n > max)
    return FALSE;
  *out = (guint) n;
  return TRUE;
}

char *
vfp_xml_address_pci (const xmlNode *addr)
{
  static const char *const attrs[] = { "domain", "bus", "slot", "function" };
  static const guint max[] = { 0xffff, 0xff, 0x1f, 0x7 };
  guint v[4] = { 0, 0, 0, 0 };

  if (addr == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (attrs); i++)
    {
      g_autofree char *text = vfp_xml_get_prop (addr, attrs[i]);

      if (text != NULL && !vfp_xml_parse_number (text, 0, max[i], &v[i]))
        return NULL;
    }
  return g_strdup_printf ("%04x:%02x:%02x.%x", v[0], v[1], v[2], v[3]);
}

/* ---- safe parsing ------------------------------------------------------- */

/* Structured error handler of our parser context only: libxml2 would
 * otherwise print to the hook's stderr, which libvirt shows the user. */
static void
vfp_on_xml_error (void *user_data, xmlError *err)
{
  xmlParserCtxt *ctxt = user_data;
  VfpParseState *state = ctxt != NULL ? ctxt->_private : NULL;

  if (state == NULL || err == NULL || err->level < XML_ERR_ERROR
      || state->err_message != NULL)
    return;
  state->err_line = err->line;
  /* Some messages span lines ("Input is not proper UTF-8, indicate
   * encoding !\nBytes: …"): the caller's error is one line (found by
   * fuzz-hookdata). */
  state->err_message = g_strdelimit (g_strstrip (g_strdup (err->message != NULL
                                                            ? err->message
                                                            : "unknown error")),
                                     "\r\n", ' ');
}

/* Called at <!DOCTYPE …> before any entity in it is declared: stopping here
 * means an entity bomb is never even read. */
static void
vfp_on_internal_subset (void *user_data, const xmlChar *name,
                        const xmlChar *external_id, const xmlChar *system_id)
{
  xmlParserCtxt *ctxt = user_data;
  VfpParseState *state = ctxt->_private;

  state->saw_dtd = TRUE;
  xmlStopParser (ctxt);
}

/* Second line of defence: whatever the parser let through, a tree holding a
 * DTD or entity node is refused. */
static gboolean
vfp_tree_has_dtd_or_entity (xmlDoc *doc)
{
  xmlNode *node;

  if (doc->intSubset != NULL || doc->extSubset != NULL)
    return TRUE;

  node = doc->children;
  while (node != NULL)
    {
      switch (node->type)
        {
        case XML_DTD_NODE:
        case XML_ENTITY_REF_NODE:
        case XML_ENTITY_NODE:
        case XML_ENTITY_DECL:
          return TRUE;
        default:
          break;
        }
      /* iterative pre-order walk: depth is attacker-controlled */
      if (node->type == XML_ELEMENT_NODE && node->children != NULL)
        {
          node = node->children;
          continue;
        }
      while (node != NULL && node->next == NULL)
        {
          node = node->parent;
          if (node == NULL || node->type == XML_DOCUMENT_NODE)
            return FALSE;
        }
      if (node != NULL)
        node = node->next;
    }
  return FALSE;
}

char *
vfp_xml_uuid_normalise (const char *text)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  gsize len = strlen (copy);
  GString *out;
  guint digits = 0;

  if (len != 36 && len != 32)
    return NULL;
  out = g_string_sized_new (36);
  for (gsize i = 0; i < len; i++)
    {
      char c = copy[i];

      if (len == 36 && (i == 8 || i == 13 || i == 18 || i == 23))
        {
          if (c != '-')
            break;
          continue;
        }
      if (!g_ascii_isxdigit (c))
        break;
      if (digits == 8 || digits == 12 || digits == 16 || digits == 20)
        g_string_append_c (out, '-');
      g_string_append_c (out, g_ascii_tolower (c));
      digits++;
    }
  if (digits != 32)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

gboolean
vfp_xml_read_safe (const char *data, gsize len, gsize max_size, const char *what,
                   xmlDoc **out, GError **error)
{
  /* No NOENT/DTDLOAD/DTDATTR: nothing is substituted or fetched; blanks are
   * kept so a filtered document comes back as the user wrote it. */
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  g_autoptr (xmlParserCtxt) ctxt = NULL;
  g_autoptr (xmlDoc) doc = NULL;
  VfpParseState state = { FALSE, 0, NULL };
  g_autofree char *err_message = NULL;

  if (len > max_size)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "%s is %" G_GSIZE_FORMAT " bytes, over the %" G_GSIZE_FORMAT "-byte limit",
                   what, len, max_size);
      return FALSE;
    }
  if (data == NULL)
    {
      data = "";
      len = 0;
    }

  xmlInitParser ();
  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "cannot create an XML parser (out of memory)");
      return FALSE;
    }
  ctxt->_private = &state;
  ctxt->sax->serror = vfp_on_xml_error;
  ctxt->sax->internalSubset = vfp_on_internal_subset;

  doc = xmlCtxtReadMemory (ctxt, data, (int) len, NULL, NULL, options);
  err_message = g_steal_pointer (&state.err_message);

  if (state.saw_dtd || (doc != NULL && vfp_tree_has_dtd_or_entity (doc)))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "%s has a DTD or entities, which vfpool refuses", what);
      return FALSE;
    }
  if (doc == NULL || !ctxt->wellFormed)
    {
      if (err_message != NULL)
        g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                     "%s is not well-formed: line %d: %s", what, state.err_line, err_message);
      else
        g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "%s is not well-formed", what);
      return FALSE;
    }
  *out = g_steal_pointer (&doc);
  return TRUE;
}
