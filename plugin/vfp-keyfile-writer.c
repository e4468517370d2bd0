/* vfp-keyfile-writer.c: key files without GKeyFile (see vfp-keyfile-writer.h). */
#include "config.h"
#include "vfp-keyfile-writer.h"

#include <string.h>

/* G_MAXUINT64 has 20 digits; G_MININT64 19 and a sign */
#define DIGITS_MAX 21

/* g_string_append_len() goes through g_string_insert_len() and its checks:
 * growing (rarely) and copying took a start's three leases from 46 k to
 * 38 k instructions (callgrind). */
static inline void
put (GString *out, const char *text, gsize len)
{
  gsize at = out->len;

  g_string_set_size (out, at + len);
  memcpy (out->str + at, text, len);
}

static inline void
put_str (GString *out, const char *text)
{
  put (out, text, strlen (text));
}

void
vfp_keyfile_writer_init (VfpKeyfileWriter *w, gsize size)
{
  /* GLib allocates @n + 1 bytes rounded up to a power of two: asked for
   * 1024, it would take 2048, out of malloc's cheap small sizes */
  w->out = g_string_sized_new (size > 1 ? size - 1 : size);
  w->pending = NULL;
  w->any_group = FALSE;
}

char *
vfp_keyfile_writer_finish (VfpKeyfileWriter *w, gsize *len)
{
  if (len != NULL)
    *len = w->out->len;
  return g_string_free (g_steal_pointer (&w->out), FALSE);
}

void
vfp_keyfile_group (VfpKeyfileWriter *w, const char *group)
{
  w->pending = group;
}

/* "key=", after the group's header if this is its first key.  GKeyFile
 * puts an empty line before a header unless the text ends in one already,
 * which a group always having a key never does.  FALSE (and nothing
 * written) before any group, as GKeyFile refuses a key without one. */
static gboolean
key_start (VfpKeyfileWriter *w, const char *key)
{
  g_return_val_if_fail (w->pending != NULL || w->any_group, FALSE);
  if (w->pending != NULL)
    {
      if (w->any_group)
        g_string_append_c (w->out, '\n');
      g_string_append_c (w->out, '[');
      put_str (w->out, w->pending);
      put (w->out, "]\n", 2);
      w->pending = NULL;
      w->any_group = TRUE;
    }
  put_str (w->out, key);
  g_string_append_c (w->out, '=');
  return TRUE;
}

void
vfp_keyfile_string (VfpKeyfileWriter *w, const char *key, const char *value)
{
  const char *p = value;
  const char *run;

  /* what g_key_file_set_string does with NULL: nothing but a warning */
  g_return_if_fail (value != NULL);
  if (!key_start (w, key))
    return;
  /* The leading blanks: GKeyFile escapes spaces and tabs up to the first
   * other character; a newline or CR (escaped everywhere) does not end the
   * run, a backslash does. */
  for (;; p++)
    {
      const char *esc;

      switch (*p)
        {
        case ' ': esc = "\\s"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        default: esc = NULL; break;
        }
      if (esc == NULL)
        break;
      put (w->out, esc, 2);
    }
  /* The rest: raw but for newline, CR and backslash, copied a run at a time. */
  for (run = p; *p != '\0'; p++)
    {
      const char *esc;

      switch (*p)
        {
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\\': esc = "\\\\"; break;
        default: continue;
        }
      put (w->out, run, p - run);
      put (w->out, esc, 2);
      run = p + 1;
    }
  put (w->out, run, p - run);
  g_string_append_c (w->out, '\n');
}

/* @magnitude in decimal, after a '-' if @negative: a digit loop, as
 * g_string_append_printf costs more than the rest of a line together. */
static void
append_number (VfpKeyfileWriter *w, const char *key, guint64 magnitude, gboolean negative)
{
  char buf[DIGITS_MAX];
  char *end = buf + sizeof buf;
  char *p = end;

  if (!key_start (w, key))
    return;
  do
    {
      *--p = (char) ('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude != 0);
  if (negative)
    *--p = '-';
  put (w->out, p, end - p);
  g_string_append_c (w->out, '\n');
}

void
vfp_keyfile_uint64 (VfpKeyfileWriter *w, const char *key, guint64 value)
{
  append_number (w, key, value, FALSE);
}

void
vfp_keyfile_int64 (VfpKeyfileWriter *w, const char *key, gint64 value)
{
  /* 0 - (guint64) value: the magnitude of G_MININT64 too, without overflow */
  if (value < 0)
    append_number (w, key, 0 - (guint64) value, TRUE);
  else
    append_number (w, key, (guint64) value, FALSE);
}
