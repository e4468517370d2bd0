/* vfp-context.h: everything a vfpool operation needs to know about where it
 * runs (sysfs root, directories, netlink backend, libvirt).  There is no
 * global state: main() fills one of these, from the environment if it wants,
 * and passes it down. */
#pragma once

#include <glib.h>
#include "vfp-netlink.h"

G_BEGIN_DECLS

typedef struct {
  char *sysfs_root;     /* "/sys" */
  char *config_dir;     /* holds pools.d/ */
  char *state_dir;      /* leases (runtime, cleared at boot) */
  char *history_dir;    /* sticky history (persistent) */
  char *netlink_spec;   /* NULL/"kernel" or "fake:FILE" */
  char *libvirt_uri;    /* "qemu:///system", or "record:FILE" for tests */
  char *boot_id_path;   /* "/proc/sys/kernel/random/boot_id" */
  char *libvirt_run_dir;/* "/run/libvirt/qemu": NAME.pid of running domains */
  char *proc_root;      /* "/proc" */
  VfpNetlink *netlink;  /* opened on first use by vfp_context_get_netlink() */
  char *fault_point;    /* crash point to die at (fault-injection builds only) */
  guint fault_hits;     /* times fault_point was reached in this process */
  char *stats_path;     /* VFPOOL_STATS: where the hook appends its counters */
  guint lost_claims;    /* VFs ranked free but leased by a concurrent start
                         * by the time this process came to claim them */
} VfpContext;

/* Defaults from configure. */
VfpContext *vfp_context_new (void);

/* Override defaults from an environment block (VFPOOL_SYSFS_ROOT,
 * VFPOOL_CONFIG_DIR, VFPOOL_STATE_DIR, VFPOOL_HISTORY_DIR, VFPOOL_NETLINK,
 * VFPOOL_LIBVIRT_URI, VFPOOL_BOOT_ID_FILE, VFPOOL_LIBVIRT_RUN_DIR,
 * VFPOOL_PROC_ROOT, VFPOOL_STATS (a benchmark aid: the file the hook
 * appends lost-claims=N to), and VFPOOL_FAULT: the crash point of
 * vfp-fault.h, used only by fault-injection builds).  Only main() calls this, with its own
 * environ. */
void vfp_context_apply_environ (VfpContext *ctx, char **envp);

VfpNetlink *vfp_context_get_netlink (VfpContext *ctx, GError **error);

/* The kernel boot id (to tell leases of an earlier boot). */
char *vfp_context_read_boot_id (VfpContext *ctx, GError **error);

void vfp_context_free (VfpContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpContext, vfp_context_free)

G_END_DECLS
