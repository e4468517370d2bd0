/* vfpoolctl-plug.h: lease a VF for one nic of a running domain's request and
 * hot-plug it (attach, and migrate putting back what it took out). */
#pragma once

#include <glib.h>
#include "vfpoolctl.h"
#include "vfpoolctl-domain.h"
#include "vfp-lease.h"

G_BEGIN_DECLS

/* Lease and configure a VF for nic @nic of running domain @d, whose live
 * XML @live has the nic in its request (vfp_lifecycle_attach_nic: the
 * nic's pool and knobs), then plug it — a failover nic's virtio standby
 * first when the live XML has none.  *@lease: the configured lease.  On
 * failure the VF is restored and released again — unless libvirt failed
 * but the device reached the guest, which @error then says (the lease
 * stays for release end). */
gboolean vfpctl_plug_nic (VfpCtl *ctl, VfpctlDomain *d, VfpDomXml *live, guint nic,
                          VfpLease **lease, GError **error);

G_END_DECLS
