/* vfp-state-dir.h: the one gate every reader and writer of the state dir
 * passes.  Whoever can write there can make vfpool (root) program any VF: a
 * lease's [original] section is written back to the NIC at release.  So the
 * state dir and each of its subdirectories must be ours and closed to
 * everyone else before anything in them is trusted. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Check STATE_DIR and every subdirectory that exists (leases/, owners/ and
 * each owners/UUID/, locks/, quarantine/, metrics/) with
 * vfp_file_check_private_dir().  A missing state dir is TRUE: nothing is
 * leased.  VFP_ERROR_STATE_CORRUPT naming the path, the bad owner or mode
 * and the fix.  For the CLI and reports. */
gboolean vfp_state_dir_check (const char *state_dir, GError **error);
/* The same without walking owners/: a fixed number of checks, for the hook,
 * which runs on every start and stop (a stat per domain holding a VF
 * otherwise).  A domain's own owners/UUID is checked where it is read
 * (vfp_lease_list_owner). */
gboolean vfp_state_dir_check_fast (const char *state_dir, GError **error);
/* The same for one domain's owners/UUID (missing is TRUE). */
gboolean vfp_state_dir_check_owner (const char *owner_dir, GError **error);

/* The history dir (sticky history) and its sticky/ subdirectory, the same
 * way; a missing one is TRUE.  Callers refuse to write into an unsafe one
 * and ignore it for reading (stickiness is only a preference). */
gboolean vfp_history_dir_check (const char *history_dir, GError **error);

G_END_DECLS
