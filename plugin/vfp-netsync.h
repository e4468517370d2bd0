/* vfp-netsync.h: what `vfpoolctl net-sync` must do to keep the libvirt
 * network "vfpool-POOL" of each network-backed pool in step with the pool,
 * and what `vfpoolctl doctor` reports as drift — decided here from what
 * libvirt shows, without libvirt, so both say the same. */
#pragma once

#include <glib.h>
#include "vfp-config.h"
#include "vfp-netxml.h"

G_BEGIN_DECLS

/* What libvirt has under the network's name. */
typedef struct {
  gboolean exists;
  gboolean persistent;
  gboolean active;
  gboolean autostart;
  VfpNetInfo *config;     /* persistent (inactive) XML, NULL if none */
  VfpNetInfo *live;       /* running XML, NULL when inactive */
} VfpNetState;

typedef struct {
  char *network;          /* VFP_NETWORK_PREFIX + pool */
  char *refusal;          /* non-NULL: left alone, this line says why */
  char *xml;              /* what to define (define) */
  gboolean define;        /* missing, or its definition is out of step */
  gboolean start;         /* defined but not running */
  gboolean restart;       /* running with other VFs, and no port in use */
  gboolean autostart;     /* autostart to be switched on */
  gboolean retire;        /* vfpool's network of a pool no longer network=yes:
                           * destroy (if running) and undefine */
  guint ports;            /* VFs leased through its ports now */
  GPtrArray *drift;       /* char *: one line per difference found */
} VfpNetPlan;

void vfp_net_plan_free (VfpNetPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpNetPlan, vfp_net_plan_free)

/* The plan for network-backed @pool (network=yes), @leases every lease
 * (VfpLease*).  Refused: a same-named network without vfpool's marker
 * (never overwritten), or VFs of the pool leased through vfpool requests
 * (the pool's mode switched with leases outstanding).  A running network
 * whose VFs differ is restarted only while no port is in use. */
VfpNetPlan *vfp_net_plan_pool (const VfpPool *pool, GPtrArray *leases, const VfpNetState *state);

/* The plan for @state, a network vfpool owns (vfp_net_info_owner_pool) whose
 * pool @pool_name is gone or no longer network=yes: retire it, refused while
 * VFs are leased through its ports. */
VfpNetPlan *vfp_net_plan_retire (const char *pool_name, GPtrArray *leases,
                                 const VfpNetState *state);

G_END_DECLS
