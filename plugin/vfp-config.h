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
  VfpVfConfig defaults;     /* request knobs the pool sets by default */
  VfpDeviceForm form;       /* mode=hostdev|interface */
  gboolean managed;         /* managed=yes: libvirt (un)binds vfio-pci per start;
                             * no: VFs stay on vfio-pci (vfpoolctl vfio-bind) */
  GStrv allow;              /* domain name globs or UUIDs; NULL = any domain */
  GPtrArray *pfs;           /* VfpPf*, owned */
  GPtrArray *members;       /* VfpVf* (borrowed from pfs), in config order */
} VfpPool;

typedef struct {
  GPtrArray *pools;         /* VfpPool*, sorted by name */
} VfpConfig;

/* Read every *.conf in @config_dir/pools.d (a missing directory means no
 * pools) and resolve PFs under @sysfs_root.  Errors are
 * VFP_ERROR_INVALID_CONFIG (or NOT_FOUND for a missing PF) and name the file,
 * group, key and value:
 *   /etc/vfpool/pools.d/a.conf: [pool a] pfs: VF range '3-1' is backwards */
gboolean vfp_config_load (const char *config_dir, const char *sysfs_root,
                          VfpConfig **out, GError **error);

VfpPool *vfp_config_find_pool (VfpConfig *config, const char *name);
/* The pool and member a VF PCI address belongs to, or NULL. */
VfpPool *vfp_config_find_vf (VfpConfig *config, const char *vf_pci, VfpVf **vf_out);

/* TRUE if the domain (@name, @uuid) may draw from @pool: a UUID-shaped
 * allow= item matches the UUID only, any other item is a glob on the name. */
gboolean vfp_pool_allows (VfpPool *pool, const char *name, const char *uuid);

void vfp_config_free (VfpConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpConfig, vfp_config_free)

G_END_DECLS
