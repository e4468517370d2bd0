/* vfpoolctl-netsync.h: the network checks doctor shares with net-sync. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include "vfpoolctl.h"
#include "vfp-doctor.h"

G_BEGIN_DECLS

/* One doctor check per network-backed pool's network (and per network of
 * vfpool's whose pool is no longer network=yes): missing, inactive, not
 * autostarted, VF list or managed= out of step, not vfpool's. */
void vfpctl_net_check (VfpCtl *ctl, virConnectPtr conn, VfpConfig *config, GPtrArray *report);

G_END_DECLS
