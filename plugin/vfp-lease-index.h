/* vfp-lease-index.h: STATE_DIR/index/PF_PCI, one byte per VF of the PF
 * saying whether it is leased: a cache of leases/ so that a start learns
 * which VFs of its pool's PFs are leased without listing every lease of
 * the host (docs/BENCHMARKS.md).  The lease files stay the truth and the
 * claim's O_EXCL link() stays the only arbiter, so the index can only make
 * a start skip a free VF or try a leased one, never lease a VF twice.
 *
 * Kept safe in both directions by the VF's lock (vfp_lease_lock): a byte
 * is set to 1 only after the claim's link() made the lease (or found one),
 * and set to 0 (durably) before the lease file is removed.  So "1" means a
 * lease exists or existed a moment ago; a crash in between can only leave
 * a 0 beside a lease, which the next claim of that VF finds (EEXIST, a lost
 * claim) and repairs.
 *
 * Layout: "vfpool-index-1\n", one state byte ('V' valid, 'B' being built),
 * then one byte per VF index, '1' leased or '0' not. */
#pragma once

#include <glib.h>
#include "vfp-host.h"

G_BEGIN_DECLS

#define VFP_LEASE_INDEX_DIR "index"

/* Set VF @vf_index's byte in @pf_pci's index: @leased TRUE after a claim's
 * link() succeeded or failed with EEXIST, FALSE (written through to disk)
 * before the lease file is removed.  The caller holds the VF's lock.  Best
 * effort: a missing or untrusted index is left alone (a reader rebuilds or
 * ignores it). */
void vfp_lease_index_mark (const char *state_dir, const char *pf_pci, guint vf_index,
                           gboolean leased);

/* Make the byte of VF @vf_index (@vf_pci) of @pf_pci say whether its lease
 * exists now, under the VF's lock: a start that found the index wrong.
 * Nothing when another process holds that lock (it sets the byte). */
void vfp_lease_index_repair (const char *state_dir, const char *pf_pci, guint vf_index,
                             const char *vf_pci);

/* TRUE when STATE_DIR/index is a directory of ours that others cannot
 * write (created 0700 when missing); else the index is not used. */
gboolean vfp_lease_index_usable (const char *state_dir);
/* STATE_DIR/index opened (O_NOFOLLOW, created 0700 when missing) and
 * checked on the descriptor by vfp_lease_index_usable()'s rules, for
 * vfp_lease_index_load(): its descriptor, or -1 when the index is not
 * used. */
int vfp_lease_index_open_dir (const char *state_dir);

/* Which VFs of @pf are leased, one byte per VF of pf->vfs (1 = leased),
 * from its index.  A missing index, a short or corrupt one, or one a
 * process that died left half built, is rebuilt first.  FALSE when the
 * index cannot be used now (not trusted — a symlink, not ours, writable by
 * others —, being built by another process, an error): the caller lists
 * leases/ instead.  A cache never refuses a start.  @dir_fd: STATE_DIR/index
 * from vfp_lease_index_open_dir() (its file opened relative to it, with
 * the same checks), or -1 (by path). */
gboolean vfp_lease_index_load (const char *state_dir, int dir_fd, const VfpPf *pf,
                               guint8 *out);

/* Rebuild @pf's index from the lease files, under each VF's lock
 * (reconcile).  FALSE with the error naming the file when it could not. */
gboolean vfp_lease_index_rebuild (const char *state_dir, const VfpPf *pf, GError **error);

/* What @pf's index says, without rebuilding: *@state 'V', 'B', or 0 when
 * missing; @out as vfp_lease_index_load.  FALSE with the error when it is
 * not trusted, short or corrupt (doctor). */
gboolean vfp_lease_index_peek (const char *state_dir, const VfpPf *pf, char *state,
                               guint8 *out, GError **error);

/* Rebuild every index under STATE_DIR/index whose PF @sysfs_root still
 * has (reconcile).  One line per index that could not be rebuilt goes to
 * @problems (if not NULL); FALSE when there was any. */
gboolean vfp_lease_index_rebuild_all (const char *state_dir, const char *sysfs_root,
                                      GPtrArray *problems);

/* What is wrong with the indexes under STATE_DIR/index, one line each into
 * @problems: not trusted or unreadable, not an index or half built, or a
 * VF marked leased that none of @leases (VfpLease*, every lease) names —
 * the one error that costs something (starts skip that VF). */
void vfp_lease_index_audit (const char *state_dir, GPtrArray *leases, GPtrArray *problems);

G_END_DECLS
