/* vfp-test-util.c: shared helpers for the cmocka unit tests. */
#include "vfp-test-util.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

char *
vfp_test_mkdtemp (const char *tag)
{
  g_autofree char *base = g_build_filename (TEST_BUILDDIR, "tmp", NULL);
  g_autofree char *tmpl = NULL;
  char *dir;

  g_mkdir_with_parents (base, 0755);
  tmpl = g_strdup_printf ("%s/%s-XXXXXX", base, tag);
  dir = g_mkdtemp (g_steal_pointer (&tmpl));
  if (dir == NULL)
    g_error ("mkdtemp in %s: %s", base, g_strerror (errno));
  return dir;
}

void
vfp_test_make_sysfs (const char *root, const char *layout)
{
  g_autofree char *script = vfp_test_srcpath ("sysfs/mksysfs");
  g_auto (GStrv) words = g_strsplit (layout, " ", -1);
  guint n = g_strv_length (words);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int status = 0;

  /* "--opt X ... LAYOUT": mksysfs wants its options before ROOT. */
  g_ptr_array_add (argv, "/bin/bash");
  g_ptr_array_add (argv, script);
  for (guint i = 0; i + 1 < n; i++)
    g_ptr_array_add (argv, words[i]);
  g_ptr_array_add (argv, (gpointer) root);
  g_ptr_array_add (argv, n > 0 ? words[n - 1] : (char *) "");
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     NULL, NULL, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    g_error ("mksysfs %s %s: %s", root, layout, error->message);
}

void
vfp_test_write (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (parent, 0755);
  if (!g_file_set_contents (path, text, -1, &error))
    g_error ("write %s: %s", path, error->message);
  /* whatever the umask: the config loader refuses group-writable pool files */
  if (g_chmod (path, 0644) != 0)
    g_error ("chmod %s: %s", path, g_strerror (errno));
}

void
vfp_test_rmtree (const char *path)
{
  const char *argv[] = { "/bin/rm", "-rf", path, NULL };
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                NULL, NULL, NULL);
}

char *
vfp_test_srcpath (const char *relpath)
{
  return g_build_filename (TEST_SRCDIR, relpath, NULL);
}

char *
vfp_test_load_xml (const char *file)
{
  g_autofree char *rel = g_build_filename ("data", "xml", file, NULL);
  g_autofree char *path = vfp_test_srcpath (rel);
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error))
    fail_msg ("cannot read %s: %s", path, error->message);
  return text;
}

VfpDomXml *
vfp_test_parse_or_fail (const char *what, const char *text)
{
  g_autoptr (GError) error = NULL;
  VfpDomXml *dom = NULL;

  if (!vfp_domxml_parse (text, strlen (text), &dom, &error))
    fail_msg ("%s: parse failed: %s", what, error->message);
  if (dom == NULL)
    fail_msg ("%s: parse succeeded without a document", what);
  return dom;
}

void
vfp_test_add_table (GArray *tests, CMUnitTestFunction fn, const void *rows, gsize row_size,
                    gsize n_rows)
{
  for (gsize i = 0; i < n_rows; i++)
    {
      const void *row = (const char *) rows + i * row_size;
      struct CMUnitTest t = { *(const char *const *) row, fn, NULL, NULL, (void *) row };

      g_array_append_val (tests, t);
    }
}

void
vfp_test_add (GArray *tests, const char *name, CMUnitTestFunction fn)
{
  struct CMUnitTest t = { name, fn, NULL, NULL, NULL };

  g_array_append_val (tests, t);
}
