/* vfp-quarantine.c: STATE_DIR/quarantine/VF files holding the reason. */
#include "config.h"
#include "vfp-quarantine.h"
#include "vfp-error.h"
#include "vfp-file.h"
#include "vfp-host.h"

#include <dirent.h>
#include <string.h>

#define QUARANTINE_DIR "quarantine"

static char *
quarantine_path (const char *state_dir, const char *vf_pci, GError **error)
{
  if (!vfp_pci_address_is_valid (vf_pci))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "'%s' is not a PCI address", vf_pci);
      return NULL;
    }
  return g_build_filename (state_dir, QUARANTINE_DIR, vf_pci, NULL);
}

gboolean
vfp_quarantine_add (const char *state_dir, const char *vf_pci, const char *reason,
                    GError **error)
{
  g_autofree char *path = quarantine_path (state_dir, vf_pci, error);
  g_autofree char *dir = g_build_filename (state_dir, QUARANTINE_DIR, NULL);
  g_autofree char *text = g_strdup_printf ("%s\n", reason);

  if (path == NULL || !vfp_file_ensure_dir (dir, 0700, error))
    return FALSE;
  return vfp_file_replace (path, text, strlen (text), 0600, error);
}

gboolean
vfp_quarantine_clear (const char *state_dir, const char *vf_pci, GError **error)
{
  g_autofree char *path = quarantine_path (state_dir, vf_pci, error);

  if (path == NULL)
    return FALSE;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "VF %s is not quarantined", vf_pci);
      return FALSE;
    }
  return vfp_file_remove (path, error);
}

GHashTable *
vfp_quarantine_list (const char *state_dir)
{
  g_autofree char *dir_path = g_build_filename (state_dir, QUARANTINE_DIR, NULL);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* opendir, not g_dir_open: the directory is missing on most hosts, and
   * GLib's error for that converts the path to UTF-8, which loads glibc's
   * iconv tables on every start (the hook's hot path). */
  DIR *dir = opendir (dir_path);
  struct dirent *entry;

  while (dir != NULL && (entry = readdir (dir)) != NULL)
    {
      const char *name = entry->d_name;
      g_autofree char *path = NULL;
      char *reason = NULL;

      if (!vfp_pci_address_is_valid (name))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      if (!vfp_file_read_private (path, 4096, &reason, NULL))
        reason = g_strdup ("(reason unreadable)");
      g_hash_table_insert (out, g_strdup (name), reason);
    }
  if (dir != NULL)
    closedir (dir);
  return out;
}
