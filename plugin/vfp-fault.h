/* vfp-fault.h: crash points for the reliability tests (configure
 * --enable-fault-injection, or the copies tests/reliability builds). */
#pragma once

#include <glib.h>
#include "vfp-context.h"

G_BEGIN_DECLS

/* Every multi-step operation names the points between its steps.  In a build
 * with VFP_FAULT_INJECTION, reaching the point ctx->fault_point names
 * ("NAME", or "NAME:N" for its N-th hit in this process) kills the process
 * with SIGKILL: nothing is unwound, nothing is flushed, as in a real crash.
 * In every other build the call compiles to nothing. */
#ifdef VFP_FAULT_INJECTION
void vfp_fault_point (VfpContext *ctx, const char *name);
/* The same for code that has no context (the lease store): VFPOOL_FAULT
 * from the environment, first hit only. */
void vfp_fault_point_env (const char *name);
#else
#define vfp_fault_point(ctx, name) ((void) (ctx), (void) (name))
#define vfp_fault_point_env(name) ((void) (name))
#endif

/* The points, for the tests and docs/RELIABILITY.md.  "after-knob-KNOB" is
 * one point per knob name of vfp_knob_name(). */
#define VFP_FAULT_AFTER_CLAIM       "after-claim"       /* lease RESERVED, VF untouched */
#define VFP_FAULT_AFTER_ORIGINAL    "after-original"    /* CONFIGURING, original saved */
#define VFP_FAULT_AFTER_KNOB_PREFIX "after-knob-"       /* one more knob applied */
#define VFP_FAULT_AFTER_CONFIGURED  "after-configured"  /* CONFIGURED written */
#define VFP_FAULT_AFTER_RESTORE     "after-restore"     /* VF restored, lease still there */
#define VFP_FAULT_ROLLBACK          "rollback"          /* a failed prepare starts unwinding */
#define VFP_FAULT_AFTER_LEASE_LINK  "after-lease-link"  /* lease linked, index byte not set */
#define VFP_FAULT_AFTER_INDEX_CLEAR "after-index-clear" /* index byte 0, lease file still there */

G_END_DECLS
