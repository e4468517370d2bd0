/* vfp-release.h: inside the library, how leases go away and what the
 * start and stop operations share about them: every remover (release end,
 * rollback, reconcile, a take-over, the hot-plug worker, an undone inject)
 * goes through vfp_release_lease(). */
#pragma once

#include <glib.h>
#include "vfp-context.h"
#include "vfp-lease.h"
#include "vfp-vf-apply.h"

G_BEGIN_DECLS

/* The netlink target a lease names (@driver: the PF's, for messages). */
VfpVfTarget vfp_lease_target (const VfpLease *lease, const char *driver);

/* VFP_ERROR_INVALID_CONFIG unless @lease's PF has a netdev (VF knobs are
 * set through it). */
gboolean vfp_lease_check_pf_netdev (const VfpLease *lease, GError **error);

/* A lease written in an earlier boot: its domain cannot be running (the
 * VFs were even recreated), whatever its QEMU pid says. */
gboolean vfp_lease_is_stale (const char *boot_id, const VfpLease *lease);

/* Release the lease @seen describes, if it still is that lease: under the
 * VF's lock the file is re-read, and only the same holder (VF, owner, nic,
 * start id, creation) is restored and removed — so two removers never both
 * restore, and nobody restores a VF freed and claimed again in between.
 * With @only_reserved, only while it is still merely reserved (undoing an
 * inject: a concurrent prepare of the same domain may have taken it).  A VF
 * whose restore fails is quarantined, with a line in @warnings. */
gboolean vfp_release_lease (VfpContext *ctx, const VfpLease *seen, gboolean only_reserved,
                            GPtrArray *warnings, GError **error);

/* vfp_release_lease() each of @leases, going on after a failure; the first
 * failure (*@first if set already) is reported. */
gboolean vfp_release_leases (VfpContext *ctx, GPtrArray *leases, gboolean only_reserved,
                             GPtrArray *warnings, GError **first, GError **error);

/* The leases @uuid holds, sorted by VF, once the state dir passed the
 * hook's check; unreadable ones go to @corrupt (if not NULL). */
gboolean vfp_release_list_owner (VfpContext *ctx, const char *uuid, GPtrArray **out,
                                 GPtrArray *corrupt, GError **error);

/* Quarantine each VF of @corrupt (lease file unreadable), one line each in
 * @lines: it stays out of use until an operator has looked. */
gboolean vfp_release_quarantine_unreadable (VfpContext *ctx, GPtrArray *corrupt,
                                            GPtrArray *lines, GError **error);

G_END_DECLS
