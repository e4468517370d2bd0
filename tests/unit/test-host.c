/* test-host.c: SR-IOV host discovery (vfp-host) against the fake sysfs trees of tests/sysfs/mksysfs. */
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
#include "vfp-host.h"
#include "vfp-test-util.h"

/* Failing checks name the case, so a table row that breaks is obvious. */
#define CHECK_STR(what, got, want)                                            \
  do {                                                                        \
    const char *got_ = (got), *want_ = (want);                                \
    if (g_strcmp0 (got_, want_) != 0)                                         \
      fail_msg ("%s: %s = '%s', want '%s'", (what), #got,                     \
                got_ ? got_ : "(null)", want_ ? want_ : "(null)");            \
  } while (0)
#define CHECK_INT(what, got, want)                                            \
  do {                                                                        \
    long long got_ = (got), want_ = (want);                                   \
    if (got_ != want_)                                                        \
      fail_msg ("%s: %s = %lld, want %lld", (what), #got, got_, want_);       \
  } while (0)
#define CHECK(what, cond)                                                     \
  do {                                                                        \
    if (!(cond))                                                              \
      fail_msg ("%s: expected %s", (what), #cond);                            \
  } while (0)

/* One fake sysfs per layout, built once for the whole run. */
typedef struct {
  char *dir;
  GHashTable *roots;    /* layout -> root */
} Fixture;

static const char *const layouts[] = {
  "igb", "e810", "numa2", "demo", "off", "shared-iommu", "scale:1:256", "scale:3:2",
};

static int
setup (void **state)
{
  Fixture *fx = g_new0 (Fixture, 1);

  fx->dir = vfp_test_mkdtemp ("test-host");
  fx->roots = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (gsize i = 0; i < G_N_ELEMENTS (layouts); i++)
    {
      char *root = g_build_filename (fx->dir, layouts[i], NULL);
      vfp_test_make_sysfs (root, layouts[i]);
      g_hash_table_insert (fx->roots, (gpointer) layouts[i], root);
    }
  {
    /* A virtual interface (bridge): in class/net, but no device link. */
    g_autofree char *br = g_build_filename (g_hash_table_lookup (fx->roots, "igb"),
                                            "class", "net", "br0", NULL);
    g_mkdir_with_parents (br, 0755);
  }
  *state = fx;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *fx = *state;

  vfp_test_rmtree (fx->dir);
  g_hash_table_unref (fx->roots);
  g_free (fx->dir);
  g_free (fx);
  return 0;
}

static const char *
root_of (void **state, const char *layout)
{
  Fixture *fx = *state;
  const char *root = g_hash_table_lookup (fx->roots, layout);

  if (root == NULL)
    fail_msg ("no fixture for layout %s", layout);
  return root;
}

/* ---- PCI addresses ------------------------------------------------------ */

static void
test_pci_address (void **state)
{
  static const struct {
    const char *text;
    gboolean valid;
    guint domain, bus, slot, function;
  } cases[] = {
    { "0000:01:00.0", TRUE, 0, 0x01, 0x00, 0 },
    { "0000:3b:01.7", TRUE, 0, 0x3b, 0x01, 7 },
    { "ffff:ff:1f.7", TRUE, 0xffff, 0xff, 0x1f, 7 },
    { "0001:81:10.2", TRUE, 1, 0x81, 0x10, 2 },
    { "0000:3B:00.0", FALSE },      /* upper case */
    { "0000:01:20.0", FALSE },      /* slot > 0x1f */
    { "0000:01:00.8", FALSE },      /* function > 7 */
    { "000:01:00.0", FALSE },
    { "0000:001:00.0", FALSE },
    { "0000:01:00.00", FALSE },
    { "0000:01:00", FALSE },
    { "0000:01:0", FALSE },         /* ends inside a field */
    { "0000", FALSE },
    { "0000:01:00.", FALSE },
    { "0000-01-00.0", FALSE },
    { "0000:01:00.0 ", FALSE },
    { " 0000:01:00.0", FALSE },
    { "0000:0g:00.0", FALSE },
    { "0000:01:00:0", FALSE },
    { "../01:00.0/x", FALSE },
    { "", FALSE },
    { NULL, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *what = cases[i].text ? cases[i].text : "(null)";
      guint d = 111, b = 111, s = 111, f = 111;
      gboolean parsed = vfp_pci_address_parse (cases[i].text, &d, &b, &s, &f);

      CHECK_INT (what, vfp_pci_address_is_valid (cases[i].text), cases[i].valid);
      CHECK_INT (what, parsed, cases[i].valid);
      if (cases[i].valid)
        {
          CHECK_INT (what, d, cases[i].domain);
          CHECK_INT (what, b, cases[i].bus);
          CHECK_INT (what, s, cases[i].slot);
          CHECK_INT (what, f, cases[i].function);
        }
      else
        {
          /* Outputs stay untouched on failure. */
          CHECK_INT (what, d, 111);
          CHECK_INT (what, f, 111);
        }
    }
  /* Each output is optional. */
  CHECK_INT ("NULL outputs", vfp_pci_address_parse ("0000:01:10.2", NULL, NULL, NULL, NULL), TRUE);
}

/* ---- PFs ---------------------------------------------------------------- */

/* vfp_host_read_pf(), checked against the same read through a VfpSysfs
 * handle (directories opened once, as config loading does) after another
 * PF was read through it: the same PF, or the same error message. */
static gboolean
read_pf_both (const char *root, const char *name, VfpPf **out, GError **error)
{
  g_auto (VfpSysfs) sys = { NULL, -2, -2, 0 };
  g_autoptr (VfpPf) other = NULL;
  g_autoptr (VfpPf) via = NULL;
  g_autoptr (GError) via_error = NULL;
  gboolean ok = vfp_host_read_pf (root, name, out, error);

  vfp_sysfs_init (&sys, root);
  (void) vfp_host_read_pf_in (&sys, "ens1f0", &other, NULL);
  if (vfp_host_read_pf_in (&sys, name, &via, &via_error) != ok)
    fail_msg ("'%s': through the handle %s", name, ok ? "failed" : "succeeded");
  if (!ok)
    assert_string_equal (via_error->message, (*error)->message);
  else
    {
      g_autofree char *address = vfp_host_pf_address_in (&sys, name);

      assert_string_equal (via->pci, (*out)->pci);
      assert_string_equal (address, (*out)->pci);
      assert_int_equal (via->vfs->len, (*out)->vfs->len);
      for (guint j = 0; j < via->vfs->len; j++)
        assert_string_equal (((VfpVf *) via->vfs->pdata[j])->pci,
                             ((VfpVf *) (*out)->vfs->pdata[j])->pci);
    }
  return ok;
}

static void
test_read_pf_layouts (void **state)
{
  static const struct {
    const char *layout, *name;
    const char *pci, *netdev, *driver;
    int numa;
    guint num;
    const char *vf_first, *vf_last;
  } cases[] = {
    { "igb", "ens1f0", "0000:01:00.0", "ens1f0", "igb", 0, 7, "0000:01:10.0", "0000:01:11.4" },
    { "igb", "0000:01:00.0", "0000:01:00.0", "ens1f0", "igb", 0, 7, "0000:01:10.0", "0000:01:11.4" },
    { "e810", "ens2f0", "0000:3b:00.0", "ens2f0", "ice", 0, 64, "0000:3b:01.0", "0000:3b:08.7" },
    { "e810", "0000:3b:00.0", "0000:3b:00.0", "ens2f0", "ice", 0, 64, "0000:3b:01.0", "0000:3b:08.7" },
    { "numa2", "ens1f0", "0000:01:00.0", "ens1f0", "igb", 0, 4, "0000:01:10.0", "0000:01:10.6" },
    { "numa2", "ens4f0", "0000:81:00.0", "ens4f0", "igb", 1, 4, "0000:81:10.0", "0000:81:10.6" },
    { "numa2", "0000:81:00.0", "0000:81:00.0", "ens4f0", "igb", 1, 4, "0000:81:10.0", "0000:81:10.6" },
    { "demo", "ens1f0", "0000:01:00.0", "ens1f0", "igb", 0, 4, "0000:01:10.0", "0000:01:10.6" },
    { "demo", "ens1f1", "0000:01:00.1", "ens1f1", "igb", 0, 4, "0000:01:10.1", "0000:01:10.7" },
    { "demo", "0000:01:00.1", "0000:01:00.1", "ens1f1", "igb", 0, 4, "0000:01:10.1", "0000:01:10.7" },
    { "shared-iommu", "ens1f0", "0000:01:00.0", "ens1f0", "igb", 0, 4, "0000:01:10.0", "0000:01:10.6" },
    { "shared-iommu", "0000:01:00.0", "0000:01:00.0", "ens1f0", "igb", 0, 4, "0000:01:10.0", "0000:01:10.6" },
    { "scale:3:2", "ens1f0", "0000:10:00.0", "ens1f0", "ice", 0, 2, "0000:10:01.0", "0000:10:01.1" },
    { "scale:3:2", "ens2f0", "0000:12:00.0", "ens2f0", "ice", 1, 2, "0000:12:01.0", "0000:12:01.1" },
    { "scale:3:2", "0000:14:00.0", "0000:14:00.0", "ens3f0", "ice", 0, 2, "0000:14:01.0", "0000:14:01.1" },
    /* 256 VFs fill the rest of the PF's bus and spill into the next one. */
    { "scale:1:256", "ens1f0", "0000:10:00.0", "ens1f0", "ice", 0, 256, "0000:10:01.0", "0000:11:00.7" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s %s", cases[i].layout, cases[i].name);
      g_autoptr (GError) error = NULL;
      g_autoptr (VfpPf) pf = NULL;
      g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      if (!read_pf_both (root_of (state, cases[i].layout), cases[i].name, &pf, &error))
        fail_msg ("%s: %s", what, error->message);
      CHECK_STR (what, pf->pci, cases[i].pci);
      CHECK_STR (what, pf->netdev, cases[i].netdev);
      CHECK_STR (what, pf->driver, cases[i].driver);
      CHECK_INT (what, pf->numa_node, cases[i].numa);
      CHECK_INT (what, pf->num_vfs, cases[i].num);
      CHECK_INT (what, pf->vfs->len, cases[i].num);
      for (guint j = 0; j < pf->vfs->len; j++)
        {
          VfpVf *vf = pf->vfs->pdata[j];
          CHECK (what, vf->pf == pf);
          CHECK_INT (what, vf->index, j);
          CHECK (what, vfp_pci_address_is_valid (vf->pci));
          CHECK (what, g_hash_table_add (seen, vf->pci));
          /* The lookup allocation and the lease index use. */
          CHECK_INT (what, vfp_pf_vf_index (pf, vf->pci), j);
        }
      CHECK_INT (what, vfp_pf_vf_index (pf, pf->pci), -1);
      CHECK_INT (what, vfp_pf_vf_index (pf, "not an address"), -1);
      CHECK_STR (what, ((VfpVf *) pf->vfs->pdata[0])->pci, cases[i].vf_first);
      CHECK_STR (what, ((VfpVf *) pf->vfs->pdata[pf->vfs->len - 1])->pci, cases[i].vf_last);
    }
}

static void
test_igb_vf_addresses (void **state)
{
  static const char *const want[] = {
    "0000:01:10.0", "0000:01:10.2", "0000:01:10.4", "0000:01:10.6",
    "0000:01:11.0", "0000:01:11.2", "0000:01:11.4",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpPf) pf = NULL;

  if (!vfp_host_read_pf (root_of (state, "igb"), "ens1f0", &pf, &error))
    fail_msg ("igb: %s", error->message);
  CHECK_INT ("igb", pf->vfs->len, G_N_ELEMENTS (want));
  for (guint i = 0; i < pf->vfs->len; i++)
    {
      g_autofree char *what = g_strdup_printf ("igb virtfn%u", i);
      VfpVf *vf = pf->vfs->pdata[i];
      CHECK_STR (what, vf->pci, want[i]);
      CHECK_INT (what, vf->index, i);
    }
}

static void
test_e810_vf_addresses (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpPf) pf = NULL;

  if (!vfp_host_read_pf (root_of (state, "e810"), "ens2f0", &pf, &error))
    fail_msg ("e810: %s", error->message);
  CHECK_INT ("e810", pf->vfs->len, 64);
  for (guint i = 0; i < pf->vfs->len; i++)
    {
      /* offset 8, stride 1 from 3b:00.0: 3b:01.0 ... 3b:08.7 */
      g_autofree char *what = g_strdup_printf ("e810 virtfn%u", i);
      g_autofree char *want = g_strdup_printf ("0000:3b:%02x.%x", 1 + i / 8, i % 8);
      VfpVf *vf = pf->vfs->pdata[i];
      CHECK_STR (what, vf->pci, want);
      CHECK_INT (what, vf->index, i);
    }
}

static void
test_read_pf_errors (void **state)
{
  g_autofree char *long_name = g_strnfill (300, 'a');
  const struct {
    const char *layout, *name;
    int code;
    const char *needle1, *needle2;
  } cases[] = {
    { "off", "ens1f0", VFP_ERROR_INVALID_CONFIG, "SR-IOV is off on PF 'ens1f0' at 0000:01:00.0 (sriov_numvfs = 0); enable VFs with: echo N > ", "sriov_numvfs (N from 1 to 7)" },
    { "off", "ens1f0", VFP_ERROR_INVALID_CONFIG, "echo N > ", "/class/net/ens1f0/device/sriov_numvfs" },
    { "off", "0000:01:00.0", VFP_ERROR_INVALID_CONFIG, "SR-IOV is off", "/bus/pci/devices/0000:01:00.0/sriov_numvfs" },
    { "igb", "eth9", VFP_ERROR_INVALID_CONFIG, "'eth9' at 0000:00:19.0", "is not an SR-IOV physical function" },
    { "igb", "0000:00:19.0", VFP_ERROR_INVALID_CONFIG, "0000:00:19.0", "is not an SR-IOV physical function" },
    { "igb", "ens1f0v0", VFP_ERROR_INVALID_CONFIG, "is a virtual function of 0000:01:00.0", "ens1f0v0" },
    { "igb", "0000:01:10.2", VFP_ERROR_INVALID_CONFIG, "is a virtual function", "0000:01:10.2" },
    { "igb", "br0", VFP_ERROR_INVALID_CONFIG, "'br0' is not a PCI network interface", NULL },
    { "igb", "nosuch0", VFP_ERROR_NOT_FOUND, "'nosuch0'", NULL },
    { "igb", "0000:09:00.0", VFP_ERROR_NOT_FOUND, "0000:09:00.0", NULL },
    { "igb", "0000:3B:00.0", VFP_ERROR_NOT_FOUND, "0000:3B:00.0", NULL },
    { "igb", "../x", VFP_ERROR_INVALID_CONFIG, "'../x'", NULL },
    { "igb", "a/b", VFP_ERROR_INVALID_CONFIG, "'a/b'", "'/'" },
    { "igb", "..", VFP_ERROR_INVALID_CONFIG, "'..'", NULL },
    { "igb", ".", VFP_ERROR_INVALID_CONFIG, "'.'", NULL },
    { "igb", "ens1f0/../../..", VFP_ERROR_INVALID_CONFIG, "ens1f0/../../..", NULL },
    { "igb", "", VFP_ERROR_INVALID_CONFIG, "empty", NULL },
    { "igb", NULL, VFP_ERROR_INVALID_CONFIG, "empty", NULL },
    { "igb", "ens1f0 ", VFP_ERROR_INVALID_CONFIG, "'ens1f0 '", "spaces" },
    { "igb", "ens1\nf0", VFP_ERROR_INVALID_CONFIG, "ens1\\x0af0", NULL },
    { "igb", long_name, VFP_ERROR_INVALID_CONFIG, "aaaaaaaaaaaaaaaaaaaaaaaa", "longer than 255" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s '%.20s'", cases[i].layout,
                                               cases[i].name ? cases[i].name : "(null)");
      g_autoptr (GError) error = NULL;
      VfpPf *pf = NULL;

      if (read_pf_both (root_of (state, cases[i].layout), cases[i].name, &pf, &error))
        fail_msg ("%s: succeeded, want an error", what);
      CHECK (what, pf == NULL);
      if (!g_error_matches (error, VFP_ERROR, cases[i].code))
        fail_msg ("%s: error %s/%d '%s', want code %d", what,
                  g_quark_to_string (error->domain), error->code, error->message,
                  cases[i].code);
      if (strstr (error->message, cases[i].needle1) == NULL
          || (cases[i].needle2 != NULL && strstr (error->message, cases[i].needle2) == NULL))
        fail_msg ("%s: message '%s' lacks '%s'%s%s", what, error->message,
                  cases[i].needle1, cases[i].needle2 ? " or " : "",
                  cases[i].needle2 ? cases[i].needle2 : "");
      /* One line, short enough for a terminal even for hostile input. */
      CHECK (what, strchr (error->message, '\n') == NULL);
      CHECK (what, strlen (error->message) < 400);
    }
}

/* ---- VF details --------------------------------------------------------- */

static void
test_vf_info (void **state)
{
  static const char *const none[] = { NULL };
  static const char *const shared_peers_0[] = { "0000:00:1f.3", "0000:01:10.2", NULL };
  static const char *const shared_peers_1[] = { "0000:00:1f.3", "0000:01:10.0", NULL };
  static const char *const audio[] = { "0000:00:1f.3", NULL };
  static const char *const both_vfs[] = { "0000:01:10.0", "0000:01:10.2", NULL };
  static const struct {
    const char *layout, *pci;
    const char *driver, *netdev;
    guint vendor, device;
    int numa, group;
    const char *const *peers, *const *foreign;
  } cases[] = {
    { "igb", "0000:01:10.0", "igbvf", "ens1f0v0", 0x8086, 0x10ca, 0, 0x0180, none, none },
    { "igb", "0000:01:11.4", "igbvf", "ens1f0v6", 0x8086, 0x10ca, 0, 0x018c, none, none },
    { "e810", "0000:3b:01.0", "iavf", "ens2f0v0", 0x8086, 0x1889, 0, 0x3b08, none, none },
    { "e810", "0000:3b:08.7", "iavf", "ens2f0v63", 0x8086, 0x1889, 0, 0x3b47, none, none },
    { "numa2", "0000:01:10.6", "igbvf", "ens1f0v3", 0x8086, 0x10ca, 0, 0x0186, none, none },
    { "numa2", "0000:81:10.0", "igbvf", "ens4f0v0", 0x8086, 0x10ca, 1, 0x8180, none, none },
    { "demo", "0000:01:10.1", "igbvf", "ens1f1v0", 0x8086, 0x10ca, 0, 0x0181, none, none },
    /* VFs 0 and 1 share a group with the audio device: unsafe. */
    { "shared-iommu", "0000:01:10.0", "igbvf", "ens1f0v0", 0x8086, 0x10ca, 0, 0x00fb, shared_peers_0, audio },
    { "shared-iommu", "0000:01:10.2", "igbvf", "ens1f0v1", 0x8086, 0x10ca, 0, 0x00fb, shared_peers_1, audio },
    { "shared-iommu", "0000:01:10.4", "igbvf", "ens1f0v2", 0x8086, 0x10ca, 0, 0x0184, none, none },
    /* Not a VF, but readable: the audio device sees the VFs as peers. */
    { "shared-iommu", "0000:00:1f.3", "snd_hda_intel", NULL, 0x8086, 0xa348, -1, 0x00fb, both_vfs, none },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *what = g_strdup_printf ("%s %s", cases[i].layout, cases[i].pci);
      g_autoptr (GError) error = NULL;
      g_autoptr (VfpVfInfo) info = NULL;

      if (!vfp_host_read_vf_info (root_of (state, cases[i].layout), cases[i].pci, &info, &error))
        fail_msg ("%s: %s", what, error->message);
      CHECK_STR (what, info->pci, cases[i].pci);
      CHECK_STR (what, info->driver, cases[i].driver);
      CHECK_STR (what, info->netdev, cases[i].netdev);
      CHECK_INT (what, info->vendor, cases[i].vendor);
      CHECK_INT (what, info->device, cases[i].device);
      CHECK_INT (what, info->numa_node, cases[i].numa);
      CHECK_INT (what, info->iommu_group, cases[i].group);
      CHECK (what, info->iommu_peers != NULL && info->iommu_foreign != NULL);
      if (!g_strv_equal ((const char *const *) info->iommu_peers, cases[i].peers))
        {
          g_autofree char *got = g_strjoinv (",", info->iommu_peers);
          fail_msg ("%s: iommu_peers = [%s]", what, got);
        }
      if (!g_strv_equal ((const char *const *) info->iommu_foreign, cases[i].foreign))
        {
          g_autofree char *got = g_strjoinv (",", info->iommu_foreign);
          fail_msg ("%s: iommu_foreign = [%s]", what, got);
        }
    }
}

static void
test_vf_info_errors (void **state)
{
  static const struct {
    const char *pci;
    int code;
    const char *needle;
  } cases[] = {
    { "0000:01:1f.7", VFP_ERROR_NOT_FOUND, "0000:01:1f.7" },
    { "0000:01:10.0/../../x", VFP_ERROR_INVALID_CONFIG, "'/'" },
    { "../../etc", VFP_ERROR_INVALID_CONFIG, "../../etc" },
    { "ens1f0v0", VFP_ERROR_INVALID_CONFIG, "'ens1f0v0'" },
    { "0000:01:10.A", VFP_ERROR_INVALID_CONFIG, "0000:01:10.A" },
    { "", VFP_ERROR_INVALID_CONFIG, "empty" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *what = cases[i].pci;
      g_autoptr (GError) error = NULL;
      VfpVfInfo *info = NULL;

      if (vfp_host_read_vf_info (root_of (state, "igb"), cases[i].pci, &info, &error))
        fail_msg ("%s: succeeded, want an error", what);
      CHECK (what, info == NULL);
      if (!g_error_matches (error, VFP_ERROR, cases[i].code))
        fail_msg ("%s: error '%s' (code %d), want code %d", what, error->message,
                  error->code, cases[i].code);
      if (strstr (error->message, cases[i].needle) == NULL)
        fail_msg ("%s: message '%s' lacks '%s'", what, error->message, cases[i].needle);
    }
}

/* A VF handed to vfio-pci has no netdev; a host without IOMMU has no group;
 * an unbound VF has no driver.  None of that is an error. */
static void
test_vf_info_rebound (void **state)
{
  Fixture *fx = *state;
  g_autofree char *root = g_build_filename (fx->dir, "rebound", NULL);
  g_autofree char *vf0 = NULL, *vf1 = NULL, *path = NULL, *net = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpVfInfo) info = NULL;
  g_autoptr (VfpVfInfo) info1 = NULL;
  g_autoptr (VfpPf) pf = NULL;

  vfp_test_make_sysfs (root, "igb");
  vf0 = g_build_filename (root, "devices", "pci0000:00", "0000:01:10.0", NULL);
  vf1 = g_build_filename (root, "devices", "pci0000:00", "0000:01:10.2", NULL);

  /* VF0: bound to vfio-pci, so no netdev. */
  path = g_build_filename (vf0, "driver", NULL);
  CHECK ("rebound", g_unlink (path) == 0);
  CHECK ("rebound", symlink ("../../../bus/pci/drivers/vfio-pci", path) == 0);
  net = g_build_filename (vf0, "net", NULL);
  vfp_test_rmtree (net);
  g_clear_pointer (&path, g_free);

  /* VF1: unbound, no IOMMU, numa_node missing. */
  path = g_build_filename (vf1, "driver", NULL);
  CHECK ("unbound", g_unlink (path) == 0);
  g_free (path);
  path = g_build_filename (vf1, "iommu_group", NULL);
  CHECK ("unbound", g_unlink (path) == 0);
  g_free (path);
  path = g_build_filename (vf1, "numa_node", NULL);
  CHECK ("unbound", g_unlink (path) == 0);

  if (!vfp_host_read_vf_info (root, "0000:01:10.0", &info, &error))
    fail_msg ("vfio-pci VF: %s", error->message);
  CHECK_STR ("vfio-pci VF", info->driver, "vfio-pci");
  CHECK_STR ("vfio-pci VF", info->netdev, NULL);
  CHECK_INT ("vfio-pci VF", info->iommu_group, 0x180);

  if (!vfp_host_read_vf_info (root, "0000:01:10.2", &info1, &error))
    fail_msg ("unbound VF: %s", error->message);
  CHECK_STR ("unbound VF", info1->driver, NULL);
  CHECK_STR ("unbound VF", info1->netdev, "ens1f0v1");
  CHECK_INT ("unbound VF", info1->iommu_group, -1);
  CHECK_INT ("unbound VF", info1->numa_node, -1);
  CHECK ("unbound VF", info1->iommu_peers != NULL && info1->iommu_peers[0] == NULL);
  CHECK ("unbound VF", info1->iommu_foreign != NULL && info1->iommu_foreign[0] == NULL);

  /* The PF still lists all its VFs. */
  if (!vfp_host_read_pf (root, "ens1f0", &pf, &error))
    fail_msg ("rebound PF: %s", error->message);
  CHECK_INT ("rebound PF", pf->vfs->len, 7);
}

/* The address of virtfn @i of PF directory @dev, as its link says. */
static char *
virtfn_target (const char *dev, guint i)
{
  g_autofree char *name = g_strdup_printf ("virtfn%u", i);
  g_autofree char *path = g_build_filename (dev, name, NULL);
  g_autofree char *target = g_file_read_link (path, NULL);

  return target != NULL ? g_path_get_basename (target) : NULL;
}

/* A virtfnN link missing although sriov_numvfs counts it (VFs being
 * enabled, links appear in order) is an error, not a shorter list: on the
 * computed path the last link is checked; a layout the stride rule (from
 * virtfn0 and the last link) does not fit has every link read, so a missing
 * middle one is caught too.  Either way each address is its link's. */
static void
test_read_pf_missing_virtfn (void **state)
{
  Fixture *fx = *state;
  g_autofree char *root = g_build_filename (fx->dir, "missing-virtfn", NULL);
  g_autofree char *dev = NULL;
  g_autofree char *path = NULL;
  g_autofree char *odd = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpPf) computed = NULL;
  g_autoptr (VfpPf) linked = NULL;
  VfpPf *pf = NULL;

  vfp_test_make_sysfs (root, "igb");
  dev = g_build_filename (root, "devices", "pci0000:00", "0000:01:00.0", NULL);
  CHECK ("computed path reads igb", vfp_host_read_pf (root, "ens1f0", &computed, NULL));
  CHECK ("computed path has the stride rule", computed->vf_stride == 2);
  for (guint i = 0; i < computed->vfs->len; i++)
    {
      g_autofree char *want = virtfn_target (dev, i);
      const char *pci = ((VfpVf *) computed->vfs->pdata[i])->pci;

      CHECK ("computed address = virtfn link", g_strcmp0 (pci, want) == 0);
      CHECK ("computed path finds the VF", vfp_pf_vf_index (computed, pci) == (int) i);
    }
  /* VF 0's neighbour function is the other PF's VF (stride 2): not ours. */
  CHECK ("odd function is not a VF of this PF", vfp_pf_vf_index (computed, "0000:01:10.1") == -1);

  /* The last link off every line through virtfn0 (7 VFs from 01:10.0, and
   * 01:13.7 is 31 routing IDs on, not a multiple of 6): no rule, every
   * link read. */
  path = g_build_filename (dev, "virtfn6", NULL);
  CHECK ("re-point virtfn6", g_unlink (path) == 0 && symlink ("../0000:01:13.7", path) == 0);
  CHECK ("link path reads igb", vfp_host_read_pf (root, "ens1f0", &linked, NULL));
  CHECK ("link path has no stride rule", linked->vf_stride == 0);
  CHECK ("same VF count", computed->vfs->len == linked->vfs->len);
  for (guint i = 0; i < linked->vfs->len; i++)
    {
      g_autofree char *want = virtfn_target (dev, i);
      const char *pci = ((VfpVf *) linked->vfs->pdata[i])->pci;

      CHECK ("linked address = virtfn link", g_strcmp0 (pci, want) == 0);
      CHECK ("link path finds the VF", vfp_pf_vf_index (linked, pci) == (int) i);
    }
  odd = g_strdup (((VfpVf *) linked->vfs->pdata[6])->pci);
  CHECK ("the re-pointed VF is read as linked", strcmp (odd, "0000:01:13.7") == 0);
  CHECK ("odd function is not a VF of this PF", vfp_pf_vf_index (linked, "0000:01:10.1") == -1);
  g_free (path);

  path = g_build_filename (dev, "virtfn3", NULL);
  CHECK ("missing virtfn3", g_unlink (path) == 0);
  CHECK ("missing virtfn3", !vfp_host_read_pf (root, "ens1f0", &pf, &error));
  CHECK ("missing virtfn3", pf == NULL);
  CHECK ("missing virtfn3", error != NULL && strstr (error->message, "virtfn3") != NULL);
  g_clear_error (&error);

  vfp_test_rmtree (root);
  vfp_test_make_sysfs (root, "igb");
  g_free (path);
  path = g_build_filename (dev, "virtfn6", NULL);
  CHECK ("missing last virtfn6", g_unlink (path) == 0);
  CHECK ("missing last virtfn6", !vfp_host_read_pf (root, "ens1f0", &pf, &error));
  CHECK ("missing last virtfn6", error != NULL && strstr (error->message, "virtfn6") != NULL);
}

static void
test_vf_numa_matches_pf (void **state)
{
  static const char *const pfs[] = { "ens1f0", "ens4f0" };

  for (gsize i = 0; i < G_N_ELEMENTS (pfs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VfpPf) pf = NULL;

      if (!vfp_host_read_pf (root_of (state, "numa2"), pfs[i], &pf, &error))
        fail_msg ("numa2 %s: %s", pfs[i], error->message);
      CHECK_INT (pfs[i], pf->numa_node, (int) i);
      for (guint j = 0; j < pf->vfs->len; j++)
        {
          g_autoptr (VfpVfInfo) info = NULL;
          VfpVf *vf = pf->vfs->pdata[j];
          g_autofree char *what = g_strdup_printf ("numa2 %s", vf->pci);

          if (!vfp_host_read_vf_info (root_of (state, "numa2"), vf->pci, &info, &error))
            fail_msg ("%s: %s", what, error->message);
          CHECK_INT (what, info->numa_node, pf->numa_node);
        }
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_pci_address),
    cmocka_unit_test (test_read_pf_layouts),
    cmocka_unit_test (test_igb_vf_addresses),
    cmocka_unit_test (test_e810_vf_addresses),
    cmocka_unit_test (test_read_pf_errors),
    cmocka_unit_test (test_vf_info),
    cmocka_unit_test (test_vf_info_errors),
    cmocka_unit_test (test_vf_info_rebound),
    cmocka_unit_test (test_read_pf_missing_virtfn),
    cmocka_unit_test (test_vf_numa_matches_pf),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
