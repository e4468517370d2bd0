/* vfpoolctl-unplug.h: take a vfpool device out of a running guest and give
 * its VF back (detach, managedsave, host-shutdown). */
#pragma once

#include <glib.h>
#include "vfpoolctl.h"
#include "vfpoolctl-domain.h"
#include "vfp-lease.h"

G_BEGIN_DECLS

/* How long detach and managedsave wait for the guest by default. */
#define DETACH_DEFAULT_TIMEOUT 30
#define DETACH_MAX_TIMEOUT 3600

/* *@plugged: whether ua-vfpool-@nic is in the live XML.  FALSE when the
 * live XML could not be read (the domain stopped, say). */
gboolean vfpctl_nic_plugged (VfpctlDomain *d, guint nic, gboolean *plugged);
/* Ask libvirt to remove ua-vfpool-@nic, then wait until the live XML no
 * longer has it.  *@gone = FALSE after @timeout seconds (the guest never let
 * it go) or when the domain stopped meanwhile. */
gboolean vfpctl_detach_and_wait (VfpctlDomain *d, guint nic, guint timeout, gboolean *gone,
                                 GError **error);
/* Restore and free the VF of a device that left the guest, if its lease is
 * still @seen (VF, owner, start id); *@released says whether it was. */
gboolean vfpctl_release_detached (VfpCtl *ctl, const char *name, const VfpLease *seen,
                                  gboolean *released, GError **error);
/* Every vfpool device of running domain @d out of the guest, one by one,
 * and its VF given back (managedsave, host-shutdown) — with @keep_failover
 * (migrate) a failover pair's VF stays: QEMU unplugs it itself.  FALSE
 * with @error naming the first nic the guest kept within @timeout;
 * *@returned counts the VFs given back before it, and @given_back (unless
 * NULL) gets their leases (owned) as they were. */
gboolean vfpctl_unplug_all (VfpCtl *ctl, VfpctlDomain *d, const char *name, guint timeout,
                            gboolean keep_failover, GPtrArray *given_back, guint *returned,
                            GError **error);
/* --timeout's value @option (NULL: keep *@timeout) as seconds, 0 to
 * DETACH_MAX_TIMEOUT; else a usage error of @command (its exit status). */
int vfpctl_unplug_timeout (const char *command, const char *option, guint *timeout);

G_END_DECLS
