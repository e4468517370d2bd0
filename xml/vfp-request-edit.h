/* vfp-request-edit.h: edit the vfpool request of a (live) domain XML the way
 * vfpoolctl attach / detach change it, and the <request> element libvirt's
 * virDomainSetMetadata takes for it. */
#pragma once

#include <glib.h>
#include "vfp-domxml.h"

G_BEGIN_DECLS

/* Append a <nic> with @attrs (name, value, name, value…) as the last nic of
 * @dom's request, creating <metadata> and the request when missing, and
 * check the result with the hook's parser (vfp_request_read): a nic the hook
 * would refuse is refused here.  *@index: the new nic's index. */
gboolean vfp_request_edit_append (VfpDomXml *dom, GPtrArray *attrs, guint *index,
                                  GError **error);

/* Remove nic @index from @dom's request (VFP_ERROR_NOT_FOUND if absent). */
gboolean vfp_request_edit_remove (VfpDomXml *dom, guint index, GError **error);

/* The request of @dom as the plain <request><nic …/></request> text
 * virDomainSetMetadata wants (it adds the namespace and key itself), every
 * attribute as written; NULL when the request has no nic (drop it). */
char *vfp_request_edit_metadata (VfpDomXml *dom);

/* Replace the request of @dom by @metadata (text from
 * vfp_request_edit_metadata, NULL: none), stored the way libvirt stores it
 * (prefix "vfpool").  For the CLI's record seam, which plays libvirt. */
gboolean vfp_request_edit_replace (VfpDomXml *dom, const char *metadata, GError **error);

G_END_DECLS
