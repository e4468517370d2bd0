/* vfp-attach.h: the decisions of vfpoolctl attach / detach on a running
 * domain that need no libvirt: which nic a detach means, and which lease
 * it frees (the libvirt calls are in tools/vfpoolctl-attach.c). */
#pragma once

#include <glib.h>
#include "vfp-context.h"
#include "vfp-domxml.h"
#include "vfp-lease.h"

G_BEGIN_DECLS

/* The vfpool nic of running domain @live to detach: @want when
 * @have_want, else the only one.  The nics are those with a device in the
 * live XML and those the domain holds a lease for in @leases (a device gone
 * already: a detach timed out and the guest let go since); *@plugged says
 * whether its device is still there.  Refused (one line naming the domain):
 * no such nic, no vfpool nic at all, several and none named (they are
 * listed), and a nic that is not the last of the request — nics are
 * numbered by their place in the request, so removing an earlier one would
 * renumber the later ones, whose aliases name them for the whole run. */
gboolean vfp_attach_pick_nic (VfpDomXml *live, GPtrArray *leases, gboolean have_want,
                              guint want, guint *nic, gboolean *plugged, GError **error);

/* Every nic of a domain with a device in @devices (vfp_domxml_list_devices
 * of its live XML) or a lease in @leases (its leases), sorted, each once: a
 * leased nic without a device is one whose earlier detach timed out and
 * whose guest let go since. */
GArray *vfp_attach_list_nics (GPtrArray *devices, GPtrArray *leases);
/* The device of nic @nic among @devices, NULL when none. */
const VfpDomDevice *vfp_attach_find_device (GPtrArray *devices, guint nic);

/* The lease of nic @nic among @leases (a domain's), NULL when none. */
VfpLease *vfp_attach_find_lease (GPtrArray *leases, guint nic);

G_END_DECLS
