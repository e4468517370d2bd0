/* vfp-error.c: the vfpool GError domain. */
#include "config.h"
#include "vfp-error.h"

#include <string.h>

#define QUOTE_MAX_CHARS 64

G_DEFINE_QUARK (vfp-error-quark, vfp_error)

char *
vfp_error_quote (const char *value)
{
  g_autofree char *cut = NULL;
  GString *out = g_string_new (NULL);
  gboolean truncated = FALSE;

  if (value == NULL)
    value = "";
  if (g_utf8_validate (value, -1, NULL))
    {
      if (g_utf8_strlen (value, -1) > QUOTE_MAX_CHARS)
        {
          cut = g_utf8_substring (value, 0, QUOTE_MAX_CHARS);
          truncated = TRUE;
          value = cut;
        }
    }
  else if (strlen (value) > QUOTE_MAX_CHARS)
    {
      cut = g_strndup (value, QUOTE_MAX_CHARS);
      truncated = TRUE;
      value = cut;
    }
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  if (truncated)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}
