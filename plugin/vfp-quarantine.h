/* vfp-quarantine.h: VFs that could not be restored are set aside (with the
 * reason) and never handed out until an operator clears them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vfp_quarantine_add (const char *state_dir, const char *vf_pci,
                             const char *reason, GError **error);
gboolean vfp_quarantine_clear (const char *state_dir, const char *vf_pci, GError **error);
/* VF PCI address → reason, for every quarantined VF. */
GHashTable *vfp_quarantine_list (const char *state_dir);

G_END_DECLS
