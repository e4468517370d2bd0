/* vfp-hotplug.h: the detached worker that hot-plugs the plain-start path's
 * devices once libvirt releases the start job (docs/DESIGN.md §2). */
#pragma once

#include <glib.h>
#include "vfp-context.h"

G_BEGIN_DECLS

/* Fork a fully detached worker (setsid, stdio on /dev/null, no other fd
 * kept, no exec) that attaches each VfpHotplug of @hotplug to domain @uuid,
 * live — only while the domain is still instance @domid (libvirt's id,
 * 0 if unknown) and the VF still leased under the VfpHotplug's start id.
 * A device that cannot be attached has its lease released (that lease
 * only); the worker logs to syslog.  Returns once the worker is detached;
 * an error if it could not be. */
gboolean vfp_hotplug_spawn (VfpContext *ctx, const char *uuid, const char *name,
                            guint domid, GPtrArray *hotplug, GError **error);

G_END_DECLS
