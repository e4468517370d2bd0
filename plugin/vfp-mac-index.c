/* vfp-mac-index.c: the (PF, MAC) -> VFs index under STATE_DIR/macs/ (see
 * vfp-mac-index.h). */
#include "config.h"
#include "vfp-mac-index.h"
#include "vfp-file.h"
#include "vfp-host.h"

#include <string.h>
#include <unistd.h>

#define MAC_DIR "macs"

static char *
entry_dir (const char *state_dir, const char *pf_pci, const guint8 mac[6])
{
  g_autofree char *name = g_strdup_printf ("%s-%02x%02x%02x%02x%02x%02x", pf_pci, mac[0],
                                           mac[1], mac[2], mac[3], mac[4], mac[5]);

  return g_build_filename (state_dir, MAC_DIR, name, NULL);
}

gboolean
vfp_mac_index_add (const char *state_dir, const char *pf_pci, const guint8 mac[6],
                   const char *vf_pci, GPtrArray **others, GError **error)
{
  g_autofree char *dir_path = entry_dir (state_dir, pf_pci, mac);
  g_autofree char *entry = g_build_filename (dir_path, vf_pci, NULL);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) dir = NULL;
  const char *name;

  /* Only well-formed addresses become path components. */
  if (!vfp_pci_address_is_valid (pf_pci) || !vfp_pci_address_is_valid (vf_pci))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "'%s' or '%s' is not a PCI address",
                   pf_pci, vf_pci);
      return FALSE;
    }
  if (!vfp_file_touch_in_dir (entry, error))
    return FALSE;
  /* Written before read: of two starts filing one MAC at once, each sees
   * the other's entry. */
  dir = g_dir_open (dir_path, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (vfp_pci_address_is_valid (name) && strcmp (name, vf_pci) != 0)
      g_ptr_array_add (found, g_strdup (name));
  *others = g_steal_pointer (&found);
  return TRUE;
}

void
vfp_mac_index_remove (const char *state_dir, const char *pf_pci, const guint8 mac[6],
                      const char *vf_pci)
{
  g_autofree char *dir_path = NULL;
  g_autofree char *entry = NULL;

  if (!vfp_pci_address_is_valid (pf_pci) || !vfp_pci_address_is_valid (vf_pci))
    return;
  dir_path = entry_dir (state_dir, pf_pci, mac);
  entry = g_build_filename (dir_path, vf_pci, NULL);
  unlink (entry);
  rmdir (dir_path);   /* only once no VF has this MAC */
}
