/* vfp-config.h: the pool configuration, CONFIG_DIR/pools.d/ *.conf (GKeyFile,
 * one [pool NAME] group per pool), validated and resolved against sysfs. */
#pragma once

#include <glib.h>
#include "vfp-host.h"
#include "vfp-vf-config.h"
#include "vfp-domxml.h"

G_BEGIN_DECLS

typedef struct {
  char *name;
  char *file;               /* where it was defined, for messages */
  VfpVfConfig defaults;     /* knobs the pool sets: binding unless overridable */
  guint overridable;        /* VFP_OVERRIDE_* bits: knobs a request may change */
  GArray *vlans;            /* guint VLAN ids a request may ask for; NULL = any */
  char *vlans_text;         /* vlans= as written, for messages */
  VfpDeviceForm form;       /* mode=hostdev|interface */
  gboolean managed;         /* managed=yes: libvirt (un)binds vfio-pci per start;
                             * no: VFs stay on vfio-pci (vfpoolctl vfio-bind) */
  GStrv allow;              /* domain name globs or UUIDs; NULL = any domain */
  gboolean require_link;    /* require-link=yes: never a VF of a PF whose link is
                             * down (no: such VFs only rank last) */
  VfpFailover failover;     /* failover=yes|no; UNSET: the request decides (no) */
  char *failover_network;   /* failover-network=: the standby's libvirt network */
  gboolean network;         /* network=yes: served through the libvirt network
                             * VFP_NETWORK_PREFIX + name (the network hook), never
                             * through a request */
  GPtrArray *pfs;           /* VfpPf*, owned */
  GPtrArray *members;       /* VfpVf* (borrowed from pfs), in config order */
  GPtrArray *unread;        /* vfp_config_load_pools(): the pfs= items (char *
                             * "PCI ITEM") of a pool not asked for whose PF no
                             * asked-for pool has, not read; NULL otherwise */
} VfpPool;

/* A pool (or a file) that could not be loaded.  It keeps only its own
 * domains from starting: the other pools stay usable. */
typedef struct {
  char *name;               /* pool name, NULL when none could be read */
  char *file;
  char *reason;             /* one line naming file, group, key and value */
} VfpBrokenPool;

typedef struct {
  char *dir;                /* CONFIG_DIR/pools.d, for messages */
  GPtrArray *pools;         /* VfpPool*, sorted by name */
  GPtrArray *broken;        /* VfpBrokenPool*, in file order */
  char *unsafe;             /* why all of pools.d is refused, or NULL */
} VfpConfig;

/* Read every *.conf in @config_dir/pools.d (a missing directory means no
 * pools) and resolve PFs under @sysfs_root.  Each pool loads on its own: a
 * bad file, a bad key, a PF without VFs or two pools sharing a VF go to
 * config->broken with the reason (VFP_ERROR_INVALID_CONFIG wording, naming
 * the file, group, key and value), e.g.
 *   /etc/vfpool/pools.d/a.conf: [pool a] pfs=ens1f0#3-1: pfs 'ens1f0#3-1': VF range '3-1' is backwards
 * Pool files change how root programs NICs, so a pools.d, a file or a
 * symlink target that someone other than root or the caller owns or may
 * write is refused (config->unsafe, or a broken entry).  Fails only when
 * pools.d exists but cannot be read. */
gboolean vfp_config_load (const char *config_dir, const char *sysfs_root,
                          VfpConfig **out, GError **error);

/* vfp_config_load() for one call that uses only the pools named in
 * @wanted (NULL: every pool): the other pools are parsed and checked as
 * usual, but of their PFs only those that an asked-for pool also lists are
 * read (the two-pools-share-a-VF check needs them); the others cost one
 * readlink for their PCI address and stay in pool->unread, and their
 * errors (a missing PF, SR-IOV off) are not found.  The hook's start reads
 * only its request's pools this way: a host with many pools does not pay
 * for every PF on every start.  @skip: PF facts the caller never looks at
 * (VfpPfFacts), left unread for every PF. */
gboolean vfp_config_load_pools (const char *config_dir, const char *sysfs_root,
                                const char *const *wanted, VfpPfFacts skip, VfpConfig **out,
                                GError **error);

/* TRUE when the config has broken pools or an unsafe pools.d. */
gboolean vfp_config_has_broken (const VfpConfig *config);

VfpPool *vfp_config_find_pool (VfpConfig *config, const char *name);
/* The broken entry for pool @name, or NULL. */
VfpBrokenPool *vfp_config_find_broken (VfpConfig *config, const char *name);
/* The pool @name, or NULL with VFP_ERROR_INVALID_REQUEST saying why there is
 * none to use: "unknown pool 'P' (pools are defined in DIR)" or "pool 'P' is
 * broken: REASON".  Callers prefix the domain and nic. */
VfpPool *vfp_config_get_pool (VfpConfig *config, const char *name, GError **error);
/* The member of @pool at PCI address @vf_pci, or NULL; a lookup by
 * routing ID per PF, not a walk of the members. */
VfpVf *vfp_pool_find_member (const VfpPool *pool, const char *vf_pci);
/* The pool and member a VF PCI address belongs to, or NULL. */
VfpPool *vfp_config_find_vf (VfpConfig *config, const char *vf_pci, VfpVf **vf_out);

/* TRUE if the domain (@name, @uuid) may draw from @pool: a UUID-shaped
 * allow= item matches the UUID only, any other item is a glob on the name. */
gboolean vfp_pool_allows (VfpPool *pool, const char *name, const char *uuid);

/* Names for overridable=, one bit per attribute, in the order of the
 * attribute table in vfp-config.c. */
typedef enum {
  VFP_OVERRIDE_MAC         = 1 << 0,
  VFP_OVERRIDE_VLAN        = 1 << 1,
  VFP_OVERRIDE_QOS         = 1 << 2,
  VFP_OVERRIDE_VLAN_PROTO  = 1 << 3,
  VFP_OVERRIDE_SPOOFCHK    = 1 << 4,
  VFP_OVERRIDE_TRUST       = 1 << 5,
  VFP_OVERRIDE_MIN_TX_RATE = 1 << 6,
  VFP_OVERRIDE_MAX_TX_RATE = 1 << 7,
  VFP_OVERRIDE_LINK_STATE  = 1 << 8,
  VFP_OVERRIDE_FAILOVER    = 1 << 9,  /* not a VF knob: the device form */
} VfpOverride;

/* The standby's network when the pool names none. */
#define VFP_FAILOVER_NETWORK_DEFAULT "default"

/* What a nic asking @asked from @pool gets: the pool's knobs with the
 * request's on top.  A knob the pool sets is binding: asking another value
 * fails unless the pool lists it in overridable= (setting vlan binds qos and
 * vlan-proto too, setting either rate binds both).  With vlans= the result's
 * VLAN must be one of them.  failover follows the same rule: the pool's
 * failover= binds unless overridable= lists failover, and without one the
 * request's @asked_failover decides; *@failover gets the result.  Errors are
 * VFP_ERROR_INVALID_REQUEST naming the pool, knob, both values and the fix;
 * callers prefix "domain 'X' nic N: ".  The start path, restore, explain and
 * doctor all decide through this. */
gboolean vfp_pool_resolve_request (const VfpPool *pool, const VfpVfConfig *asked,
                                   VfpFailover asked_failover, VfpVfConfig *want,
                                   gboolean *failover, GError **error);

/* "pool 'P' is broken: REASON" (or "file F is broken: …" without a name). */
char *vfp_broken_pool_describe (const VfpBrokenPool *broken);
void vfp_broken_pool_free (VfpBrokenPool *broken);

void vfp_config_free (VfpConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpConfig, vfp_config_free)

G_END_DECLS
