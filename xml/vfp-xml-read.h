/* vfp-xml-read.h: reading untrusted libvirt XML (a domain, a network hook's
 * <hookData>) safely — no network, no DTD, no entities, a size cap — and the
 * small tree helpers every reader of libvirt's elements shares. */
#pragma once

#include <glib.h>
#include "vfp-xml-util.h"

G_BEGIN_DECLS

/* Parse @len bytes of @data (@what names the document in errors, e.g.
 * "domain XML").  Refuses: more than @max_size bytes, malformed XML, any
 * DTD, internal subset or entity.  Errors are VFP_ERROR_INVALID_REQUEST. */
gboolean vfp_xml_read_safe (const char *data, gsize len, gsize max_size, const char *what,
                            xmlDoc **out, GError **error);

/* An element of libvirt's (no namespace) named @name. */
gboolean vfp_xml_is_elem (const xmlNode *node, const char *name);
/* The first child element of libvirt's named @name, or NULL. */
xmlNode *vfp_xml_first_child (const xmlNode *parent, const char *name);
/* Attribute value (no namespace), NULL when absent. */
char *vfp_xml_get_prop (const xmlNode *node, const char *name);
/* Text content, "" when empty. */
char *vfp_xml_get_content (const xmlNode *node);
/* A number as libvirt reads it: base 0 lets "0x03" and "3" mean the same.
 * No sign, no leading blank, at most @max. */
gboolean vfp_xml_parse_number (const char *text, guint base, guint max, guint *out);
/* "DDDD:BB:SS.F" of an <address domain= bus= slot= function=/> element
 * (missing attributes are 0, as libvirt reads them); NULL when malformed. */
char *vfp_xml_address_pci (const xmlNode *addr);
/* libvirt writes UUIDs dashed; 32 bare hex digits are accepted as well.
 * The canonical lower-case dashed form, NULL when malformed. */
char *vfp_xml_uuid_normalise (const char *text);

G_END_DECLS
