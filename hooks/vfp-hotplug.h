/* vfp-hotplug.h: start the detached worker that hot-plugs the plain-start
 * path's devices once libvirt releases the start job (docs/DESIGN.md §2). */
#pragma once

#include <glib.h>
#include "vfp-context.h"

G_BEGIN_DECLS

/* Fork a fully detached process (setsid, stdout/stderr on /dev/null, no
 * other fd kept) that execs the worker, vfpool-hotplug, with the job on
 * stdin: attach each VfpHotplug of @hotplug to domain @uuid, live — only
 * while the domain is still instance @domid (libvirt's id, 0 if unknown)
 * and the VF still leased under the VfpHotplug's start id.  A device that
 * cannot be attached (the worker cannot even be started or run included) has its
 * lease released (that lease only); the worker logs to syslog.  Returns
 * once the worker is detached; an error if it could not be. */
gboolean vfp_hotplug_spawn (VfpContext *ctx, const char *uuid, const char *name,
                            guint domid, GPtrArray *hotplug, GError **error);

G_END_DECLS
