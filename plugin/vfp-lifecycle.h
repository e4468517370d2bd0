/* vfp-lifecycle.h: the operations of a domain's life (docs/DESIGN.md §1-2), one
 * library call per hook operation or CLI command. */
#pragma once

#include <glib.h>
#include "vfp-context.h"
#include "vfp-domxml.h"
#include "vfp-lease.h"
#include "vfp-liveness.h"

G_BEGIN_DECLS

/* A device the plain-start path must hot-plug once the domain runs. */
typedef struct {
  guint nic;
  char *vf_pci;
  char *start_id;       /* the start whose lease it is: a later start's is not */
  gint64 qemu_pid;      /* QEMU of the instance at started begin, 0 if unknown */
  VfpDeviceForm form;
  gboolean managed;     /* FALSE: attach managed='no' (VF pre-bound to vfio-pci) */
  VfpVfConfig cfg;
  char *standby_alias;  /* failover nic: the alias its teaming names; NULL: none */
  char *standby_network;/* failover nic without a standby: attach one on this
                         * network first; NULL: the domain has its standby */
} VfpHotplug;

void vfp_hotplug_free (VfpHotplug *hp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpHotplug, vfp_hotplug_free)

/* prepare begin: lease every nic of the request (exactly the VF a vfpool
 * device in the XML names, or the best free one of the pool) and configure
 * it.  On any failure everything this call claimed or changed is rolled back.
 * A domain without a request: TRUE, nothing done. */
gboolean vfp_lifecycle_prepare (VfpContext *ctx, VfpDomXml *dom, GError **error);

/* Boot-time path: lease (reserve) a VF per nic and add the devices to @dom.
 * With @dry_run nothing is leased: the devices show the VFs it would pick. */
gboolean vfp_lifecycle_inject (VfpContext *ctx, VfpDomXml *dom, gboolean dry_run,
                               GError **error);
/* The same; *@held gets copies of the leases this call reserved (claimed,
 * or taken up from an earlier inject), for vfp_lifecycle_release_held(). */
gboolean vfp_lifecycle_inject_held (VfpContext *ctx, VfpDomXml *dom, gboolean dry_run,
                                    GPtrArray **held, GError **error);
/* Undo a failed boot-time start: release each of @held that still is that
 * lease.  One a concurrent start took over (its prepare wrote its own
 * start id) belongs to that start and is left alone. */
gboolean vfp_lifecycle_release_held (VfpContext *ctx, GPtrArray *held, GPtrArray *warnings,
                                     GError **error);

/* restore begin: the saved XML's vfpool devices are re-pointed to VFs
 * reserved now, as inject reserves them (prepare begin takes them over): the
 * saved VF when it is free or still this domain's nic's, else the pool's
 * best free VF.  *@changed = TRUE when a device now names another VF (the
 * caller prints the XML).  On failure nothing this call reserved is left.
 * No request, or no vfpool device: TRUE, nothing done. */
gboolean vfp_lifecycle_restore (VfpContext *ctx, VfpDomXml *dom, gboolean *changed,
                                GError **error);
/* migrate begin, on the destination host: the same for the incoming XML.
 * Its devices name the source host's VFs; each is kept only if that
 * address is a free VF of the same-named pool here, else re-pointed to the
 * pool's best free VF.  A failover pair's VF is the only vfpool device a
 * migration can carry (libvirt refuses to migrate a plain hostdev). */
gboolean vfp_lifecycle_migrate_in (VfpContext *ctx, VfpDomXml *dom, gboolean *changed,
                                   GError **error);

/* started begin: record the QEMU pid; *@hotplug gets the devices the XML
 * lacks (plain-start path), possibly empty: only leases prepare configured
 * for a nic of the current request.  Any other lease of the domain is a
 * leftover and released. */
gboolean vfp_lifecycle_started (VfpContext *ctx, VfpDomXml *dom, GPtrArray **hotplug,
                                GError **error);

/* release end (and vfpoolctl release): restore and drop every lease of
 * @uuid.  Idempotent.  A VF that cannot be restored is quarantined, with a
 * line in @warnings. */
gboolean vfp_lifecycle_release (VfpContext *ctx, const char *uuid, GPtrArray *warnings,
                                GError **error);

/* Undo an `inject` whose domain never started (a pipeline's `virsh create`
 * failed): release the VFs @dom's vfpool devices name that are still only
 * reserved for @dom.  A VF a prepare took over (a concurrent start of the
 * domain that runs now) is configured, not reserved, and stays.
 * *@released counts what went back. */
gboolean vfp_lifecycle_release_injected (VfpContext *ctx, VfpDomXml *dom, GPtrArray *warnings,
                                         guint *released, GError **error);

/* Release the one VF @vf_pci if @uuid holds it under start id @start_id
 * (a failed hot-plug): never a later start's lease of the same domain. */
gboolean vfp_lifecycle_release_vf (VfpContext *ctx, const char *uuid, const char *vf_pci,
                                   const char *start_id, GPtrArray *warnings,
                                   GError **error);

/* vfpoolctl attach: lease and configure a VF for nic @nic of @dom, a
 * running domain's live XML whose request already holds that nic (added
 * last by attach, or one whose VF vfpoolctl migrate gave back before a
 * migration that failed).  The same rules as prepare (allow=, the allocator, the VF lock, a
 * start id of its own); refused without a free hot-plug slot, or while the
 * domain still holds a lease for nic @nic.  On failure nothing stays leased
 * or changed.  *@lease: the configured lease (its start id proves it later). */
gboolean vfp_lifecycle_attach_nic (VfpContext *ctx, VfpDomXml *dom, guint nic,
                                   VfpLease **lease, GError **error);

/* reconnect begin: refresh the QEMU pid of the domain's leases.  Never fails:
 * problems become @warnings. */
void vfp_lifecycle_reconnect (VfpContext *ctx, VfpDomXml *dom, GPtrArray *warnings);

/* Optional extra liveness source (the CLI asks libvirt).  Returns ALIVE,
 * GONE or UNKNOWN for the domain. */
typedef VfpOwnerState (*VfpOwnerProbe) (const char *uuid, const char *name, gpointer data);

/* What reconcile did with one VF, for people (@text) and for programs
 * (the rest: vfpoolctl reconcile --json). */
typedef enum {
  VFP_RECONCILE_KEPT,          /* its domain runs or may be starting */
  VFP_RECONCILE_RELEASED,      /* restored and free again */
  VFP_RECONCILE_FAILED,        /* releasing it failed (@reason says why) */
  VFP_RECONCILE_QUARANTINED,   /* its lease file was unreadable */
} VfpReconcileAction;

typedef struct {
  char *vf;                    /* PCI address */
  char *domain;                /* the lease's domain name; NULL: unknown */
  char *uuid;                  /* NULL: unknown */
  VfpReconcileAction action;
  /* KEPT: "running" or "may-be-starting"; RELEASED: "gone" or
   * "before-reboot"; FAILED, QUARANTINED: the error */
  char *reason;
  GPtrArray *warnings;         /* of char *, from restoring the VF */
  char *text;                  /* the one line the text output prints */
} VfpReconcileEntry;

void vfp_reconcile_entry_free (VfpReconcileEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpReconcileEntry, vfp_reconcile_entry_free)
const char *vfp_reconcile_action_to_string (VfpReconcileAction action);

/* Release every lease whose owner is gone; never one of a running domain.
 * @report gets one VfpReconcileEntry per lease looked at (free function
 * vfp_reconcile_entry_free). */
gboolean vfp_lifecycle_reconcile (VfpContext *ctx, VfpOwnerProbe probe, gpointer data,
                                  GPtrArray *report, GError **error);

G_END_DECLS
