/* vfp-netport.h: the network hook's operations for network-backed pools
 * (network=yes): libvirt picked a VF of network "vfpool-POOL" for a domain's
 * <interface type='network'>; vfpool leases it in the same store as a
 * request's VF, applies the pool's knobs libvirt has no syntax for, and
 * restores them when the port goes.  libvirt keeps doing MAC and VLAN. */
#pragma once

#include <glib.h>
#include "vfp-context.h"
#include "vfp-netxml.h"

G_BEGIN_DECLS

/* port-created begin: lease @port's VF for its owner (start id = the port's
 * UUID), check allow=, save the VF's state and apply the pool's knobs (MAC
 * and VLAN excluded).  Refused (FALSE, a one-line error naming the network,
 * domain and VF): a port of a pool that is unknown, broken or not
 * network=yes, a plug that is not hostdev-pci, a VF that is not in the pool,
 * a domain allow= does not admit, a VF leased to anyone else (a second port
 * on one VF).  The same port created again is success, nothing redone.  On
 * failure nothing stays leased or changed.  The caller checked that vfpool
 * owns the network (vfp_net_info_owner_pool). */
gboolean vfp_netport_created (VfpContext *ctx, const VfpNetPort *port, GError **error);

/* port-deleted begin: restore and free the lease of @port's VF if it is
 * this port's (never another port's or a request's).  A VF whose restore
 * fails is quarantined, with a line in @warnings.  *@released: whether a
 * lease went. */
gboolean vfp_netport_deleted (VfpContext *ctx, const VfpNetPort *port, GPtrArray *warnings,
                              gboolean *released, GError **error);

G_END_DECLS
