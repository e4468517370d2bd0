/* vfp-alloc.h: the allocation policy — which free VF of a pool a domain nic
 * gets.  Pure and deterministic: same inputs, same order. */
#pragma once

#include <glib.h>
#include "vfp-config.h"

G_BEGIN_DECLS

/* Candidates of @pool for one nic, best first: the @sticky_pci VF (if free),
 * then VFs on @numa_node (if >= 0), then VFs on the PF with the fewest leased
 * pool members, then lowest VF index.  VFs in @unavailable (leased or
 * quarantined PCI addresses) are left out.  Returns borrowed VfpVf*. */
GPtrArray *vfp_alloc_rank (VfpPool *pool, GHashTable *unavailable,
                           const char *sticky_pci, int numa_node);

G_END_DECLS
