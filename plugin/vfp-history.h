/* vfp-history.h: sticky history — the VF each domain nic had last time, kept
 * in a persistent directory so a domain gets the same VF again when free. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The VF PCI address domain @uuid's nic @nic had last, or NULL — also when
 * the history dir is unsafe (vfp_history_dir_check() gives the warning) or
 * the file is not trusted (vfp_file_read_private()). */
char *vfp_history_lookup (const char *history_dir, const char *uuid, guint nic);

/* Remember @vf_pci for (@uuid, @nic); writes only when it changed, and
 * never into an unsafe history dir (VFP_ERROR_STATE_CORRUPT saying why). */
gboolean vfp_history_record (const char *history_dir, const char *uuid, guint nic,
                             const char *vf_pci, GError **error);

G_END_DECLS
