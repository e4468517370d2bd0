/* vfp-liveness.h: is a lease's owner still running?  Decided without calling
 * libvirt (usable from the hook): boot id, the QEMU pid and its command
 * line, libvirt's own pid file. */
#pragma once

#include <glib.h>
#include "vfp-context.h"
#include "vfp-lease.h"

G_BEGIN_DECLS

typedef enum {
  VFP_OWNER_UNKNOWN,   /* cannot tell (e.g. a start still in progress) */
  VFP_OWNER_ALIVE,
  VFP_OWNER_GONE,
} VfpOwnerState;

/* Leases younger than this without a QEMU pid may belong to a start in
 * progress (prepare runs before QEMU exists). */
#define VFP_LIVENESS_GRACE_SECONDS 300

VfpOwnerState vfp_liveness_check (VfpContext *ctx, const VfpLease *lease,
                                  const char *boot_id, gint64 now);

/* The QEMU pid of running domain @name from libvirt's pid file
 * RUNDIR/NAME.pid, 0 if none.  Any name libvirt accepts works (spaces,
 * non-ASCII); the file is read only as a small regular file directly in the
 * run dir, never through a symlink.  Whose QEMU it is, vfp_liveness_check
 * decides by -uuid. */
gint64 vfp_liveness_read_qemu_pid (VfpContext *ctx, const char *name);

/* The one rule for whether a lease's VF may be taken back, so reconcile and
 * `vfpoolctl release` cannot disagree: @local is vfp_liveness_check, @remote
 * what libvirt says (VFP_OWNER_UNKNOWN when it could not be asked).  ALIVE if
 * either sees the domain run; UNKNOWN ("may be starting") if the lease cannot
 * tell and libvirt did not say it is gone; GONE otherwise. */
VfpOwnerState vfp_liveness_combine (VfpOwnerState local, VfpOwnerState remote);


G_END_DECLS
