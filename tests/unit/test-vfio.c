/* test-vfio.c: binding VFs to vfio-pci and back (vfp-vfio) on a fake sysfs, by the files written. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "vfp-error.h"
#include "vfp-vfio.h"
#include "vfp-test-util.h"

#define VF "0000:01:10.0"
#define VF_DIR "devices/pci0000:00/" VF

typedef struct {
  char *dir;
  char *root;
} Env;

/* How a case bends the igb tree before the call. */
typedef enum {
  ON_IGBVF,         /* as built: VF on igbvf */
  ON_VFIO,          /* VF already handed to vfio-pci */
  UNBOUND,          /* no driver link */
  NO_VFIO_MODULE,   /* on igbvf, vfio-pci not loaded */
  NO_OVERRIDE,      /* on igbvf, kernel without driver_override */
} Shape;

static const struct {
  const char *name;
  Shape shape;
  gboolean bind;
  const char *pci;
  gboolean ok;
  const char *expect;     /* substring of the error */
  const char *override;   /* driver_override afterwards */
  const char *igbvf_unbind, *vfio_unbind, *probe;  /* content afterwards */
} cases[] = {
  /* The fake ignores writes: the VF stays on igbvf, which is a failure. */
  { "bind from igbvf, the VF stays there", ON_IGBVF, TRUE, VF, FALSE,
    "VF " VF " did not bind to vfio-pci: it is on igbvf", "vfio-pci", VF, "", VF },
  { "bind already on vfio-pci", ON_VFIO, TRUE, VF, TRUE, NULL, "", "", "", "" },
  { "bind unbound VF, nothing takes it", UNBOUND, TRUE, VF, FALSE,
    "VF " VF " did not bind to vfio-pci (it is unbound; is the vfio-pci module loaded? "
    "modprobe vfio-pci)", "vfio-pci", "", "", VF },
  { "bind without vfio-pci loaded", NO_VFIO_MODULE, TRUE, VF, FALSE, "modprobe vfio-pci",
    "", "", "", "" },
  { "bind on a kernel without driver_override", NO_OVERRIDE, TRUE, VF, FALSE,
    "driver_override", NULL, "", "", "" },
  { "bind hostile address", ON_IGBVF, TRUE, "../../x", FALSE, "not a PCI address",
    "", "", "", "" },
  { "bind missing VF", ON_IGBVF, TRUE, "0000:09:00.0", FALSE, "does not exist",
    "", "", "", "" },
  { "unbind from vfio-pci", ON_VFIO, FALSE, VF, TRUE, NULL, "\n", "", VF, VF },
  { "unbind a VF on igbvf only clears the override", ON_IGBVF, FALSE, VF, TRUE, NULL, "\n",
    "", "", "" },
  { "unbind an unbound VF probes it", UNBOUND, FALSE, VF, TRUE, NULL, "\n", "", "", VF },
};

static int
setup (void **state)
{
  Env *env = g_new0 (Env, 1);

  env->dir = vfp_test_mkdtemp ("vfio");
  *state = env;
  return 0;
}

static int
teardown (void **state)
{
  Env *env = *state;

  vfp_test_rmtree (env->dir);
  g_free (env->dir);
  g_free (env->root);
  g_free (env);
  return 0;
}

static char *
read_back (const char *root, const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

/* A fresh tree per case with the attributes the kernel has as empty files
 * (mksysfs does not make them: nothing else writes sysfs). */
static char *
make_tree (Env *env, guint i, Shape shape)
{
  g_autofree char *tag = g_strdup_printf ("case%u", i);
  char *root = g_build_filename (env->dir, tag, NULL);
  g_autofree char *link = g_build_filename (root, VF_DIR, "driver", NULL);

  vfp_test_make_sysfs (root, "igb");
  vfp_test_write (root, "bus/pci/drivers_probe", "");
  vfp_test_write (root, "bus/pci/drivers/igbvf/unbind", "");
  if (shape != NO_VFIO_MODULE)
    vfp_test_write (root, "bus/pci/drivers/vfio-pci/unbind", "");
  if (shape != NO_OVERRIDE)
    vfp_test_write (root, VF_DIR "/driver_override", "");
  if (shape == ON_VFIO || shape == UNBOUND)
    assert_int_equal (g_unlink (link), 0);
  if (shape == ON_VFIO)
    assert_int_equal (symlink ("../../../bus/pci/drivers/vfio-pci", link), 0);
  return root;
}

static void
check_file (const char *what, const char *root, const char *rel, const char *want)
{
  g_autofree char *got = read_back (root, rel);

  if (g_strcmp0 (got, want) != 0)
    fail_msg ("%s: %s = '%s', want '%s'", what, rel, got ? got : "(missing)",
              want ? want : "(missing)");
}

static void
test_cases (void **state)
{
  Env *env = *state;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *root = make_tree (env, i, cases[i].shape);
      g_autoptr (GError) error = NULL;
      gboolean ok = cases[i].bind ? vfp_vfio_bind (root, cases[i].pci, &error)
                                  : vfp_vfio_unbind (root, cases[i].pci, &error);

      if (ok != cases[i].ok)
        fail_msg ("%s: returned %d, want %d (%s)", cases[i].name, ok, cases[i].ok,
                  error != NULL ? error->message : "no error");
      if (!ok && strstr (error->message, cases[i].expect) == NULL)
        fail_msg ("%s: message '%s' lacks '%s'", cases[i].name, error->message,
                  cases[i].expect);
      if (!ok && cases[i].shape == NO_OVERRIDE
          && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        fail_msg ("%s: want G_FILE_ERROR_NOENT, got %s", cases[i].name, error->message);
      check_file (cases[i].name, root, VF_DIR "/driver_override", cases[i].override);
      check_file (cases[i].name, root, "bus/pci/drivers/igbvf/unbind", cases[i].igbvf_unbind);
      if (cases[i].shape != NO_VFIO_MODULE)
        check_file (cases[i].name, root, "bus/pci/drivers/vfio-pci/unbind",
                    cases[i].vfio_unbind);
      check_file (cases[i].name, root, "bus/pci/drivers_probe", cases[i].probe);
      /* never the new_id way: it would make vfio-pci grab every such VF */
      check_file (cases[i].name, root, "bus/pci/drivers/vfio-pci/new_id", NULL);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_cases, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
