/* vfp-hotplug-give-up.h: a device the hot-plug will not attach goes back.
 * Shared by the hook's detached child (the worker cannot be started) and
 * the worker (an attach failed); both are detached from libvirt, so syslog
 * is the only place they can say why. */
#pragma once

#include <glib.h>
#include "vfp-lifecycle.h"

G_BEGIN_DECLS

/* Release @hp's lease if it is still @hp's start's (a later start may hold
 * the VF by now: vfp_lifecycle_release_vf() checks the start id), and log
 * why (@why) and the outcome for domain @name. */
void vfp_hotplug_give_up (VfpContext *ctx, const char *uuid, const char *name,
                          const VfpHotplug *hp, const char *why);

G_END_DECLS
