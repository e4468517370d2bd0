/* vfp-doctor.c: the checks behind "vfpoolctl doctor", made as data from
 * files under configurable roots so fake trees test them ("explain":
 * vfp-explain.c). */
#include "config.h"
#include "vfp-doctor.h"
#include "vfp-lease-index.h"
#include "vfp-guests-conf.h"
#include "vfp-alloc.h"
#include "vfp-error.h"
#include "vfp-file.h"
#include "vfp-history.h"
#include "vfp-lease.h"
#include "vfp-quarantine.h"
#include "vfp-request.h"
#include "vfp-state-dir.h"
#include "vfp-vfio.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* sysfs attributes and /proc files are small; anything bigger is not one. */
#define SMALL_FILE_MAX (64 * 1024)
/* libvirt runs hooks from qemu.d/ since 6.5.0. */
#define LIBVIRT_QEMU_D_VERSION 6005000UL

/* ---- the report --------------------------------------------------------- */

void
vfp_check_free (VfpCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->id);
  g_free (check->saw);
  g_free (check->fix);
  g_free (check);
}

GPtrArray *
vfp_doctor_report_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_check_free);
}

void
vfp_doctor_add (GPtrArray *report, const char *id, VfpCheckStatus status, const char *fix,
                const char *saw_format, ...)
{
  VfpCheck *check = g_new0 (VfpCheck, 1);
  va_list ap;

  va_start (ap, saw_format);
  check->saw = g_strdup_vprintf (saw_format, ap);
  va_end (ap);
  check->id = g_strdup (id);
  check->status = status;
  check->fix = g_strdup (fix);
  g_ptr_array_add (report, check);
}

VfpCheckStatus
vfp_doctor_worst (GPtrArray *report)
{
  VfpCheckStatus worst = VFP_CHECK_PASS;

  for (guint i = 0; i < report->len; i++)
    worst = MAX (worst, ((VfpCheck *) report->pdata[i])->status);
  return worst;
}

VfpCheck *
vfp_doctor_find (GPtrArray *report, const char *id)
{
  for (guint i = 0; i < report->len; i++)
    if (strcmp (((VfpCheck *) report->pdata[i])->id, id) == 0)
      return report->pdata[i];
  return NULL;
}

const char *
vfp_check_status_to_string (VfpCheckStatus status)
{
  switch (status)
    {
    case VFP_CHECK_PASS:
      return "pass";
    case VFP_CHECK_WARN:
      return "warn";
    case VFP_CHECK_FAIL:
      return "fail";
    }
  return "fail";
}

/* ---- small readers ------------------------------------------------------ */

static char *
read_small (const char *path)
{
  char *text = NULL;

  if (!vfp_file_read (path, SMALL_FILE_MAX, &text, NULL))
    return NULL;
  return g_strstrip (text);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

/* Sorted names in @path (no dot files), or NULL when it is not a readable
 * directory. */
static GPtrArray *
list_dir (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  GPtrArray *names;
  const char *name;

  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static guint
count_dir (const char *path)
{
  g_autoptr (GPtrArray) names = list_dir (path);
  return names ? names->len : 0;
}

/* The last component of a symlink's text ("../../bus/pci/drivers/igb" →
 * "igb"), or NULL. */
static char *
link_base (const char *path)
{
  g_autofree char *text = g_file_read_link (path, NULL);
  return text ? g_path_get_basename (text) : NULL;
}

static gboolean
cmdline_has (GStrv words, const char *word)
{
  return words != NULL && g_strv_contains ((const char *const *) words, word);
}

/* ---- IOMMU and kernel command line -------------------------------------- */

/* The IOMMU words of the kernel command line, for a message: the whole
 * line is long and may hold things (root=, crypt options) that do not
 * belong in a report pasted into a ticket. */
static char *
iommu_words (GStrv cmdline)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (cmdline == NULL)
    return g_strdup ("unreadable");
  for (GStrv w = cmdline; *w; w++)
    if (g_str_has_prefix (*w, "intel_iommu=") || g_str_has_prefix (*w, "amd_iommu=")
        || g_str_has_prefix (*w, "iommu="))
      g_string_append_printf (out, "%s%s", out->len ? " " : "", *w);
  return out->len ? g_string_free (g_steal_pointer (&out), FALSE)
                  : g_strdup ("no intel_iommu=, amd_iommu= or iommu= option");
}

static void
check_iommu (const VfpDoctorPaths *paths, GPtrArray *report, GStrv cmdline)
{
  g_autofree char *class_dir = g_build_filename (paths->sysfs_root, "class", "iommu", NULL);
  g_autofree char *groups_dir = g_build_filename (paths->sysfs_root, "kernel", "iommu_groups",
                                                  NULL);
  g_autoptr (GPtrArray) units = list_dir (class_dir);
  guint groups = count_dir (groups_dir);
  g_autofree char *shown_cmdline = iommu_words (cmdline);
  const char *off = NULL;

  if (units != NULL && units->len > 0 && groups > 0)
    {
      g_autofree char *shown_units = NULL;

      g_ptr_array_add (units, NULL);
      shown_units = g_strjoinv (", ", (GStrv) units->pdata);
      vfp_doctor_add (report, "iommu", VFP_CHECK_PASS, NULL, "IOMMU on: %s, %u IOMMU groups",
                      shown_units, groups);
      return;
    }
  if (cmdline_has (cmdline, "intel_iommu=off"))
    off = "intel_iommu=off";
  else if (cmdline_has (cmdline, "amd_iommu=off"))
    off = "amd_iommu=off";
  else if (cmdline_has (cmdline, "iommu=off"))
    off = "iommu=off";
  if (off != NULL)
    {
      g_autofree char *fix = g_strdup_printf ("remove %s from GRUB_CMDLINE_LINUX in "
                                              "/etc/default/grub, run update-grub and reboot",
                                              off);
      vfp_doctor_add (report, "iommu", VFP_CHECK_FAIL, fix,
                      "no IOMMU: the kernel was booted with %s (%u entries in %s, %u IOMMU "
                      "groups); VFs cannot be passed to VMs", off,
                      units ? units->len : 0, class_dir, groups);
      return;
    }
  vfp_doctor_add (report, "iommu", VFP_CHECK_FAIL,
                  "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup; on Intel "
                  "also add intel_iommu=on iommu=pt to GRUB_CMDLINE_LINUX in /etc/default/grub "
                  "(AMD's IOMMU is on by default), run update-grub and reboot",
                  "no IOMMU: %u entries in %s, %u IOMMU groups (kernel command line: %s); "
                  "VFs cannot be passed to VMs", units ? units->len : 0, class_dir, groups,
                  shown_cmdline);
}

static void
check_cmdline (const VfpDoctorPaths *paths, GPtrArray *report, GStrv cmdline)
{
  g_autofree char *path = g_build_filename (paths->proc_root, "cmdline", NULL);

  if (cmdline == NULL)
    {
      vfp_doctor_add (report, "iommu-passthrough", VFP_CHECK_WARN, NULL,
                      "cannot read the kernel command line (%s)", path);
      return;
    }
  if (cmdline_has (cmdline, "iommu=pt"))
    {
      vfp_doctor_add (report, "iommu-passthrough", VFP_CHECK_PASS, NULL,
                      "kernel command line has iommu=pt%s",
                      cmdline_has (cmdline, "intel_iommu=on") ? " intel_iommu=on" : "");
      return;
    }
  vfp_doctor_add (report, "iommu-passthrough", VFP_CHECK_WARN,
                  "add iommu=pt to GRUB_CMDLINE_LINUX in /etc/default/grub, run update-grub "
                  "and reboot",
                  "kernel command line lacks iommu=pt: devices the host keeps pay for DMA "
                  "translation (VFs given to VMs are isolated either way)");
}

static void
check_vfio (const VfpDoctorPaths *paths, GPtrArray *report)
{
  g_autofree char *driver = g_build_filename (paths->sysfs_root, "bus", "pci", "drivers",
                                              "vfio-pci", NULL);
  g_autofree char *module = g_build_filename (paths->sysfs_root, "module", "vfio_pci", NULL);

  if (g_file_test (driver, G_FILE_TEST_IS_DIR) || g_file_test (module, G_FILE_TEST_IS_DIR))
    {
      vfp_doctor_add (report, "vfio-pci", VFP_CHECK_PASS, NULL, "vfio-pci is loaded");
      return;
    }
  vfp_doctor_add (report, "vfio-pci", VFP_CHECK_WARN,
                  "modprobe vfio-pci && echo vfio-pci > /etc/modules-load.d/vfio-pci.conf",
                  "vfio-pci is not loaded (neither %s nor %s): libvirt loads it at the first "
                  "passthrough, and that start fails if the module is missing", driver, module);
}

/* ---- pools and PFs ------------------------------------------------------ */

/* A PF as the pool files name it, resolved in sysfs independently of
 * vfp_config_load(), so an invalid config still gets its PFs checked. */
typedef struct {
  char *name;          /* as written in pfs= */
  char *dev_dir;       /* sysfs device directory, NULL when not found */
  char *pci;
  char *netdev;
  char *file;          /* first pool file naming it */
} RawPf;

static void
raw_pf_free (RawPf *pf)
{
  g_free (pf->name);
  g_free (pf->dev_dir);
  g_free (pf->pci);
  g_free (pf->netdev);
  g_free (pf->file);
  g_free (pf);
}

static void
resolve_raw_pf (const char *sysfs_root, RawPf *pf)
{
  g_autofree char *dir = NULL;
  g_autofree char *real = NULL;
  g_autoptr (GPtrArray) nets = NULL;
  g_autofree char *net_dir = NULL;

  if (!vfp_name_is_safe (pf->name))
    return;
  if (vfp_pci_address_is_valid (pf->name))
    dir = g_build_filename (sysfs_root, "bus", "pci", "devices", pf->name, NULL);
  else
    {
      dir = g_build_filename (sysfs_root, "class", "net", pf->name, "device", NULL);
      pf->netdev = g_strdup (pf->name);
    }
  real = realpath (dir, NULL);
  if (real == NULL || !g_file_test (real, G_FILE_TEST_IS_DIR))
    return;
  pf->dev_dir = g_steal_pointer (&dir);
  pf->pci = g_path_get_basename (real);
  if (pf->netdev == NULL)
    {
      net_dir = g_build_filename (pf->dev_dir, "net", NULL);
      nets = list_dir (net_dir);
      if (nets != NULL && nets->len > 0)
        pf->netdev = g_strdup (nets->pdata[0]);
    }
}

/* Every PF named in CONFIG_DIR/pools.d/ *.conf, once per device. */
static GPtrArray *
read_raw_pfs (const VfpDoctorPaths *paths)
{
  g_autofree char *dir = g_build_filename (paths->config_dir, "pools.d", NULL);
  g_autoptr (GPtrArray) files = list_dir (dir);
  GPtrArray *pfs = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_pf_free);

  for (guint f = 0; files != NULL && f < files->len; f++)
    {
      g_autofree char *path = g_build_filename (dir, files->pdata[f], NULL);
      g_autoptr (GKeyFile) kf = g_key_file_new ();
      g_auto (GStrv) groups = NULL;

      if (!g_str_has_suffix (files->pdata[f], ".conf")
          || !g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
        continue;
      groups = g_key_file_get_groups (kf, NULL);
      for (char **g = groups; *g; g++)
        {
          g_autofree char *value = g_key_file_get_value (kf, *g, "pfs", NULL);
          g_auto (GStrv) items = value ? g_strsplit (value, ";", -1) : NULL;

          for (char **it = items; it && *it; it++)
            {
              char *hash = strchr (*it, '#');
              RawPf *pf;
              gboolean dup = FALSE;

              if (hash != NULL)
                *hash = '\0';
              g_strstrip (*it);
              if (**it == '\0')
                continue;
              pf = g_new0 (RawPf, 1);
              pf->name = g_strdup (*it);
              pf->file = g_strdup (path);
              resolve_raw_pf (paths->sysfs_root, pf);
              for (guint i = 0; i < pfs->len && !dup; i++)
                {
                  RawPf *other = pfs->pdata[i];
                  dup = strcmp (other->name, pf->name) == 0
                        || (pf->pci && g_strcmp0 (other->pci, pf->pci) == 0);
                }
              if (dup)
                raw_pf_free (pf);
              else
                g_ptr_array_add (pfs, pf);
            }
        }
    }
  return pfs;
}

static char *
pf_attr (const RawPf *pf, const char *attr)
{
  g_autofree char *path = g_build_filename (pf->dev_dir, attr, NULL);
  return read_small (path);
}

static char *
pf_check_id (const char *kind, const RawPf *pf)
{
  return g_strdup_printf ("%s:%s", kind, pf->netdev ? pf->netdev : pf->name);
}

/* SR-IOV capable, VFs enabled.  FALSE when the PF is unusable (later PF
 * checks would only repeat that). */
static gboolean
check_pf_sriov (GPtrArray *report, const RawPf *pf)
{
  g_autofree char *id = pf_check_id ("pf-sriov", pf);
  g_autofree char *total_text = NULL;
  g_autofree char *num_text = NULL;
  g_autofree char *numvfs_path = NULL;
  g_autofree char *fix = NULL;
  guint64 total = 0, num = 0;

  if (pf->dev_dir == NULL)
    {
      fix = g_strdup_printf ("correct pfs= in %s: name an interface (ip -br link) or a PCI "
                             "address (lspci -D)", pf->file);
      vfp_doctor_add (report, id, VFP_CHECK_FAIL, fix,
                      "no network interface or PCI device '%s' on this host", pf->name);
      return FALSE;
    }
  total_text = pf_attr (pf, "sriov_totalvfs");
  if (total_text == NULL || !g_ascii_string_to_unsigned (total_text, 10, 1, 65535, &total, NULL))
    {
      fix = g_strdup_printf ("name an SR-IOV capable PF in pfs= of %s ('lspci -vs %s' shows "
                             "'Single Root I/O Virtualization' on one; some cards need SR-IOV "
                             "enabled in the firmware setup)", pf->file, pf->pci);
      vfp_doctor_add (report, id, VFP_CHECK_FAIL, fix,
                      "%s (%s) is not SR-IOV capable (no sriov_totalvfs)", pf->name, pf->pci);
      return FALSE;
    }
  num_text = pf_attr (pf, "sriov_numvfs");
  if (num_text != NULL)
    g_ascii_string_to_unsigned (num_text, 10, 0, 65535, &num, NULL);
  numvfs_path = g_build_filename (pf->dev_dir, "sriov_numvfs", NULL);
  if (num == 0)
    {
      fix = g_strdup_printf ("echo %" G_GUINT64_FORMAT " > %s (any N from 1 to %" G_GUINT64_FORMAT
                             "); to keep it across reboots put [pf %s] numvfs=N in "
                             "/etc/vfpool/sriov.conf: vfpool-vfs.service applies it at boot "
                             "(the package enables it; after make install: systemctl enable "
                             "vfpool-vfs.service)",
                             total, numvfs_path, total, pf->netdev ? pf->netdev : pf->name);
      vfp_doctor_add (report, id, VFP_CHECK_FAIL, fix,
                      "SR-IOV is off on %s (%s): 0 of %" G_GUINT64_FORMAT " VFs enabled",
                      pf->name, pf->pci, total);
      return FALSE;
    }
  vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL,
                  "%s (%s): %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " VFs enabled",
                  pf->name, pf->pci, num, total);
  return TRUE;
}

static void
check_pf_driver (GPtrArray *report, const RawPf *pf)
{
  g_autofree char *id = pf_check_id ("pf-driver", pf);
  g_autofree char *link = g_build_filename (pf->dev_dir, "driver", NULL);
  g_autofree char *driver = link_base (link);
  g_autofree char *fix = NULL;

  if (driver != NULL)
    {
      vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL, "%s is bound to %s", pf->name, driver);
      return;
    }
  fix = g_strdup_printf ("load the card's network driver: 'lspci -ks %s' names it under "
                         "'Kernel modules' (e.g. modprobe ice)", pf->pci);
  vfp_doctor_add (report, id, VFP_CHECK_FAIL, fix,
                  "%s (%s) has no driver: VFs are configured through the PF's driver",
                  pf->name, pf->pci);
}

static void
check_pf_link (const VfpDoctorPaths *paths, GPtrArray *report, const RawPf *pf)
{
  g_autofree char *id = pf_check_id ("pf-link", pf);
  g_autofree char *path = NULL;
  g_autofree char *state = NULL;
  g_autofree char *fix = NULL;
  VfpLink link;

  if (pf->netdev == NULL)
    {
      fix = g_strdup_printf ("bind %s to its network driver, or name a PF with an interface",
                             pf->pci);
      vfp_doctor_add (report, id, VFP_CHECK_FAIL, fix,
                      "%s has no network interface: vfpool sets VF MAC/VLAN through it",
                      pf->pci);
      return;
    }
  /* The link as allocation sees it (vfp-host.c), so doctor and picks agree. */
  path = g_build_filename (paths->sysfs_root, "class", "net", pf->netdev, "operstate", NULL);
  link = vfp_host_read_link (paths->sysfs_root, pf->netdev, &state);
  if (link == VFP_LINK_UP)
    {
      vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL, "%s link is up", pf->netdev);
      return;
    }
  fix = g_strdup_printf ("ip link set %s up; then check the cable and the switch port",
                         pf->netdev);
  if (state == NULL && link == VFP_LINK_UNKNOWN)
    vfp_doctor_add (report, id, VFP_CHECK_WARN, fix, "cannot read %s", path);
  else if (link == VFP_LINK_DOWN)
    vfp_doctor_add (report, id, VFP_CHECK_WARN, fix,
                    "%s link is down (operstate %s%s): VMs on its VFs get no carrier, and "
                    "its VFs are picked last (never with require-link=yes)", pf->netdev,
                    state != NULL ? state : "unreadable",
                    state != NULL && strcmp (state, "up") == 0 ? ", carrier 0" : "");
  else
    vfp_doctor_add (report, id, VFP_CHECK_WARN, fix,
                    "%s link is %s: VMs on its VFs may get no carrier", pf->netdev, state);
}

/* The driver the VFs of @pf bind to on the host (from virtfn0), or NULL. */
static char *
vf_host_driver (const RawPf *pf)
{
  g_autofree char *link = g_build_filename (pf->dev_dir, "virtfn0", "driver", NULL);
  char *driver = link_base (link);

  if (driver != NULL && strcmp (driver, "vfio-pci") == 0)
    g_clear_pointer (&driver, g_free);
  return driver;
}

static void
check_pf_autoprobe (GPtrArray *report, const RawPf *pf, const char *vf_driver)
{
  g_autofree char *id = pf_check_id ("pf-autoprobe", pf);
  g_autofree char *value = pf_attr (pf, "sriov_drivers_autoprobe");
  g_autofree char *path = g_build_filename (pf->dev_dir, "sriov_drivers_autoprobe", NULL);
  g_autofree char *fix = NULL;

  if (g_strcmp0 (value, "0") == 0)
    {
      vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL,
                      "sriov_drivers_autoprobe = 0: new VFs stay unbound until libvirt "
                      "binds them to vfio-pci");
      return;
    }
  if (value == NULL)
    {
      vfp_doctor_add (report, id, VFP_CHECK_WARN, NULL, "cannot read %s", path);
      return;
    }
  fix = g_strdup_printf ("echo 0 > %s before enabling VFs (set sriov_numvfs to 0 and back "
                         "for VFs that exist already)", path);
  vfp_doctor_add (report, id, VFP_CHECK_WARN, fix,
                  "sriov_drivers_autoprobe = %s: the host VF driver (%s) takes every VF as it "
                  "is created, so each free VF is a host interface that udev or "
                  "NetworkManager may configure (DHCP, IPv6) until libvirt unbinds it",
                  value, vf_driver ? vf_driver : "if any");
}

/* The VF indices of @pf in @pool whose IOMMU group is safe, as a pfs= item. */
static char *
safe_pfs_item (VfpPool *pool, VfpPf *pf, GHashTable *unsafe)
{
  g_autoptr (GString) s = g_string_new (pf->netdev ? pf->netdev : pf->pci);
  int run_start = -1, prev = -2;
  gboolean any = FALSE;

  g_string_append_c (s, '#');
  for (guint i = 0; i <= pool->members->len; i++)
    {
      VfpVf *vf = i < pool->members->len ? pool->members->pdata[i] : NULL;
      gboolean take = vf && vf->pf == pf && !g_hash_table_contains (unsafe, vf->pci);
      int idx = vf ? (int) vf->index : -10;

      if (take && idx == prev + 1 && run_start >= 0)
        {
          prev = idx;
          continue;
        }
      if (run_start >= 0)
        {
          g_string_append_printf (s, "%s%d", any ? "," : "", run_start);
          if (prev > run_start)
            g_string_append_printf (s, "-%d", prev);
          any = TRUE;
          run_start = -1;
        }
      if (take)
        run_start = prev = idx;
    }
  return any ? g_string_free (g_steal_pointer (&s), FALSE) : NULL;
}

static void
check_pool_iommu (const VfpDoctorPaths *paths, GPtrArray *report, VfpPool *pool)
{
  g_autofree char *id = g_strdup_printf ("vf-iommu:%s", pool->name);
  g_autoptr (GHashTable) unsafe = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) saw = g_string_new (NULL);
  g_autoptr (GString) safe = g_string_new (NULL);
  g_autofree char *fix = NULL;
  guint no_group = 0;

  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      g_autoptr (VfpVfInfo) info = NULL;
      g_autoptr (GError) error = NULL;

      if (!vfp_host_read_vf_info (paths->sysfs_root, vf->pci, &info, &error))
        {
          g_hash_table_add (unsafe, vf->pci);
          g_string_append_printf (saw, "%s%s: %s", saw->len ? "; " : "", vf->pci,
                                  error->message);
          continue;
        }
      if (info->iommu_group < 0)
        no_group++;
      else if (info->iommu_foreign[0] != NULL)
        {
          g_autofree char *foreign = g_strjoinv (", ", info->iommu_foreign);
          g_hash_table_add (unsafe, vf->pci);
          g_string_append_printf (saw, "%sVF %s (%s VF %u) shares IOMMU group %d with %s",
                                  saw->len ? "; " : "", vf->pci,
                                  vf->pf->netdev ? vf->pf->netdev : vf->pf->pci, vf->index,
                                  info->iommu_group, foreign);
        }
    }
  if (no_group == pool->members->len && pool->members->len > 0)
    {
      vfp_doctor_add (report, id, VFP_CHECK_FAIL, "enable the IOMMU (see check 'iommu')",
                      "pool '%s': its %u VFs have no IOMMU group, so libvirt cannot pass "
                      "them through", pool->name, pool->members->len);
      return;
    }
  if (g_hash_table_size (unsafe) == 0)
    {
      vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL,
                      "pool '%s': each of its %u VFs is alone in its IOMMU group or shares "
                      "it only with VFs", pool->name, pool->members->len);
      return;
    }
  for (guint p = 0; p < pool->pfs->len; p++)
    {
      g_autofree char *item = safe_pfs_item (pool, pool->pfs->pdata[p], unsafe);
      if (item != NULL)
        g_string_append_printf (safe, "%s%s", safe->len ? ";" : "", item);
    }
  if (safe->len > 0)
    fix = g_strdup_printf ("leave those VFs out of the pool: pfs=%s in %s (or move the card "
                           "to a slot whose root port has ACS)", safe->str, pool->file);
  else
    fix = g_strdup_printf ("move the card to a slot whose root port has ACS, or use another "
                           "PF in %s", pool->file);
  /* vfpool never hands these out, so a pool that keeps others only shrinks. */
  vfp_doctor_add (report, id, safe->len > 0 ? VFP_CHECK_WARN : VFP_CHECK_FAIL, fix,
                  "pool '%s': %u of %u VFs are never handed out: %s (passing one through "
                  "would give the VM those devices too)", pool->name,
                  g_hash_table_size (unsafe), pool->members->len, saw->str);
}

/* More VFs enabled on a PF than all pools use: memory and queues spent on
 * VFs nobody gets, and host interfaces for them if autoprobe is on. */
static void
check_vf_count (GPtrArray *report, VfpConfig *config)
{
  g_autoptr (GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint p = 0; p < config->pools->len; p++)
    {
      VfpPool *pool = config->pools->pdata[p];
      for (guint v = 0; v < pool->members->len; v++)
        g_hash_table_add (used, ((VfpVf *) pool->members->pdata[v])->pci);
    }
  for (guint p = 0; p < config->pools->len; p++)
    {
      VfpPool *pool = config->pools->pdata[p];
      for (guint f = 0; f < pool->pfs->len; f++)
        {
          VfpPf *pf = pool->pfs->pdata[f];
          const char *name = pf->netdev ? pf->netdev : pf->pci;
          g_autofree char *id = g_strdup_printf ("vf-count:%s", name);
          g_autoptr (GString) idle = g_string_new (NULL);
          g_autofree char *fix = NULL;
          guint n_used = 0;

          if (g_hash_table_contains (seen, pf->pci))
            continue;
          g_hash_table_add (seen, pf->pci);
          for (guint v = 0; v < pf->vfs->len; v++)
            {
              VfpVf *vf = pf->vfs->pdata[v];
              if (g_hash_table_contains (used, vf->pci))
                n_used++;
              else
                g_string_append_printf (idle, "%s%u", idle->len ? "," : "", vf->index);
            }
          if (n_used == pf->vfs->len)
            {
              vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL,
                              "%s: all %u enabled VFs are in pools", name, n_used);
              continue;
            }
          fix = g_strdup_printf ("put them in a pool (pfs=%s#%s), or enable only as many as "
                                 "the pools use: echo 0 > /sys/class/net/%s/device/sriov_numvfs"
                                 " && echo %u > /sys/class/net/%s/device/sriov_numvfs (only "
                                 "while no VF of %s is in use)",
                                 name, idle->str, name, n_used, name, name);
          vfp_doctor_add (report, id, VFP_CHECK_WARN, fix,
                          "%s: %u VFs enabled, %u of them in pools; not in any pool: VF %s",
                          name, pf->vfs->len, n_used, idle->str);
        }
    }
}

static void
check_config (const VfpDoctorPaths *paths, GPtrArray *report, VfpConfig **config_out)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GString) names = g_string_new (NULL);
  g_autofree char *fix = NULL;
  guint vfs = 0;

  if (!vfp_config_load (paths->config_dir, paths->sysfs_root, &config, &error))
    {
      vfp_doctor_add (report, "config", VFP_CHECK_FAIL,
                      "correct the file and key named above (see vfpool.conf(5)); every "
                      "start of a domain with a request fails until then",
                      "%s", error->message);
      return;
    }
  /* Broken pools fail "config" first; the pools that load still pass after
   * them. */
  if (config->unsafe != NULL)
    vfp_doctor_add (report, "config", VFP_CHECK_FAIL,
                    "give pools.d to root and let nobody else write it; every start of a "
                    "domain with a request fails until then", "%s", config->unsafe);
  for (guint b = 0; b < config->broken->len; b++)
    {
      g_autofree char *saw = vfp_broken_pool_describe (config->broken->pdata[b]);
      vfp_doctor_add (report, "config", VFP_CHECK_FAIL,
                      "correct the file and key named above (see vfpool.conf(5)); starts of "
                      "domains asking for this pool fail until then, the other pools work",
                      "%s", saw);
    }
  if (config->pools->len == 0 && !vfp_config_has_broken (config))
    {
      fix = g_strdup_printf ("create %s/pools.d/NAME.conf with a [pool NAME] group and pfs= "
                             "(see vfpool.conf(5))", paths->config_dir);
      vfp_doctor_add (report, "config", VFP_CHECK_WARN, fix, "no pools in %s/pools.d",
                      paths->config_dir);
    }
  else if (config->pools->len > 0)
    {
      for (guint p = 0; p < config->pools->len; p++)
        {
          VfpPool *pool = config->pools->pdata[p];
          g_string_append_printf (names, "%s%s (%u)", p ? ", " : "", pool->name,
                                  pool->members->len);
          vfs += pool->members->len;
        }
      vfp_doctor_add (report, "config", VFP_CHECK_PASS, NULL, "%u pool%s, %u VFs: %s",
                      config->pools->len, config->pools->len == 1 ? "" : "s", vfs, names->str);
    }
  *config_out = g_steal_pointer (&config);
}

/* ---- NetworkManager ------------------------------------------------------ */

static gboolean
nm_file_covers (const char *path, const char *driver)
{
  g_autofree char *text = NULL;
  g_autofree char *spec = g_strdup_printf ("driver:%s", driver);
  g_auto (GStrv) lines = NULL;

  if (!vfp_file_read (path, SMALL_FILE_MAX, &text, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      const char *line = g_strstrip (*l);
      if (g_str_has_prefix (line, "unmanaged-devices") && strstr (line, spec) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
nm_config_covers (const VfpDoctorPaths *paths, const char *driver)
{
  g_autofree char *main_conf = g_build_filename (paths->etc_root, "NetworkManager",
                                                 "NetworkManager.conf", NULL);
  g_autofree char *conf_d = g_build_filename (paths->etc_root, "NetworkManager", "conf.d",
                                              NULL);
  g_autoptr (GPtrArray) files = list_dir (conf_d);

  if (nm_file_covers (main_conf, driver))
    return TRUE;
  for (guint i = 0; files != NULL && i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (conf_d, files->pdata[i], NULL);
      if (g_str_has_suffix (files->pdata[i], ".conf") && nm_file_covers (path, driver))
        return TRUE;
    }
  return FALSE;
}

static void
check_networkmanager (const VfpDoctorPaths *paths, GPtrArray *report, GPtrArray *vf_drivers)
{
  g_autofree char *run = g_build_filename (paths->run_root, "NetworkManager", NULL);
  g_autoptr (GString) missing = g_string_new (NULL);
  g_autoptr (GString) specs = g_string_new (NULL);
  g_autofree char *fix = NULL;

  if (!g_file_test (run, G_FILE_TEST_IS_DIR))
    {
      vfp_doctor_add (report, "networkmanager", VFP_CHECK_PASS, NULL,
                      "NetworkManager is not running (no %s)", run);
      return;
    }
  if (vf_drivers->len == 0)
    {
      vfp_doctor_add (report, "networkmanager", VFP_CHECK_PASS, NULL,
                      "NetworkManager is running; pool VFs have no host network driver for "
                      "it to manage");
      return;
    }
  for (guint i = 0; i < vf_drivers->len; i++)
    if (!nm_config_covers (paths, vf_drivers->pdata[i]))
      {
        g_string_append_printf (missing, "%s%s", missing->len ? ", " : "",
                                (char *) vf_drivers->pdata[i]);
        g_string_append_printf (specs, "%sdriver:%s", specs->len ? ";" : "",
                                (char *) vf_drivers->pdata[i]);
      }
  if (missing->len == 0)
    {
      vfp_doctor_add (report, "networkmanager", VFP_CHECK_PASS, NULL,
                      "NetworkManager is running and leaves the VF interfaces alone "
                      "(unmanaged-devices)");
      return;
    }
  fix = g_strdup_printf ("printf '[keyfile]\\nunmanaged-devices=%s\\n' > "
                         "/etc/NetworkManager/conf.d/vfpool.conf && nmcli general reload",
                         specs->str);
  vfp_doctor_add (report, "networkmanager", VFP_CHECK_WARN, fix,
                  "NetworkManager is running and no unmanaged-devices rule covers the VF "
                  "driver%s %s: it may bring free VFs up (DHCP, IPv6) and fight libvirt "
                  "over them", strchr (missing->str, ',') ? "s" : "", missing->str);
}

/* ---- the hook and the libvirt daemon ------------------------------------ */

/* dpkg leaves these beside a conffile; in qemu.d an executable one is a second
 * hook that libvirt runs. */
static void
check_hook_leftovers (const VfpDoctorPaths *paths, GPtrArray *report)
{
  static const char *const suffixes[] = { ".dpkg-new", ".dpkg-old", ".dpkg-dist", ".dpkg-bak" };
  g_autofree char *dir_path = g_path_get_dirname (paths->hook_path);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *path = NULL;
        g_autofree char *fix = NULL;
        struct stat st;

        if (!g_str_has_suffix (name, suffixes[i]))
          continue;
        path = g_build_filename (dir_path, name, NULL);
        if (stat (path, &st) != 0 || !S_ISREG (st.st_mode) || (st.st_mode & 0111) == 0)
          continue;
        fix = g_strdup_printf ("rm %s; then restart libvirtd", path);
        vfp_doctor_add (report, "hook", VFP_CHECK_FAIL, fix,
                        "%s is executable: libvirt runs it as another hook", path);
      }
}

static gboolean
is_executable_file (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & S_IXUSR) != 0;
}

/* network=yes pools need the network hook, the sibling of the QEMU hook:
 * .../hooks/qemu.d/vfpool -> .../hooks/network.d/vfpool. */
static void
check_net_hook (const VfpDoctorPaths *paths, VfpConfig *config, GPtrArray *report)
{
  g_autofree char *qemu_d = g_path_get_dirname (paths->hook_path);
  g_autofree char *hooks = g_path_get_dirname (qemu_d);
  g_autofree char *path = g_build_filename (hooks, "network.d", "vfpool", NULL);
  g_autofree char *fix = NULL;
  const char *pool = NULL;

  for (guint p = 0; p < config->pools->len && pool == NULL; p++)
    if (((VfpPool *) config->pools->pdata[p])->network)
      pool = ((VfpPool *) config->pools->pdata[p])->name;
  if (pool == NULL)
    return;
  if (is_executable_file (path))
    {
      vfp_doctor_add (report, "network-hook", VFP_CHECK_PASS, NULL,
                      "%s is installed and executable", path);
      return;
    }
  fix = g_strdup_printf ("apt-get install --reinstall vfpool, or make install, or "
                         "ln -s /usr/sbin/vfpool-hook %s; then restart libvirtd", path);
  vfp_doctor_add (report, "network-hook", VFP_CHECK_FAIL, fix,
                  "no executable network hook at %s: ports of network=yes pools (pool '%s') "
                  "get no lease, no allow= check and none of the pool's knobs", path, pool);
}

static gboolean
check_hook (const VfpDoctorPaths *paths, GPtrArray *report, gint64 *mtime_out)
{
  g_autofree char *fix = NULL;
  g_autofree char *target = NULL;
  struct stat st;

  check_hook_leftovers (paths, report);
  /* The package and make install put a symlink to the binary in sbin there. */
  target = g_file_read_link (paths->hook_path, NULL);
  if (stat (paths->hook_path, &st) != 0)
    {
      int errsv = errno;
      if (target != NULL)
        {
          fix = g_strdup_printf ("apt-get install --reinstall vfpool (or make install), or "
                                 "rm %s; then restart libvirtd", paths->hook_path);
          vfp_doctor_add (report, "hook", VFP_CHECK_FAIL, fix,
                          "%s is a dangling link to %s (%s): libvirt fails to run it",
                          paths->hook_path, target, g_strerror (errsv));
          return FALSE;
        }
      fix = g_strdup_printf ("apt-get install --reinstall vfpool, or make install (it links "
                             "the hook there), or ln -s /usr/sbin/vfpool-hook %s; then "
                             "restart libvirtd", paths->hook_path);
      vfp_doctor_add (report, "hook", VFP_CHECK_FAIL, fix,
                      "no hook at %s (%s): 'virsh start' gives domains no VF",
                      paths->hook_path, g_strerror (errsv));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) || (st.st_mode & S_IXUSR) == 0)
    {
      fix = g_strdup_printf ("chmod 0755 %s", paths->hook_path);
      vfp_doctor_add (report, "hook", VFP_CHECK_FAIL, fix,
                      "%s is not an executable file (mode %04o): libvirt skips it",
                      paths->hook_path, (unsigned) (st.st_mode & 07777));
      return FALSE;
    }
  vfp_doctor_add (report, "hook", VFP_CHECK_PASS, NULL, "%s%s%s is installed and executable",
                  paths->hook_path, target ? " -> " : "", target ? target : "");
  *mtime_out = st.st_mtime;
  return TRUE;
}

/* The hook executes its hot-plug worker from the directory of its own
 * binary (the link's target): without it a plain 'virsh start' gives the
 * domain no VF (the hook releases what it leased). */
static void
check_hotplug_worker (const VfpDoctorPaths *paths, GPtrArray *report)
{
  g_autofree char *binary = realpath (paths->hook_path, NULL);
  g_autofree char *dir = NULL;
  g_autofree char *worker = NULL;
  g_autofree char *fix = NULL;

  if (binary == NULL)
    return;   /* check_hook said what is wrong with the hook itself */
  dir = g_path_get_dirname (binary);
  worker = g_build_filename (dir, "vfpool-hotplug", NULL);
  if (is_executable_file (worker))
    {
      vfp_doctor_add (report, "hotplug-worker", VFP_CHECK_PASS, NULL,
                      "%s is installed beside the hook", worker);
      return;
    }
  fix = g_strdup_printf ("apt-get install --reinstall vfpool, or make install (it installs "
                         "vfpool-hotplug beside %s)", binary);
  vfp_doctor_add (report, "hotplug-worker", VFP_CHECK_FAIL, fix,
                  "no executable hot-plug worker at %s: a plain 'virsh start' gives domains "
                  "no VF (the hook releases what it leased)", worker);
}

/* Debian's AppArmor profile for libvirtd lets it exec files under /etc/libvirt/hooks
 * and /usr/{s,}bin, nothing under /usr/local or /opt (docs/DESIGN.md §1); the
 * profile applies to the resolved path, so a symlink does not help. */
static void
check_apparmor (const VfpDoctorPaths *paths, GPtrArray *report)
{
  g_autofree char *enabled_path = g_build_filename (paths->sysfs_root, "module", "apparmor",
                                                    "parameters", "enabled", NULL);
  g_autofree char *enabled = read_small (enabled_path);
  g_autofree char *real = realpath (paths->hook_path, NULL);
  g_autofree char *fix = NULL;

  if (g_strcmp0 (enabled, "Y") != 0)
    {
      vfp_doctor_add (report, "apparmor", VFP_CHECK_PASS, NULL, "AppArmor is not enabled");
      return;
    }
  if (real != NULL && (strstr (real, "/usr/local/") != NULL || strstr (real, "/opt/") != NULL))
    {
      fix = g_strdup_printf ("link %s to /usr/sbin/vfpool-hook (the package does; from "
                             "source: configure --prefix=/usr --sysconfdir=/etc, make install)",
                             paths->hook_path);
      vfp_doctor_add (report, "apparmor", VFP_CHECK_WARN, fix,
                      "the hook resolves to %s: libvirtd's AppArmor profile does not let it "
                      "execute files under /usr/local or /opt", real);
      return;
    }
  vfp_doctor_add (report, "apparmor", VFP_CHECK_PASS, NULL,
                  "AppArmor is enabled; the hook at %s is where libvirtd's profile lets it "
                  "execute", real ? real : paths->hook_path);
}

/* Start time of process @pid in seconds since the epoch, or -1: field 22 of
 * /proc/PID/stat (clock ticks after boot) plus btime of /proc/stat. */
static gint64
process_start_time (const char *proc_root, const char *pid)
{
  g_autofree char *stat_path = g_build_filename (proc_root, pid, "stat", NULL);
  g_autofree char *boot_path = g_build_filename (proc_root, "stat", NULL);
  g_autofree char *stat = read_small (stat_path);
  g_autofree char *boot = read_small (boot_path);
  g_auto (GStrv) fields = NULL;
  g_auto (GStrv) lines = NULL;
  const char *after;
  guint64 ticks = 0, btime = 0;
  long hz = sysconf (_SC_CLK_TCK);

  /* The command name (field 2) may hold spaces and ')': fields start after
   * the last ')'. */
  if (stat == NULL || boot == NULL || hz <= 0 || (after = strrchr (stat, ')')) == NULL)
    return -1;
  fields = g_strsplit_set (after + 1, " ", -1);
  /* fields[0] is "" (the space after ')'), fields[1] is field 3 (state). */
  if (g_strv_length (fields) < 21
      || !g_ascii_string_to_unsigned (fields[20], 10, 0, G_MAXUINT64, &ticks, NULL))
    return -1;
  lines = g_strsplit (boot, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix (*l, "btime "))
      g_ascii_string_to_unsigned (g_strstrip (*l + 6), 10, 0, G_MAXINT64, &btime, NULL);
  if (btime == 0)
    return -1;
  return (gint64) btime + (gint64) (ticks / (guint64) hz);
}

static char *
format_time (gint64 t)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (t);
  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup ("?");
}

/* libvirt looks for hooks when the daemon starts (docs/DESIGN.md §1). */
static void
check_daemon (const VfpDoctorPaths *paths, GPtrArray *report, gint64 hook_mtime)
{
  g_autoptr (GPtrArray) entries = list_dir (paths->proc_root);
  g_autofree char *pid = NULL;
  g_autofree char *comm = NULL;
  g_autofree char *fix = NULL;
  g_autofree char *started_text = NULL;
  g_autofree char *hook_text = NULL;
  gint64 started;

  for (guint i = 0; entries != NULL && i < entries->len && pid == NULL; i++)
    {
      const char *name = entries->pdata[i];
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;

      if (strspn (name, "0123456789") != strlen (name))
        continue;
      path = g_build_filename (paths->proc_root, name, "comm", NULL);
      text = read_small (path);
      if (g_strcmp0 (text, "libvirtd") == 0 || g_strcmp0 (text, "virtqemud") == 0)
        {
          pid = g_strdup (name);
          comm = g_steal_pointer (&text);
        }
    }
  if (pid == NULL)
    {
      vfp_doctor_add (report, "libvirtd", VFP_CHECK_WARN,
                      "systemctl start libvirtd (or virtqemud with the modular daemons)",
                      "neither libvirtd nor virtqemud is running");
      return;
    }
  if (hook_mtime <= 0)
    {
      vfp_doctor_add (report, "libvirtd", VFP_CHECK_PASS, NULL, "%s is running (pid %s)",
                      comm, pid);
      return;
    }
  started = process_start_time (paths->proc_root, pid);
  if (started < 0)
    {
      vfp_doctor_add (report, "libvirtd", VFP_CHECK_WARN, NULL,
                      "%s is running (pid %s) but its start time cannot be read", comm, pid);
      return;
    }
  started_text = format_time (started);
  hook_text = format_time (hook_mtime);
  if (started < hook_mtime)
    {
      fix = g_strdup_printf ("systemctl restart %s", comm);
      vfp_doctor_add (report, "libvirtd", VFP_CHECK_WARN, fix,
                      "%s (pid %s) started %s, before the hook was installed (%s): it only "
                      "picks up hooks when it starts", comm, pid, started_text, hook_text);
      return;
    }
  vfp_doctor_add (report, "libvirtd", VFP_CHECK_PASS, NULL,
                  "%s (pid %s) started %s, after the hook was installed (%s)", comm, pid,
                  started_text, hook_text);
}

/* ---- state and history directories --------------------------------------- */

/* One directory check: PASS, or FAIL with the message split into what was
 * seen and its fix (the checks word them "...; fix: ..."). */
static void
add_dir_check (GPtrArray *report, const char *id, const char *what, const char *path,
               gboolean ok, const GError *error)
{
  g_auto (GStrv) parts = NULL;

  if (ok)
    {
      vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL,
                      "%s %s is private to uid %u (or not created yet)", what, path,
                      (guint) geteuid ());
      return;
    }
  parts = g_strsplit (error->message, "; fix: ", 2);
  vfp_doctor_add (report, id, VFP_CHECK_FAIL, parts[1], "%s: %s", what, parts[0]);
}

/* The per-PF lease index (vfp-lease-index.h) against the lease files.
 * Only a cache, so a warning: a start never trusts it over a lease file. */
static void
check_lease_index (const char *state_dir, GPtrArray *report)
{
  g_autoptr (GPtrArray) leases = NULL;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *joined = NULL;

  if (!vfp_state_dir_check (state_dir, NULL) || !vfp_lease_list (state_dir, &leases, NULL, NULL))
    return;   /* the state-dir check says why */
  vfp_lease_index_audit (state_dir, leases, problems);
  if (problems->len == 0)
    {
      vfp_doctor_add (report, "lease-index", VFP_CHECK_PASS, NULL,
                      "lease index agrees with the %u lease file%s", leases->len,
                      leases->len == 1 ? "" : "s");
      return;
    }
  g_ptr_array_add (problems, NULL);
  joined = g_strjoinv ("; ", (char **) problems->pdata);
  vfp_doctor_add (report, "lease-index", VFP_CHECK_WARN,
                  "vfpoolctl reconcile (rebuilds the index from the lease files; starts "
                  "meanwhile fall back to reading the lease files where it is not usable)",
                  "%s", joined);
}

void
vfp_doctor_check_state (const char *state_dir, const char *history_dir, GPtrArray *report)
{
  g_autoptr (GError) state_error = NULL;
  g_autoptr (GError) history_error = NULL;
  gboolean ok;

  ok = vfp_state_dir_check (state_dir, &state_error);
  add_dir_check (report, "state-dir", "state dir", state_dir, ok, state_error);
  ok = vfp_history_dir_check (history_dir, &history_error);
  add_dir_check (report, "history-dir", "history dir", history_dir, ok, history_error);
  check_lease_index (state_dir, report);
}

/* A pool of several PFs that are all functions of one physical port
 * (same phys_port_id) looks redundant but is not: bonds on it are refused
 * and its VFs share one cable.  Pools of one PF are what they look like. */
static void
check_pool_ports (GPtrArray *report, VfpPool *pool)
{
  g_autofree char *id = g_strdup_printf ("pool-ports:%s", pool->name);
  g_autofree char *fix = NULL;
  g_autoptr (GString) names = g_string_new (NULL);
  g_autofree char *port = NULL;
  const char *first;

  if (pool->pfs->len < 2)
    return;
  first = vfp_pf_port_key (pool->pfs->pdata[0]);
  for (guint i = 0; i < pool->pfs->len; i++)
    {
      VfpPf *pf = pool->pfs->pdata[i];
      if (strcmp (vfp_pf_port_key (pf), first) != 0)
        {
          vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL,
                          "pool '%s' spans more than one physical port: bonds can be placed",
                          pool->name);
          return;
        }
      g_string_append_printf (names, "%s%s", names->len ? ", " : "",
                              pf->netdev ? pf->netdev : pf->pci);
    }
  fix = g_strdup_printf ("add a PF of another physical port to pfs= in %s", pool->file);
  port = vfp_error_quote (first);
  vfp_doctor_add (report, id, VFP_CHECK_WARN, fix,
                  "pool '%s': its PFs (%s) are all functions of one physical port "
                  "(phys_port_id %s): one cable or switch port down takes every VF, and "
                  "bond= requests on the pool are refused", pool->name, names->str, port);
}

/* ---- all host checks ---------------------------------------------------- */

void
vfp_doctor_check_host (const VfpDoctorPaths *paths, GPtrArray *report, VfpConfig **config_out)
{
  g_autofree char *cmdline_path = g_build_filename (paths->proc_root, "cmdline", NULL);
  g_autofree char *cmdline_text = read_small (cmdline_path);
  g_auto (GStrv) cmdline = NULL;
  g_autoptr (GPtrArray) raw_pfs = read_raw_pfs (paths);
  g_autoptr (GPtrArray) vf_drivers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (VfpConfig) config = NULL;
  gint64 hook_mtime = 0;

  if (cmdline_text != NULL)
    {
      /* /proc/cmdline separates with spaces; a NUL-separated copy is not it. */
      g_strdelimit (cmdline_text, "\t\n", ' ');
      cmdline = g_strsplit (cmdline_text, " ", -1);
    }
  check_iommu (paths, report, cmdline);
  check_cmdline (paths, report, cmdline);
  check_vfio (paths, report);
  check_config (paths, report, &config);

  for (guint i = 0; i < raw_pfs->len; i++)
    {
      RawPf *pf = raw_pfs->pdata[i];
      g_autofree char *driver = NULL;

      if (!check_pf_sriov (report, pf))
        continue;
      check_pf_driver (report, pf);
      check_pf_link (paths, report, pf);
      driver = vf_host_driver (pf);
      check_pf_autoprobe (report, pf, driver);
      if (driver != NULL && !g_ptr_array_find_with_equal_func (vf_drivers, driver, g_str_equal,
                                                              NULL))
        g_ptr_array_add (vf_drivers, g_steal_pointer (&driver));
    }
  if (config != NULL)
    {
      for (guint p = 0; p < config->pools->len; p++)
        {
          check_pool_iommu (paths, report, config->pools->pdata[p]);
          check_pool_ports (report, config->pools->pdata[p]);
        }
      check_vf_count (report, config);
    }
  check_networkmanager (paths, report, vf_drivers);
  if (config != NULL)
    check_net_hook (paths, config, report);
  if (check_hook (paths, report, &hook_mtime))
    {
      check_hotplug_worker (paths, report);
      check_apparmor (paths, report);
    }
  check_daemon (paths, report, hook_mtime);

  if (config_out != NULL)
    *config_out = g_steal_pointer (&config);
}

void
vfp_doctor_check_libvirt_version (gulong version, GPtrArray *report)
{
  if (version >= LIBVIRT_QEMU_D_VERSION)
    vfp_doctor_add (report, "libvirt-version", VFP_CHECK_PASS, NULL, "libvirt %lu.%lu.%lu",
                    version / 1000000, version / 1000 % 1000, version % 1000);
  else
    vfp_doctor_add (report, "libvirt-version", VFP_CHECK_FAIL,
                    "upgrade libvirt to 6.5 or later",
                    "libvirt %lu.%lu.%lu runs no hooks from qemu.d/ (that needs 6.5)",
                    version / 1000000, version / 1000 % 1000, version % 1000);
}

/* ---- host shutdown ------------------------------------------------------- */

/* Whether vfpool-guests.service is enabled: `systemctl enable` links it
 * into multi-user.target.wants (a link whose target may be missing under a
 * --root tree, hence lstat). */
static gboolean
guests_unit_enabled (const char *etc_root)
{
  g_autofree char *link = g_build_filename (etc_root, "systemd", "system",
                                            "multi-user.target.wants",
                                            "vfpool-guests.service", NULL);
  struct stat st;

  return lstat (link, &st) == 0;
}

/* "'web3' (pool tenant)" for each domain that holds a VF through a vfpool
 * network: the network hook's leases (port set), libvirt's port and not
 * vfpool's device, so vfpool-guests.service leaves it in, and libvirt
 * refuses to save a domain with a hostdev interface (e2e 10-network-pool
 * replays the refusal). */
static guint
list_network_holders (GPtrArray *leases, GString *out)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; leases != NULL && i < leases->len; i++)
    {
      VfpLease *lease = leases->pdata[i];
      g_autofree char *name = NULL;

      if (lease->port == NULL || lease->owner_uuid == NULL
          || !g_hash_table_add (seen, lease->owner_uuid))
        continue;
      name = vfp_error_quote (lease->owner_name ? lease->owner_name : lease->owner_uuid);
      g_string_append_printf (out, "%s'%s' (pool %s)", out->len ? ", " : "", name,
                              lease->pool ? lease->pool : "?");
    }
  return g_hash_table_size (seen);
}

void
vfp_doctor_check_shutdown (const VfpDoctorPaths *paths, GPtrArray *running,
                           GPtrArray *leases, GPtrArray *report)
{
  g_autofree char *file = g_build_filename (paths->etc_root, "default", "libvirt-guests", NULL);
  g_autofree char *setting = NULL;
  g_autofree char *mode = vfp_guests_on_shutdown (file, paths->guests_script, &setting);
  g_autoptr (GString) unsaveable = g_string_new (NULL);
  g_autoptr (GString) by_network = g_string_new (NULL);
  g_autofree char *fix = NULL;
  g_autofree char *network_note = NULL;
  g_autofree char *network_fix = NULL;
  guint with_vfs = 0, with_ports;

  if (g_strcmp0 (mode, "shutdown") == 0)
    {
      vfp_doctor_add (report, "host-shutdown", VFP_CHECK_PASS, NULL,
                      "%s: libvirt-guests shuts domains down at host shutdown, no save "
                      "needed", setting);
      return;
    }
  for (guint i = 0; i < running->len; i++)
    {
      VfpDomXml *dom = running->pdata[i];
      g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);
      g_autoptr (GString) nics = g_string_new (NULL);
      g_autofree char *name = NULL;

      for (guint d = 0; d < devices->len; d++)
        {
          VfpDomDevice *dev = devices->pdata[d];

          g_string_append_printf (nics, "%s%u%s", nics->len ? ", " : "", dev->nic,
                                  dev->failover ? " failover" : "");
        }
      if (nics->len == 0)
        continue;
      with_vfs++;
      name = vfp_error_quote (vfp_domxml_get_name (dom));
      g_string_append_printf (unsaveable, "%s'%s' (nic %s)", unsaveable->len ? ", " : "",
                              name, nics->str);
    }
  with_ports = list_network_holders (leases, by_network);
  network_fix = g_strdup_printf ("shut those domains down before the host, or set "
                                 "ON_SHUTDOWN=shutdown in %s", file);
  if (with_ports > 0)
    network_note = g_strdup_printf ("; libvirt refuses to save a domain holding a VF "
                                    "through a vfpool network, and vfpool-guests.service "
                                    "leaves libvirt's ports alone: %s", by_network->str);
  if (guests_unit_enabled (paths->etc_root))
    {
      if (with_ports == 0)
        {
          vfp_doctor_add (report, "host-shutdown", VFP_CHECK_PASS, NULL,
                          "%s: vfpool-guests.service is enabled and takes the VFs out of the "
                          "%u running domain%s with VFs before libvirt-guests saves them",
                          setting, with_vfs, with_vfs == 1 ? "" : "s");
          return;
        }
      vfp_doctor_add (report, "host-shutdown", VFP_CHECK_WARN, network_fix,
                      "%s: vfpool-guests.service is enabled, but at host shutdown "
                      "libvirt-guests will not save every domain%s", setting, network_note);
      return;
    }
  fix = g_strdup_printf ("systemctl enable --now vfpool-guests.service (it takes the VFs out "
                         "before the save; their restore leases VFs again), or set "
                         "ON_SHUTDOWN=shutdown in %s", file);
  if (with_vfs == 0 && with_ports == 0)
    {
      vfp_doctor_add (report, "host-shutdown", VFP_CHECK_PASS, fix,
                      "%s: no running domain holds pool VFs now; one that does will not be "
                      "saved at host shutdown", setting);
      return;
    }
  if (with_vfs == 0)
    {
      /* the unit would not help these */
      vfp_doctor_add (report, "host-shutdown", VFP_CHECK_WARN, network_fix,
                      "%s: at host shutdown libvirt-guests managed-saves running domains%s",
                      setting, network_note);
      return;
    }
  vfp_doctor_add (report, "host-shutdown", VFP_CHECK_WARN, fix,
                  "%s: at host shutdown libvirt-guests managed-saves running domains, and "
                  "one holding a VF is not saved (libvirt refuses a plain VF; the save "
                  "of a failover pair hung with libvirt 9.0 and QEMU 7.2): %s%s", setting,
                  unsaveable->str, network_note ? network_note : "");
}

/* ---- domains ------------------------------------------------------------ */

void
vfp_doctor_check_domain (VfpConfig *config, VfpDomXml *dom, GPtrArray *report)
{
  /* The name is the domain owner's to choose: escaped in messages, one
   * shell word in the commands we suggest (x'; rm -rf /;' stays a name). */
  g_autofree char *name = vfp_error_quote (vfp_domxml_get_name (dom));
  g_autofree char *arg = vfp_error_shell_quote (vfp_domxml_get_name (dom));
  g_autofree char *id = g_strdup_printf ("domain:%s", name);
  g_autofree char *hp_id = g_strdup_printf ("domain-hotplug:%s", name);
  g_autoptr (VfpRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) problems = g_string_new (NULL);
  g_autoptr (GString) fixes = g_string_new (NULL);
  g_autoptr (GString) pools = g_string_new (NULL);
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);
  g_autofree char *fix = NULL;
  guint to_plug, slots;

  if (!vfp_request_read (dom, &request, &error))
    {
      fix = g_strdup_printf ("virsh edit %s and correct the <vfpool:request> in <metadata>",
                             arg);
      vfp_doctor_add (report, id, VFP_CHECK_FAIL, fix, "%s", error->message);
      return;
    }
  if (request == NULL)
    return;

  for (guint i = 0; i < request->nics->len; i++)
    {
      VfpNicRequest *nic = request->nics->pdata[i];
      g_autoptr (GError) pool_error = NULL;
      VfpPool *pool = config ? vfp_config_get_pool (config, nic->pool, &pool_error) : NULL;
      VfpVfConfig want;
      gboolean failover;

      if (!strstr (pools->str, nic->pool))
        g_string_append_printf (pools, "%s%s", pools->len ? ", " : "", nic->pool);
      if (config == NULL)
        continue;
      if (pool == NULL && (config->unsafe != NULL
                           || vfp_config_find_broken (config, nic->pool) != NULL))
        {
          g_string_append_printf (problems, "%snic %u: %s", problems->len ? "; " : "",
                                  nic->index, pool_error->message);
          g_string_append_printf (fixes, "%sfix the pool file named above (see vfpool.conf(5))",
                                  fixes->len ? "; " : "");
        }
      else if (pool == NULL)
        {
          g_string_append_printf (problems, "%snic %u: no pool '%s'", problems->len ? "; " : "",
                                  nic->index, nic->pool);
          g_string_append_printf (fixes, "%sdefine [pool %s] in pools.d or change pool= of "
                                  "nic %u (virsh edit %s)", fixes->len ? "; " : "",
                                  nic->pool, nic->index, arg);
        }
      else if (!vfp_pool_allows (pool, vfp_domxml_get_name (dom), vfp_domxml_get_uuid (dom)))
        {
          g_string_append_printf (problems, "%snic %u: pool '%s' does not allow this domain",
                                  problems->len ? "; " : "", nic->index, nic->pool);
          g_string_append_printf (fixes, "%sadd %s to allow= of [pool %s] in %s",
                                  fixes->len ? "; " : "", name, pool->name, pool->file);
        }
      else if (!vfp_pool_resolve_request (pool, &nic->cfg, nic->failover, &want, &failover,
                                          &pool_error))
        {
          g_string_append_printf (problems, "%snic %u: %s", problems->len ? "; " : "",
                                  nic->index, pool_error->message);
          g_string_append_printf (fixes, "%schange nic %u of the request (vfpoolctl request "
                                  "%s) or the pool in %s", fixes->len ? "; " : "",
                                  nic->index, name, pool->file);
        }
    }
  if (problems->len > 0)
    vfp_doctor_add (report, id, VFP_CHECK_FAIL, fixes->str, "domain '%s': %s", name,
                    problems->str);
  else
    vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL, "domain '%s': %u nic%s from %s%s", name,
                    request->nics->len, request->nics->len == 1 ? "" : "s", pools->str,
                    config ? "" : " (pools not checked: the config is invalid)");

  /* Only the plain-start path (virsh start) hot-plugs; devices already in
   * the persistent XML are there from boot. */
  to_plug = request->nics->len > devices->len ? request->nics->len - devices->len : 0;
  slots = vfp_domxml_count_free_hotplug_slots (dom);
  if (slots == G_MAXUINT)
    vfp_doctor_add (report, hp_id, VFP_CHECK_PASS, NULL,
                    "domain '%s': its machine type hot-plugs on the root bus", name);
  else if (slots >= to_plug)
    vfp_doctor_add (report, hp_id, VFP_CHECK_PASS, NULL,
                    "domain '%s': %u free pcie-root-port%s for %u VF%s to hot-plug", name, slots,
                    slots == 1 ? "" : "s", to_plug, to_plug == 1 ? "" : "s");
  else
    {
      g_clear_pointer (&fix, g_free);
      fix = g_strdup_printf ("virsh edit %s and add %u <controller type='pci' "
                             "model='pcie-root-port'/>, or start it with: vfpoolctl start %s",
                             arg, to_plug - slots, arg);
      vfp_doctor_add (report, hp_id, VFP_CHECK_FAIL, fix,
                      "domain '%s' (q35): %u VF%s to hot-plug but %u free pcie-root-port%s: "
                      "'virsh start' and autostart are refused", name, to_plug,
                      to_plug == 1 ? "" : "s", slots, slots == 1 ? "" : "s");
    }
}
