/* vfp-hotplug-job.h: what the hook hands its hot-plug worker.  The hook is
 * one static binary without a dynamic loader (every call of it is cheaper
 * so), which cannot load libvirt; the worker is a separate program that
 * links it.  The hook writes the job (the instance and its devices) into an
 * anonymous memory file that becomes the worker's stdin. */
#pragma once

#include <glib.h>
#include "vfp-lifecycle.h"

G_BEGIN_DECLS

typedef struct {
  char *uuid;
  char *name;
  guint domid;          /* libvirt's id of the instance (0: unknown) */
  GPtrArray *hotplug;   /* of VfpHotplug, in the order to plug */
} VfpHotplugJob;

void vfp_hotplug_job_free (VfpHotplugJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpHotplugJob, vfp_hotplug_job_free)

/* The text of a job (a key file: [job], then [device N] and its
 * [device N config] per device). */
char *vfp_hotplug_job_to_data (const char *uuid, const char *name, guint domid,
                               GPtrArray *hotplug, gsize *len);
/* Parse a job; VFP_ERROR_INVALID_REQUEST naming the bad key otherwise. */
gboolean vfp_hotplug_job_from_data (const char *data, gsize len, VfpHotplugJob **out,
                                    GError **error);

G_END_DECLS
