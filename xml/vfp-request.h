/* vfp-request.h: the VF request in a domain's <metadata> (namespace
 * urn:vfpool:domain:1, docs/DESIGN.md §3), read and validated. */
#pragma once

#include <glib.h>
#include "vfp-vf-config.h"
#include "vfp-domxml.h"

G_BEGIN_DECLS

struct _xmlNode;

/* More nics than this in one request is refused (a VM cannot take them). */
#define VFP_REQUEST_MAX_NICS 32
/* A bond name is a label inside one domain's request, shown in messages:
 * as long as a Linux interface name (the guest's bond0). */
#define VFP_BOND_NAME_MAX 15

typedef struct {
  guint index;          /* position in the request, 0-based: the N of ua-vfpool-N */
  char *pool;
  char *bond;           /* bond="NAME": its nics get VFs on distinct ports; NULL */
  VfpFailover failover; /* failover="yes|no"; UNSET: the pool decides */
  VfpVfConfig cfg;      /* only what the nic names; MAC derived if absent */
} VfpNicRequest;

typedef struct {
  GPtrArray *nics;      /* VfpNicRequest* */
} VfpRequest;

/* Read the request of @dom.  *@out = NULL (and TRUE) when the domain has no
 * request.  Each nic's cfg has every attribute it names; when it names no
 * MAC, the MAC derived from the domain UUID and the nic index is set.
 * Errors (VFP_ERROR_INVALID_REQUEST) name the domain, the nic index and the
 * bad attribute and value, e.g.
 *   domain 'web1' nic 0: vlan '4095' is out of range 0-4094
 * Refused: unknown attributes, a missing or empty pool, VLAN outside 0-4094,
 * qos outside 0-7, a bond that is not 1-VFP_BOND_NAME_MAX letters, digits,
 * '.', '_' or '-', a malformed or multicast or all-zero MAC, rates that are
 * not numbers, failover other than yes or no, two <request> elements, more
 * than VFP_REQUEST_MAX_NICS nics. */
gboolean vfp_request_read (VfpDomXml *dom, VfpRequest **out, GError **error);

/* TRUE when @name is a valid bond= value; else the error (without domain
 * and nic, which the caller adds). */
gboolean vfp_request_check_bond (const char *name, GError **error);

/* Internal to xml/: the <request> node under @root's <metadata> (*@out NULL
 * when none); refuses two of them. */
gboolean vfp_find_request (struct _xmlNode *root, const char *dom_name,
                           struct _xmlNode **out, GError **error);

void vfp_request_free (VfpRequest *req);
void vfp_nic_request_free (VfpNicRequest *nic);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpRequest, vfp_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpNicRequest, vfp_nic_request_free)

G_END_DECLS
