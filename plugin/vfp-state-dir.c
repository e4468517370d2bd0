/* vfp-state-dir.c: checks of the state and history directories (see
 * vfp-state-dir.h). */
#include "config.h"
#include "vfp-state-dir.h"
#include "vfp-error.h"
#include "vfp-file.h"

/* Every subdirectory vfpool keeps under STATE_DIR (vfp-lease.c,
 * vfp-mac-index.c, vfp-quarantine.c, vfp-metrics.c name them). */
static const char *const state_subdirs[] = { "leases", "owners", "locks", "quarantine",
                                             "metrics", "macs" };

/* @path checked; the error carries VFP_ERROR_STATE_CORRUPT so callers treat
 * an unsafe dir like unreadable state.  *@exists as vfp_file_check_private_dir. */
static gboolean
check_dir (const char *path, gboolean *exists, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (vfp_file_check_private_dir (path, exists, &local_error))
    return TRUE;
  g_set_error_literal (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT, local_error->message);
  return FALSE;
}

static gboolean
check_state_dir (const char *state_dir, gboolean every_owner, GError **error)
{
  gboolean exists;

  if (!check_dir (state_dir, &exists, error))
    return FALSE;
  if (!exists)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (state_subdirs); i++)
    {
      g_autofree char *sub = g_build_filename (state_dir, state_subdirs[i], NULL);

      if (!check_dir (sub, &exists, error))
        return FALSE;
      /* A domain's owner index lists the VFs its release restores. */
      if (every_owner && exists && g_str_equal (state_subdirs[i], "owners"))
        {
          g_autoptr (GDir) dir = g_dir_open (sub, 0, NULL);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *owner = g_build_filename (sub, name, NULL);

              if (!vfp_state_dir_check_owner (owner, error))
                return FALSE;
            }
        }
    }
  return TRUE;
}

gboolean
vfp_state_dir_check (const char *state_dir, GError **error)
{
  return check_state_dir (state_dir, TRUE, error);
}

gboolean
vfp_state_dir_check_fast (const char *state_dir, GError **error)
{
  return check_state_dir (state_dir, FALSE, error);
}

gboolean
vfp_state_dir_check_owner (const char *owner_dir, GError **error)
{
  gboolean exists;   /* a release may remove it meanwhile: fine */

  return check_dir (owner_dir, &exists, error);
}

gboolean
vfp_history_dir_check (const char *history_dir, GError **error)
{
  g_autofree char *sticky = g_build_filename (history_dir, "sticky", NULL);
  gboolean exists;

  if (!check_dir (history_dir, &exists, error))
    return FALSE;
  return !exists || check_dir (sticky, &exists, error);
}
