/* vfp-guests-conf.c: read libvirt-guests' ON_SHUTDOWN.  Debian 12's
 * libvirt-guests.sh sets ON_SHUTDOWN="shutdown" before it sources
 * /etc/default/libvirt-guests (all commented out there); upstream's script
 * defaults to suspend.  So the file alone does not tell. */
#include "config.h"
#include "vfp-guests-conf.h"
#include "vfp-file.h"

#include <string.h>

/* Both files are a few KiB; a bigger one is not what we look for. */
#define GUESTS_FILE_MAX (256 * 1024)

/* ON_SHUTDOWN= of @path: the last assignment, or with @first the first.
 * NULL when the file or the line is missing. */
static char *
read_on_shutdown (const char *path, gboolean first)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  char *value = NULL;

  if (path == NULL || !vfp_file_read (path, GUESTS_FILE_MAX, &text, NULL))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      char *line = g_strstrip (*l);
      gsize len;

      if (!g_str_has_prefix (line, "ON_SHUTDOWN="))
        continue;
      line += strlen ("ON_SHUTDOWN=");
      len = strcspn (line, " \t#;");
      g_free (value);
      value = g_strndup (line, len);
      g_strdelimit (value, "\"'", ' ');
      g_strstrip (value);
      if (first)
        break;
    }
  return value;
}

char *
vfp_guests_on_shutdown (const char *defaults_file, const char *script, char **setting)
{
  g_autofree char *mode = read_on_shutdown (defaults_file, FALSE);
  g_autofree char *fallback = NULL;

  if (mode != NULL)
    {
      if (setting != NULL)
        *setting = g_strdup_printf ("ON_SHUTDOWN=%s in %s", mode, defaults_file);
      return g_steal_pointer (&mode);
    }
  fallback = read_on_shutdown (script, TRUE);
  if (fallback != NULL)
    {
      if (setting != NULL)
        *setting = g_strdup_printf ("ON_SHUTDOWN unset in %s, and %s defaults to %s",
                                    defaults_file, script, fallback);
      return g_steal_pointer (&fallback);
    }
  if (setting != NULL)
    *setting = g_strdup_printf ("ON_SHUTDOWN unset in %s (libvirt-guests' upstream default: "
                                "suspend)", defaults_file);
  return g_strdup ("suspend");
}
