/* vfp-lease.h: the lease store: one file per leased VF under
 * STATE_DIR/leases/, claimed atomically and written durably.  A lease records
 * who holds the VF, what was applied and what the VF was before. */
#pragma once

#include <glib.h>
#include "vfp-vf-config.h"
#include "vfp-domxml.h"

G_BEGIN_DECLS

typedef enum {
  VFP_LEASE_RESERVED,     /* claimed, VF untouched (inject / before configure) */
  VFP_LEASE_CONFIGURING,  /* original saved, changes may be half applied */
  VFP_LEASE_CONFIGURED,   /* every requested knob applied */
} VfpLeaseState;

typedef struct {
  char *vf_pci;           /* also the file name */
  char *pf_pci;
  char *pf_netdev;
  guint vf_index;
  char *pool;
  guint nic;
  char *owner_uuid;
  char *owner_name;
  char *boot_id;
  char *start_id;         /* which start of the owner holds it (see below) */
  gint64 created;         /* unix seconds */
  gint64 qemu_pid;        /* 0 until started begin */
  VfpLeaseState state;
  VfpDeviceForm form;     /* device form the pool uses (for hot-plug) */
  gboolean managed;       /* FALSE: the device is hot-plugged managed='no' */
  char *failover_network; /* failover nic: its standby's network; NULL: none */
  char *port;             /* network-backed pool: the libvirt network port's UUID
                           * (the network hook's lease); NULL: a request's */
  VfpVfConfig applied;    /* what the request asked for (knobs set) */
  VfpVfConfig original;   /* the VF before any change (valid from CONFIGURING) */
} VfpLease;

/* A lease's identity is (VF, owner UUID, start id).  The owner UUID alone
 * cannot tell two starts of one domain apart: a hot-plug worker of an
 * earlier start, or a `vfpoolctl start` that lost a race with `virsh start`,
 * holds the same UUID as the instance now running.  Every start (inject,
 * prepare) writes its own start id when it claims or takes over a lease, and
 * every remover or writer proves it holds that id. */
VfpLease *vfp_lease_new (void);
/* A fresh random start id (32 hex digits). */
char *vfp_lease_new_start_id (void);
void vfp_lease_free (VfpLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpLease, vfp_lease_free)

/* Make sure STATE_DIR and STATE_DIR/leases exist (created 0700) and that the
 * state dir passes vfp_state_dir_check(): directories (not symlinks) owned by
 * the user running vfpool that neither group nor others may write.
 * VFP_ERROR_STATE_CORRUPT naming the path and the fix. */
gboolean vfp_lease_store_open (const char *state_dir, GError **error);

/* Serialise everyone who removes VF @vf_pci's lease (release, rollback,
 * reconcile, take-over): hold STATE_DIR/locks/VF (flock) while re-reading,
 * restoring and removing, so two removers never both restore a VF that a
 * third party claimed in between.  Claims need no lock (O_EXCL link). */
gboolean vfp_lease_lock (const char *state_dir, const char *vf_pci, int *fd_out,
                         GError **error);
/* The same without waiting: FALSE when another process holds it. */
gboolean vfp_lease_trylock (const char *state_dir, const char *vf_pci, int *fd_out);
void vfp_lease_unlock (int fd);

/* Claim @lease->vf_pci for its owner.  VFP_ERROR_BUSY if it is leased.
 * Also files the VF under STATE_DIR/owners/UUID/ so a domain's leases are
 * found without reading every lease (the index is advisory: the lease file
 * is the truth, and reconcile reads them all). */
gboolean vfp_lease_claim (const char *state_dir, const VfpLease *lease, GError **error);
/* Durably replace an existing lease with new content, under the VF's lock
 * and only if the file still holds start id @expect_start_id (NULL: the
 * lease's own).  A lease another process released is never recreated
 * (VFP_ERROR_NOT_FOUND), nor one another start took over (VFP_ERROR_BUSY). */
gboolean vfp_lease_update (const char *state_dir, const VfpLease *lease,
                           const char *expect_start_id, GError **error);
/* The same, for a caller that holds the VF's lock (vfp_lease_lock). */
gboolean vfp_lease_update_locked (const char *state_dir, const VfpLease *lease,
                                  const char *expect_start_id, GError **error);
/* Durably write @lease without re-reading it: only for a caller that
 * checked it with vfp_lease_update_locked() and has held the VF's lock
 * since (every other writer and remover takes it, so the file is still
 * the one it checked). */
gboolean vfp_lease_rewrite_locked (const char *state_dir, const VfpLease *lease,
                                   GError **error);
/* TRUE if @a and @b name the same holder: VF, owner, nic and start id. */
gboolean vfp_lease_same_holder (const VfpLease *a, const VfpLease *b);
/* VFP_ERROR_NOT_FOUND if there is no lease; VFP_ERROR_STATE_CORRUPT if the
 * file cannot be understood; a G_FILE_ERROR if it cannot be read or is not
 * trusted (a symlink, not a regular file, someone else's, group or world
 * writable: see vfp_file_read_private()). */
gboolean vfp_lease_read (const char *state_dir, const char *vf_pci,
                         VfpLease **out, GError **error);
/* Drop the lease (and its owner index entry); a missing one is success. */
gboolean vfp_lease_remove (const char *state_dir, const VfpLease *lease, GError **error);

/* STATE_DIR/owners/UUID: exists while domain @uuid holds a lease. */
char *vfp_lease_owner_dir (const char *state_dir, const char *uuid);

/* The leases domain @uuid holds, sorted by VF, via the owner index.  Leases
 * the index files under @uuid that cannot be read are skipped and their names
 * added to @corrupt (if not NULL): one bad file never hides the others. */
gboolean vfp_lease_list_owner (const char *state_dir, const char *uuid, GPtrArray **out,
                               GPtrArray *corrupt, GError **error);

/* The VF addresses filed under owners/@uuid, unread (a stray entry of an
 * interrupted claim among them): a caller that needs only the leases it
 * does not hold already reads just those (vfp_lease_read_owned). */
gboolean vfp_lease_list_owner_names (const char *state_dir, const char *uuid, GPtrArray **out,
                                     GError **error);
/* The lease of @vf_pci if domain @uuid holds it.  FALSE when it does not:
 * no lease, another's, or (*@unreadable) a file that cannot be read. */
gboolean vfp_lease_read_owned (const char *state_dir, const char *vf_pci, const char *uuid,
                               VfpLease **out, gboolean *unreadable);

/* Remove from @leases (VfpLease*, owning) the network hook's leases (port
 * set): the request paths — prepare, started, attach, detach, managedsave —
 * neither adopt, plug nor release a VF libvirt's network port holds. */
void vfp_lease_drop_ports (GPtrArray *leases);

/* The set of leased VF PCI addresses (one readdir, no file reads). */
gboolean vfp_lease_list_names (const char *state_dir, GHashTable **out, GError **error);
/* The same one readdir, calling @func for each leased VF PCI address (valid
 * for the call only) with its domain and routing ID (vfp_pci_address_rid):
 * nothing allocated, and each name parsed once. */
typedef void (*VfpLeaseNameFunc) (const char *vf_pci, guint domain, guint rid, gpointer data);
gboolean vfp_lease_foreach_name (const char *state_dir, VfpLeaseNameFunc func, gpointer data,
                                 GError **error);
/* The owner name and boot id the lease of @vf_pci records (either NULL
 * when not wanted; *@boot_id NULL when it records none), read without
 * parsing the whole lease: a start refused by a full pool reads every lease
 * of the pool twice (stale ones, then the holders), and a full parse is
 * most of a start's instructions.  VFP_ERROR_NOT_FOUND without a lease;
 * FALSE with VFP_ERROR_STATE_CORRUPT when the file does not have the shape
 * vfp_lease_to_data() writes ([lease] first, key=value lines): then only
 * vfp_lease_read() can tell. */
gboolean vfp_lease_peek (const char *state_dir, const char *vf_pci, char **owner_name,
                         char **boot_id, GError **error);
/* Does a lease of @vf_pci exist right now?  One stat: a start checks it
 * before it pays for a claim (a claim that loses the race writes and
 * fsyncs two files first). */
gboolean vfp_lease_exists (const char *state_dir, const char *vf_pci);
/* Every lease, parsed.  Unreadable ones are skipped and their names added to
 * @corrupt (if not NULL) so callers can report them. */
gboolean vfp_lease_list (const char *state_dir, GPtrArray **out, GPtrArray *corrupt,
                         GError **error);

/* Text form, a key file (written by vfp-keyfile-writer.c as GKeyFile would,
 * read with GKeyFile) — exposed for the fuzzer and tests. */
char *vfp_lease_to_data (const VfpLease *lease, gsize *len);
gboolean vfp_lease_from_data (const char *data, gsize len, VfpLease **out, GError **error);

const char *vfp_lease_state_to_string (VfpLeaseState state);

G_END_DECLS
