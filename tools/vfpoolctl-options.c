/* vfpoolctl-options.c: one GOptionContext per subcommand, and the one way
 * every subcommand reports a usage error (one line, exit status 2). */
#include "config.h"
#include "vfpoolctl.h"

#include <stdio.h>
#include <string.h>

G_DEFINE_QUARK (vfpctl-usage-error-quark, vfpctl_usage_error)

/* GLib quotes with U+201C/U+201D (and translations with U+2018/U+2019):
 * scripts and the tests match plain ASCII, whatever the locale. */
char *
vfpctl_plain_quotes (const char *message)
{
  static const char *const curly[] = { "\u201c", "\u201d", "\u2018", "\u2019" };
  GString *out = g_string_new (message);

  for (guint i = 0; i < G_N_ELEMENTS (curly); i++)
    g_string_replace (out, curly[i], "'", 0);
  return g_string_free (out, FALSE);
}

/* The entry a command-line word names, or NULL: "--xml", "--xml=F", "-x". */
static const GOptionEntry *
entry_for (const GOptionEntry *entries, const char *word)
{
  for (const GOptionEntry *e = entries; e != NULL && e->long_name != NULL; e++)
    {
      gsize n = strlen (e->long_name);

      if (g_str_has_prefix (word, "--") && strncmp (word + 2, e->long_name, n) == 0
          && (word[2 + n] == '\0' || word[2 + n] == '='))
        return e;
      if (e->short_name != 0 && word[0] == '-' && word[1] == e->short_name && word[2] == '\0')
        return e;
    }
  return NULL;
}

static gboolean
takes_value (const GOptionEntry *e)
{
  return e->arg != G_OPTION_ARG_NONE
         && !(e->arg == G_OPTION_ARG_CALLBACK && (e->flags & G_OPTION_FLAG_NO_ARG));
}

static gboolean
is_help (const char *word)
{
  return strcmp (word, "--help") == 0 || strcmp (word, "-h") == 0
         || strcmp (word, "--help-all") == 0 || strcmp (word, "-?") == 0;
}

/* GLib's own "Missing argument for --xml" and "Unknown option --x" are
 * translated and worded per version: the cases are found here first, so the
 * message is always the same ("option --xml needs a value", "unknown option
 * '--x'").  *@unknown: the first unknown option, for GLib's error.  With
 * @posix, the first argument that is not an option ends the options. */
static gboolean
precheck (int argc, char **argv, const GOptionEntry *entries, gboolean posix,
          const char **unknown, GError **error)
{
  gboolean help = FALSE;

  *unknown = NULL;
  /* asking for help wins over a missing value next to it */
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0 && !posix; i++)
    help |= is_help (argv[i]);
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      const GOptionEntry *e;

      if (argv[i][0] != '-' || argv[i][1] == '\0')
        {
          if (posix)
            return TRUE;
          continue;
        }
      if ((e = entry_for (entries, argv[i])) == NULL)
        {
          if (*unknown == NULL && !is_help (argv[i]))
            *unknown = argv[i];
          continue;
        }
      if (!takes_value (e) || strchr (argv[i], '=') != NULL)
        continue;
      /* "--pool --vlan 5": GLib would take "--vlan" as the pool */
      if (!help && (i + 1 == argc || entry_for (entries, argv[i + 1]) != NULL
                    || is_help (argv[i + 1])))
        {
          g_set_error (error, VFPCTL_USAGE_ERROR, 0, "option --%s needs a value",
                       e->long_name);
          return FALSE;
        }
      i++;
    }
  return TRUE;
}

/* Parse with @context; the messages of GLib in plain quotes. */
static gboolean
parse (GOptionContext *context, int *argc, char ***argv, const GOptionEntry *entries,
       gboolean posix, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  const char *unknown = NULL;

  if (!precheck (*argc, *argv, entries, posix, &unknown, error))
    return FALSE;
  if (!g_option_context_parse (context, argc, argv, &local_error))
    {
      if (unknown != NULL
          && g_error_matches (local_error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION))
        {
          g_autofree char *word = g_strndup (unknown, strcspn (unknown, "="));

          g_set_error (error, VFPCTL_USAGE_ERROR, 0, "unknown option '%s'", word);
          return FALSE;
        }
      g_autofree char *plain = vfpctl_plain_quotes (local_error->message);

      /* "unknown option --x", like the messages of our own */
      plain[0] = g_ascii_tolower (plain[0]);
      g_set_error (error, VFPCTL_USAGE_ERROR, 0, "%s", plain);
      return FALSE;
    }
  return TRUE;
}

gboolean
vfpctl_parse_global (int *argc, char ***argv, const GOptionEntry *entries, GError **error)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);

  /* options before the command only: the first other word is the command,
   * and what follows is the command's to parse */
  g_option_context_set_strict_posix (context, TRUE);
  /* vfpoolctl --help lists the commands, which GLib does not know */
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_add_main_entries (context, entries, NULL);
  return parse (context, argc, argv, entries, TRUE, error);
}

gboolean
vfpctl_parse_options (int *argc, char ***argv, const GOptionEntry *entries,
                      gpointer callback_data, const char *params, const char *summary,
                      int max_positional, GError **error)
{
  g_autoptr (GOptionContext) context = g_option_context_new (params);
  GOptionGroup *main_group = g_option_group_new ((*argv)[0], summary, summary,
                                                 callback_data, NULL);
  g_autofree char *prgname = g_strdup_printf ("vfpoolctl %s", (*argv)[0]);

  /* "Usage: vfpoolctl status [OPTION…]" in the --help text */
  g_set_prgname (prgname);
  g_option_group_add_entries (main_group, entries);
  g_option_context_set_main_group (context, main_group);
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, "Global options (before the command): --json, "
                                    "-c/--connect URI.  See vfpoolctl(8).");
  if (!parse (context, argc, argv, entries, FALSE, error))
    return FALSE;
  /* "--" ends the options; it is not an argument itself */
  for (int i = 1; i < *argc; i++)
    if (strcmp ((*argv)[i], "--") == 0)
      {
        memmove (*argv + i, *argv + i + 1, (*argc - i) * sizeof (char *));
        (*argc)--;
        break;
      }
  if (*argc - 1 > max_positional)
    {
      g_set_error (error, VFPCTL_USAGE_ERROR, 0, "too many arguments ('%s' is extra)",
                   (*argv)[max_positional + 1]);
      return FALSE;
    }
  return TRUE;
}

int
vfpctl_parse_domain_options (int *argc, char ***argv, const GOptionEntry *entries,
                             gpointer callback_data, const char *summary, const char **domain)
{
  g_autoptr (GError) error = NULL;

  if (!vfpctl_parse_options (argc, argv, entries, callback_data, "DOMAIN", summary, 1, &error))
    return vfpctl_usage_fail ((*argv)[0], error);
  if (*argc < 2)
    return vfpctl_usage ((*argv)[0], "needs a DOMAIN name");
  *domain = (*argv)[1];
  return VFPCTL_EXIT_OK;
}

char *
vfpctl_vf_address (const char *arg)
{
  g_autofree char *full = NULL;

  /* lspci prints "01:10.2" (bus:device.function) for domain 0000 */
  if (g_regex_match_simple ("^[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$", arg, 0, 0))
    arg = full = g_strconcat ("0000:", arg, NULL);
  return g_ascii_strdown (arg, -1);
}

int
vfpctl_usage_fail (const char *command, const GError *error)
{
  fprintf (stderr, "vfpoolctl: %s: %s (see vfpoolctl %s --help)\n", command, error->message,
           command);
  return VFPCTL_EXIT_USAGE;
}

int
vfpctl_usage (const char *command, const char *format, ...)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (&error, VFPCTL_USAGE_ERROR, 0, message);
  return vfpctl_usage_fail (command, error);
}
