/* vfpoolctl-migrations.h: which domains this host's libvirt is migrating in
 * or out, for status. */
#pragma once

#include <glib.h>
#include "vfpoolctl.h"

G_BEGIN_DECLS

/* For each owner in @owners (owner UUID -> owner name), ask libvirt whether
 * the domain is migrating: a new table owner UUID -> "in", "out" or "none".
 * NULL when libvirt cannot be asked (libvirtd down, no access): status must
 * still show the leases then, so this is never an error.
 * Seam: with VFPOOL_LIBVIRT_URI=record:FILE the answers come from
 * FILE.migrating, lines "NAME in|out" (others: "none"). */
GHashTable *vfpctl_migrations_ask (VfpCtl *ctl, GHashTable *owners);

G_END_DECLS
