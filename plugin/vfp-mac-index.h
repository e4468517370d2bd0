/* vfp-mac-index.h: which VFs of a PF were given which MAC, as one small
 * directory per (PF, MAC) under STATE_DIR/macs/ holding an entry per VF, so
 * a start finds a MAC clash on its PF without reading every lease there.
 * The index is advisory: an entry counts only while the VF's lease still
 * carries that MAC (the caller checks), so a crash that leaves an entry
 * behind refuses nothing. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* File VF @vf_pci under (@pf_pci, @mac) and return in *@others the other
 * VFs filed there (PCI addresses), to be checked against their leases. */
gboolean vfp_mac_index_add (const char *state_dir, const char *pf_pci, const guint8 mac[6],
                            const char *vf_pci, GPtrArray **others, GError **error);

/* Drop VF @vf_pci's entry under (@pf_pci, @mac), and the directory once
 * empty.  Missing entries are fine. */
void vfp_mac_index_remove (const char *state_dir, const char *pf_pci, const guint8 mac[6],
                           const char *vf_pci);

G_END_DECLS
