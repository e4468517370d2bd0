/* vfp-hotplug-give-up.c: a device the hot-plug will not attach goes back
 * (see the header). */
#include "config.h"
#include "vfp-hotplug-give-up.h"

#include <syslog.h>

void
vfp_hotplug_give_up (VfpContext *ctx, const char *uuid, const char *name,
                     const VfpHotplug *hp, const char *why)
{
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  syslog (LOG_ERR, "domain '%s' nic %u: hot-plug of VF %s failed: %s; releasing it", name,
          hp->nic, hp->vf_pci, why);
  if (!vfp_lifecycle_release_vf (ctx, uuid, hp->vf_pci, hp->start_id, warnings, &error))
    syslog (LOG_ERR, "domain '%s' nic %u: releasing VF %s failed: %s", name, hp->nic,
            hp->vf_pci, error->message);
  for (guint w = 0; w < warnings->len; w++)
    syslog (LOG_WARNING, "domain '%s': %s", name, (char *) warnings->pdata[w]);
}
