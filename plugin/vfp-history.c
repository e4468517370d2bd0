/* vfp-history.c: sticky history files, HISTORY_DIR/sticky/UUID. */
#include "config.h"
#include "vfp-history.h"
#include "vfp-file.h"
#include "vfp-host.h"
#include "vfp-state-dir.h"

#define HISTORY_MAX_SIZE 8192
#define GROUP "sticky"

static char *
history_path (const char *history_dir, const char *uuid)
{
  if (!vfp_name_is_safe (uuid))
    return NULL;
  return g_build_filename (history_dir, GROUP, uuid, NULL);
}

static GKeyFile *
load (const char *path)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;

  /* A symlink planted for HISTORY_DIR/sticky/UUID is refused, not followed. */
  if (path == NULL || !vfp_file_read_private (path, HISTORY_MAX_SIZE, &data, NULL)
      || !g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, NULL))
    return NULL;
  return g_steal_pointer (&kf);
}

char *
vfp_history_lookup (const char *history_dir, const char *uuid, guint nic)
{
  g_autofree char *path = history_path (history_dir, uuid);
  g_autoptr (GKeyFile) kf = NULL;
  g_autofree char *key = g_strdup_printf ("nic%u", nic);
  g_autofree char *value = NULL;

  /* History is advice: a missing or damaged file just means no preference,
   * and so does an unsafe history dir (vfp_history_dir_check says why). */
  if (!vfp_history_dir_check (history_dir, NULL) || (kf = load (path)) == NULL)
    return NULL;
  value = g_key_file_get_value (kf, GROUP, key, NULL);   /* PCI addresses need no unescaping */
  if (value == NULL || !vfp_pci_address_is_valid (value))
    return NULL;
  return g_steal_pointer (&value);
}

gboolean
vfp_history_record (const char *history_dir, const char *uuid, guint nic,
                    const char *vf_pci, GError **error)
{
  g_autofree char *path = history_path (history_dir, uuid);
  g_autoptr (GKeyFile) kf = NULL;
  g_autofree char *key = g_strdup_printf ("nic%u", nic);
  g_autofree char *old = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (path == NULL)
    return TRUE;
  if (!vfp_history_dir_check (history_dir, error))
    return FALSE;
  kf = load (path);
  if (kf == NULL)
    kf = g_key_file_new ();
  old = g_key_file_get_value (kf, GROUP, key, NULL);
  if (g_strcmp0 (old, vf_pci) == 0)
    return TRUE;
  g_key_file_set_string (kf, GROUP, key, vf_pci);
  dir = g_path_get_dirname (path);
  if (!vfp_file_ensure_dir (dir, 0700, error))
    return FALSE;
  data = g_key_file_to_data (kf, &len, NULL);
  return vfp_file_replace (path, data, len, 0600, error);
}
