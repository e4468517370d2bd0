/* vfp-error.c: the vfpool GError domain. */
#include "config.h"
#include "vfp-error.h"

#include <string.h>

#define QUOTE_MAX_CHARS 64

G_DEFINE_QUARK (vfp-error-quark, vfp_error)

static gboolean
is_control (guchar c)
{
  return c < 0x20 || c == 0x7f;
}

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

      if (is_control (c))
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  if (truncated)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

char *
vfp_error_shell_quote (const char *value)
{
  GString *out;
  gboolean plain = TRUE, printable = TRUE;

  if (value == NULL)
    value = "";
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      plain = plain && (g_ascii_isalnum (c) || strchr ("_.,:@%+=/-", c) != NULL);
      printable = printable && !is_control (c);
    }
  if (plain && value[0] != '\0')
    return g_strdup (value);
  if (printable && g_utf8_validate (value, -1, NULL))
    return g_shell_quote (value);
  out = g_string_new ("$'");
  for (const char *p = value; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '\'' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (is_control (c) || c >= 0x80)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '\'');
  return g_string_free (out, FALSE);
}
