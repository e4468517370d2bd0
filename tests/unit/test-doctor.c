/* test-doctor.c: doctor checks per fake host layout, domain checks, explain
 * and metrics — tables of cases, each failure naming its case. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <utime.h>
#include <cmocka.h>

#include "vfp-doctor.h"
#include "vfp-explain.h"
#include "vfp-error.h"
#include "vfp-history.h"
#include "vfp-lifecycle.h"
#include "vfp-metrics.h"
#include "vfp-quarantine.h"
#include "vfp-test-util.h"

/* ---- a fake host ---------------------------------------------------------- */

typedef struct {
  char *dir;
  VfpContext *ctx;
  char *hook;
  char *run_root;
  char *etc_root;
} Host;

static void
set_mtime (const char *path, time_t t)
{
  struct utimbuf times = { t, t };
  assert_int_equal (utime (path, &times), 0);
}

static Host *
host_new (const char *sysfs_args, const char *pools)
{
  Host *h = g_new0 (Host, 1);

  h->dir = vfp_test_mkdtemp ("doctor");
  h->ctx = vfp_context_new ();
#define SET(field, ...) (g_free (h->ctx->field), h->ctx->field = g_build_filename (h->dir, __VA_ARGS__, NULL))
  SET (sysfs_root, "sys");
  SET (proc_root, "proc");
  SET (config_dir, "conf");
  SET (state_dir, "state");
  SET (history_dir, "history");
#undef SET
  h->hook = g_build_filename (h->dir, "etc", "libvirt", "hooks", "qemu.d", "vfpool", NULL);
  h->run_root = g_build_filename (h->dir, "run", NULL);
  h->etc_root = g_build_filename (h->dir, "etc", NULL);
  vfp_test_make_sysfs (h->ctx->sysfs_root, sysfs_args);
  if (pools != NULL)
    {
      g_autofree char *d = g_build_filename (h->ctx->config_dir, "pools.d", NULL);
      vfp_test_write (d, "p.conf", pools);
    }
  return h;
}

static void
host_free (Host *h)
{
  vfp_context_free (h->ctx);
  vfp_test_rmtree (h->dir);
  g_free (h->dir);
  g_free (h->hook);
  g_free (h->run_root);
  g_free (h->etc_root);
  g_free (h);
}

/* What the cases may add to the host beyond sysfs and pools. */
enum {
  WITH_HOOK = 1 << 0,           /* executable hook, installed at 1000000000 */
  HOOK_NOT_EXEC = 1 << 1,       /* hook present, mode 0644 */
  DAEMON_AFTER = 1 << 2,        /* libvirtd started after the hook */
  DAEMON_BEFORE = 1 << 3,       /* libvirtd started before the hook */
  NM_RUNNING = 1 << 4,          /* /run/NetworkManager exists */
  NM_RULE = 1 << 5,             /* unmanaged-devices=driver:igbvf */
  APPARMOR = 1 << 6,            /* AppArmor enabled */
  HOOK_IN_OPT = 1 << 7,         /* the hook is a link into .../opt/ */
  HOOK_LINK = 1 << 8,           /* the hook is a link to .../usr/sbin/vfpool-hook */
  HOOK_DANGLING = 1 << 9,       /* the hook is a link to nothing (package removed) */
  HOOK_DPKG_NEW = 1 << 10,      /* an executable vfpool.dpkg-new beside the hook */
  NO_WORKER = 1 << 11,          /* no vfpool-hotplug beside the hook's binary */
};

#define HOOK_MTIME 1000000000   /* 2001-09-09 */

/* The hook runs its hot-plug worker from its binary's directory. */
static void
write_worker (const char *dir, unsigned extras)
{
  g_autofree char *path = g_build_filename (dir, "vfpool-hotplug", NULL);

  if (extras & NO_WORKER)
    return;
  vfp_test_write (dir, "vfpool-hotplug", "#!/bin/sh\n");
  assert_int_equal (chmod (path, 0755), 0);
}
#define BOOT_TIME 999990000

static void
host_setup (Host *h, const char *cmdline, unsigned extras)
{
  if (cmdline != NULL)
    vfp_test_write (h->ctx->proc_root, "cmdline", cmdline);
  vfp_test_write (h->ctx->proc_root, "stat", "cpu  1 2 3\nbtime 999990000\nprocesses 4\n");
  /* An unrelated process first: the scan must look at comm, not pick any. */
  vfp_test_write (h->ctx->proc_root, "17/comm", "bash");
  if (extras & (DAEMON_AFTER | DAEMON_BEFORE))
    {
      /* starttime (field 22) in clock ticks since boot: boot + 20000 s is
       * after the hook's mtime, boot + 5000 s before it. */
      long hz = sysconf (_SC_CLK_TCK);
      long ticks = (extras & DAEMON_AFTER ? 20000 : 5000) * hz;
      g_autofree char *stat = g_strdup_printf (
        "4242 (libvirtd) S 1 4242 4242 0 -1 4194560 1 0 0 0 1 1 0 0 20 0 18 0 %ld 1 1", ticks);
      vfp_test_write (h->ctx->proc_root, "4242/comm", "libvirtd");
      vfp_test_write (h->ctx->proc_root, "4242/stat", stat);
    }
  if (extras & (WITH_HOOK | HOOK_NOT_EXEC))
    {
      g_autofree char *dir = g_path_get_dirname (h->hook);
      g_autofree char *base = g_path_get_basename (h->hook);
      if (extras & HOOK_IN_OPT)
        {
          g_autofree char *opt = g_build_filename (h->dir, "opt", "vfpool", NULL);
          g_autofree char *optdir = g_path_get_dirname (opt);
          vfp_test_write (optdir, "vfpool", "#!/bin/sh\n");
          write_worker (optdir, extras);
          g_mkdir_with_parents (dir, 0755);
          assert_int_equal (symlink (opt, h->hook), 0);
          assert_int_equal (chmod (opt, 0755), 0);
        }
      else
        {
          vfp_test_write (dir, base, "#!/bin/sh\n");
          write_worker (dir, extras);
          assert_int_equal (chmod (h->hook, extras & HOOK_NOT_EXEC ? 0644 : 0755), 0);
          set_mtime (h->hook, HOOK_MTIME);
        }
    }
  if (extras & (HOOK_LINK | HOOK_DANGLING))
    {
      g_autofree char *dir = g_path_get_dirname (h->hook);
      g_autofree char *bin = g_build_filename (h->dir, "usr", "sbin", "vfpool-hook", NULL);
      g_autofree char *bindir = g_path_get_dirname (bin);
      if (extras & HOOK_LINK)
        {
          vfp_test_write (bindir, "vfpool-hook", "#!/bin/sh\n");
          write_worker (bindir, extras);
          assert_int_equal (chmod (bin, 0755), 0);
          set_mtime (bin, HOOK_MTIME);
        }
      g_mkdir_with_parents (dir, 0755);
      assert_int_equal (symlink (bin, h->hook), 0);
    }
  if (extras & HOOK_DPKG_NEW)
    {
      g_autofree char *dir = g_path_get_dirname (h->hook);
      g_autofree char *leftover = g_build_filename (dir, "vfpool.dpkg-new", NULL);
      vfp_test_write (dir, "vfpool.dpkg-new", "#!/bin/sh\n");
      assert_int_equal (chmod (leftover, 0755), 0);
    }
  if (extras & NM_RUNNING)
    {
      g_autofree char *nm = g_build_filename (h->run_root, "NetworkManager", NULL);
      g_mkdir_with_parents (nm, 0755);
    }
  if (extras & NM_RULE)
    {
      g_autofree char *d = g_build_filename (h->etc_root, "NetworkManager", "conf.d", NULL);
      vfp_test_write (d, "sriov.conf", "[keyfile]\nunmanaged-devices=driver:igbvf;driver:iavf\n");
    }
  if (extras & APPARMOR)
    vfp_test_write (h->ctx->sysfs_root, "module/apparmor/parameters/enabled", "Y");
}

static GPtrArray *
host_check (Host *h)
{
  GPtrArray *report = vfp_doctor_report_new ();
  g_autoptr (VfpConfig) config = NULL;
  VfpDoctorPaths paths = { h->ctx->sysfs_root, h->ctx->proc_root, h->ctx->config_dir,
                           h->hook, h->run_root, h->etc_root };

  vfp_doctor_check_host (&paths, report, &config);
  return report;
}

static void
dump (GPtrArray *report)
{
  for (guint i = 0; i < report->len; i++)
    {
      VfpCheck *c = report->pdata[i];
      print_message ("  %s %s: %s | fix: %s\n", vfp_check_status_to_string (c->status), c->id,
                     c->saw, c->fix ? c->fix : "-");
    }
}

/* ---- host checks, per layout ---------------------------------------------- */

typedef struct {
  const char *id;
  VfpCheckStatus status;
  const char *text;           /* substring of saw or fix, or NULL */
} Expect;

typedef struct {
  const char *name;
  const char *sysfs;          /* mksysfs options and layout */
  const char *pools;
  const char *cmdline;
  unsigned extras;
  VfpCheckStatus worst;
  Expect expect[6];
} HostCase;

#define GOOD_CMDLINE "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt"
#define GOOD (WITH_HOOK | DAEMON_AFTER)
#define DEMO_POOL "[pool tenant]\npfs=ens1f0;ens1f1\n"

static const HostCase host_cases[] = {
  { "healthy host: every check passes", "--host demo", DEMO_POOL, GOOD_CMDLINE, GOOD,
    VFP_CHECK_PASS,
    { { "iommu", VFP_CHECK_PASS, "dmar0" },
      { "pf-sriov:ens1f0", VFP_CHECK_PASS, "4 of 7 VFs enabled" },
      { "pf-autoprobe:ens1f1", VFP_CHECK_PASS, NULL },
      { "vf-iommu:tenant", VFP_CHECK_PASS, NULL },
      { "libvirtd", VFP_CHECK_PASS, "after the hook" },
      { "hotplug-worker", VFP_CHECK_PASS, "qemu.d/vfpool-hotplug is installed beside the hook" } } },
  { "SR-IOV off: config and PF fail with the sriov_numvfs command", "--host off",
    "[pool tenant]\npfs=ens1f0\n", GOOD_CMDLINE, GOOD, VFP_CHECK_FAIL,
    { { "config", VFP_CHECK_FAIL, "SR-IOV is off" },
      { "pf-sriov:ens1f0", VFP_CHECK_FAIL, "sriov_numvfs" },
      { "pf-sriov:ens1f0", VFP_CHECK_FAIL, "0 of 7" } } },
  { "VFs sharing an IOMMU group with a host device: warn, fix names the safe VFs",
    "--host shared-iommu", "[pool tenant]\npfs=ens1f0\n", GOOD_CMDLINE, GOOD, VFP_CHECK_WARN,
    { { "vf-iommu:tenant", VFP_CHECK_WARN, "pfs=ens1f0#2-3" },
      { "vf-iommu:tenant", VFP_CHECK_WARN, "0000:00:1f.3" },
      { "vf-count:ens1f0", VFP_CHECK_PASS, NULL } } },
  { "only unsafe VFs in the pool: fail", "--host shared-iommu", "[pool tenant]\npfs=ens1f0#0-1\n",
    GOOD_CMDLINE, GOOD, VFP_CHECK_FAIL,
    { { "vf-iommu:tenant", VFP_CHECK_FAIL, "ACS" },
      { "vf-count:ens1f0", VFP_CHECK_WARN, "not in any pool: VF 2,3" } } },
  { "no IOMMU: fail, fix says intel_iommu=on", "--host --no-iommu demo", DEMO_POOL,
    "root=/dev/sda1 ro", GOOD, VFP_CHECK_FAIL,
    { { "iommu", VFP_CHECK_FAIL, "intel_iommu=on" },
      /* only the IOMMU words of the command line, never root= and the rest */
      { "iommu", VFP_CHECK_FAIL, "(kernel command line: no intel_iommu=, amd_iommu= or "
        "iommu= option)" },
      { "iommu-passthrough", VFP_CHECK_WARN, "iommu=pt" },
      { "vf-iommu:tenant", VFP_CHECK_FAIL, "no IOMMU group" } } },
  { "IOMMU switched off on the command line: fix removes it", "--host --no-iommu demo",
    DEMO_POOL, "root=/dev/sda1 intel_iommu=off", GOOD, VFP_CHECK_FAIL,
    { { "iommu", VFP_CHECK_FAIL, "remove intel_iommu=off" } } },
  { "autoprobe on and PF link down: warnings only", "--autoprobe --link-down demo", DEMO_POOL,
    GOOD_CMDLINE, GOOD, VFP_CHECK_WARN,
    { { "pf-autoprobe:ens1f0", VFP_CHECK_WARN, "igbvf" },
      { "pf-autoprobe:ens1f0", VFP_CHECK_WARN, "echo 0 >" },
      { "pf-link:ens1f1", VFP_CHECK_WARN, "ip link set ens1f1 up" } } },
  { "two PFs that are functions of one port: the pool warns",
    "--host --phys-port-id ens1f0=00aa --phys-port-id ens1f1=00aa demo", DEMO_POOL,
    GOOD_CMDLINE, GOOD, VFP_CHECK_WARN,
    { { "pool-ports:tenant", VFP_CHECK_WARN, "(ens1f0, ens1f1) are all functions of one "
        "physical port (phys_port_id 00aa)" },
      { "pool-ports:tenant", VFP_CHECK_WARN, "add a PF of another physical port to pfs=" } } },
  { "carrier 0 under operstate up: the link is down, as allocation sees it",
    "--host --carrier ens1f1=0 demo", DEMO_POOL, GOOD_CMDLINE, GOOD, VFP_CHECK_WARN,
    { { "pf-link:ens1f0", VFP_CHECK_PASS, "ens1f0 link is up" },
      { "pf-link:ens1f1", VFP_CHECK_WARN, "ens1f1 link is down (operstate up, carrier 0)" },
      { "pf-link:ens1f1", VFP_CHECK_WARN, "picked last" } } },
  { "two PFs on two ports: the pool passes", "--host --phys-port-id ens1f0=00aa demo",
    DEMO_POOL, GOOD_CMDLINE, GOOD, VFP_CHECK_PASS,
    { { "pool-ports:tenant", VFP_CHECK_PASS, "more than one physical port" } } },
  { "more VFs enabled than pools use", "--host igb", "[pool tenant]\npfs=ens1f0#0-3\n",
    GOOD_CMDLINE, GOOD, VFP_CHECK_WARN,
    { { "vf-count:ens1f0", VFP_CHECK_WARN, "7 VFs enabled, 4 of them in pools; not in any pool: VF 4,5,6" },
      { "vf-count:ens1f0", VFP_CHECK_WARN, "pfs=ens1f0#4,5,6" } } },
  { "NetworkManager without an unmanaged rule", "--host demo", DEMO_POOL, GOOD_CMDLINE,
    GOOD | NM_RUNNING, VFP_CHECK_WARN,
    { { "networkmanager", VFP_CHECK_WARN, "unmanaged-devices=driver:igbvf" } } },
  { "NetworkManager with the rule", "--host demo", DEMO_POOL, GOOD_CMDLINE,
    GOOD | NM_RUNNING | NM_RULE, VFP_CHECK_PASS,
    { { "networkmanager", VFP_CHECK_PASS, NULL } } },
  { "hook missing", "--host demo", DEMO_POOL, GOOD_CMDLINE, DAEMON_AFTER, VFP_CHECK_FAIL,
    { { "hook", VFP_CHECK_FAIL, "ln -s /usr/sbin/vfpool-hook" } } },
  { "hook: a link to the binary in sbin", "--host demo", DEMO_POOL, GOOD_CMDLINE,
    HOOK_LINK | DAEMON_AFTER, VFP_CHECK_PASS,
    { { "hook", VFP_CHECK_PASS, "/usr/sbin/vfpool-hook is installed" },
      { "libvirtd", VFP_CHECK_PASS, "after the hook" } } },
  { "hook: a link to the binary, its hot-plug worker missing beside it", "--host demo",
    DEMO_POOL, GOOD_CMDLINE, HOOK_LINK | DAEMON_AFTER | NO_WORKER, VFP_CHECK_FAIL,
    { { "hook", VFP_CHECK_PASS, "/usr/sbin/vfpool-hook is installed" },
      { "hotplug-worker", VFP_CHECK_FAIL, "usr/sbin/vfpool-hotplug: a plain 'virsh start' gives "
        "domains no VF" },
      { "hotplug-worker", VFP_CHECK_FAIL, "apt-get install --reinstall vfpool" } } },
  { "hook: a dangling link (package removed)", "--host demo", DEMO_POOL, GOOD_CMDLINE,
    HOOK_DANGLING | DAEMON_AFTER, VFP_CHECK_FAIL,
    { { "hook", VFP_CHECK_FAIL, "dangling link" } } },
  { "hook: an executable vfpool.dpkg-new beside it", "--host demo", DEMO_POOL, GOOD_CMDLINE,
    GOOD | HOOK_DPKG_NEW, VFP_CHECK_FAIL,
    { { "hook", VFP_CHECK_FAIL, "vfpool.dpkg-new is executable" } } },
  { "hook not executable", "--host demo", DEMO_POOL, GOOD_CMDLINE,
    HOOK_NOT_EXEC | DAEMON_AFTER, VFP_CHECK_FAIL,
    { { "hook", VFP_CHECK_FAIL, "chmod 0755" } } },
  { "libvirtd started before the hook was installed", "--host demo", DEMO_POOL, GOOD_CMDLINE,
    WITH_HOOK | DAEMON_BEFORE, VFP_CHECK_WARN,
    { { "libvirtd", VFP_CHECK_WARN, "systemctl restart libvirtd" } } },
  { "no libvirt daemon running", "--host demo", DEMO_POOL, GOOD_CMDLINE, WITH_HOOK,
    VFP_CHECK_WARN, { { "libvirtd", VFP_CHECK_WARN, "neither libvirtd nor virtqemud" } } },
  { "AppArmor and a hook resolving into /opt", "--host demo", DEMO_POOL, GOOD_CMDLINE,
    GOOD | APPARMOR | HOOK_IN_OPT, VFP_CHECK_WARN,
    { { "apparmor", VFP_CHECK_WARN, "/opt/" } } },
  { "AppArmor and the hook in place", "--host demo", DEMO_POOL, GOOD_CMDLINE, GOOD | APPARMOR,
    VFP_CHECK_PASS, { { "apparmor", VFP_CHECK_PASS, "AppArmor is enabled" } } },
  { "bare tree (no --host): vfio-pci and IOMMU missing", "demo", DEMO_POOL, NULL, GOOD,
    VFP_CHECK_FAIL,
    { { "vfio-pci", VFP_CHECK_WARN, "modprobe vfio-pci" },
      { "iommu", VFP_CHECK_FAIL, NULL },
      { "iommu-passthrough", VFP_CHECK_WARN, "cannot read" },
      { "pf-autoprobe:ens1f0", VFP_CHECK_WARN, "cannot read" } } },
  { "a PF that does not exist", "--host demo", "[pool tenant]\npfs=ens9f9\n", GOOD_CMDLINE,
    GOOD, VFP_CHECK_FAIL,
    { { "config", VFP_CHECK_FAIL, "ens9f9" },
      { "pf-sriov:ens9f9", VFP_CHECK_FAIL, "no network interface" } } },
  { "a NIC without SR-IOV", "--host igb", "[pool tenant]\npfs=eth9\n", GOOD_CMDLINE, GOOD,
    VFP_CHECK_FAIL, { { "pf-sriov:eth9", VFP_CHECK_FAIL, "not SR-IOV capable" } } },
  { "no pools", "--host demo", NULL, GOOD_CMDLINE, GOOD, VFP_CHECK_WARN,
    { { "config", VFP_CHECK_WARN, "no pools" } } },
};

static void
test_host_cases (void **state)
{
  for (guint c = 0; c < G_N_ELEMENTS (host_cases); c++)
    {
      const HostCase *hc = &host_cases[c];
      Host *h = host_new (hc->sysfs, hc->pools);
      g_autoptr (GPtrArray) report = NULL;
      gboolean ok = TRUE;

      host_setup (h, hc->cmdline, hc->extras);
      report = host_check (h);
      if (vfp_doctor_worst (report) != hc->worst)
        {
          print_error ("case '%s': worst status %s, expected %s\n", hc->name,
                       vfp_check_status_to_string (vfp_doctor_worst (report)),
                       vfp_check_status_to_string (hc->worst));
          ok = FALSE;
        }
      for (guint e = 0; e < G_N_ELEMENTS (hc->expect) && hc->expect[e].id; e++)
        {
          const Expect *x = &hc->expect[e];
          VfpCheck *got = vfp_doctor_find (report, x->id);

          if (got == NULL)
            print_error ("case '%s': no check '%s'\n", hc->name, x->id);
          else if (got->status != x->status)
            print_error ("case '%s': check '%s' is %s, expected %s\n", hc->name, x->id,
                         vfp_check_status_to_string (got->status),
                         vfp_check_status_to_string (x->status));
          else if (x->text != NULL && !strstr (got->saw, x->text)
                   && !(got->fix && strstr (got->fix, x->text)))
            print_error ("case '%s': check '%s' does not mention '%s'\n", hc->name, x->id,
                         x->text);
          else
            continue;
          ok = FALSE;
        }
      /* Every finding that is not a pass must say what was seen. */
      for (guint i = 0; i < report->len; i++)
        {
          VfpCheck *check = report->pdata[i];
          if (check->saw == NULL || check->saw[0] == '\0')
            {
              print_error ("case '%s': check '%s' has no text\n", hc->name, check->id);
              ok = FALSE;
            }
        }
      if (!ok)
        {
          dump (report);
          host_free (h);
          fail_msg ("case '%s' failed", hc->name);
        }
      host_free (h);
    }
}

static void
test_libvirt_version (void **state)
{
  g_autoptr (GPtrArray) report = vfp_doctor_report_new ();

  vfp_doctor_check_libvirt_version (9000000, report);
  vfp_doctor_check_libvirt_version (6004000, report);
  assert_int_equal (((VfpCheck *) report->pdata[0])->status, VFP_CHECK_PASS);
  assert_string_equal (((VfpCheck *) report->pdata[0])->saw, "libvirt 9.0.0");
  assert_int_equal (((VfpCheck *) report->pdata[1])->status, VFP_CHECK_FAIL);
  assert_non_null (strstr (((VfpCheck *) report->pdata[1])->saw, "6.4.0"));
}

/* ---- domain checks -------------------------------------------------------- */

static VfpDomXml *
domain (const char *name, int n, const char *machine, int ports, const char *extra,
        const char *nics)
{
  g_autoptr (GString) xml = g_string_new (NULL);
  VfpDomXml *dom = NULL;
  g_autoptr (GError) error = NULL;

  g_string_append_printf (xml, "<domain type='kvm'><name>%s</name>"
                          "<uuid>00000000-0000-4000-8000-%012d</uuid>%s"
                          "<os><type arch='x86_64' machine='%s'>hvm</type></os>",
                          name, n, extra ? extra : "", machine);
  if (nics != NULL)
    g_string_append_printf (xml, "<metadata><v:request xmlns:v='urn:vfpool:domain:1'>%s"
                            "</v:request></metadata>", nics);
  g_string_append (xml, "<devices>");
  if (strcmp (machine, "q35") == 0)
    g_string_append (xml, "<controller type='pci' index='0' model='pcie-root'/>");
  for (int i = 0; i < ports; i++)
    g_string_append_printf (xml, "<controller type='pci' index='%d' model='pcie-root-port'/>",
                            i + 1);
  g_string_append (xml, "</devices></domain>");
  if (!vfp_domxml_parse (xml->str, xml->len, &dom, &error))
    fail_msg ("test XML: %s", error->message);
  return dom;
}

typedef struct {
  const char *name;
  const char *dom_name;
  const char *machine;
  int ports;
  const char *nics;
  Expect request;             /* id "" = no check expected */
  Expect hotplug;
} DomainCase;

static const DomainCase domain_cases[] = {
  { "q35, one nic, two free ports", "web1", "q35", 2, "<v:nic pool='tenant'/>",
    { "domain:web1", VFP_CHECK_PASS, "1 nic from tenant" },
    { "domain-hotplug:web1", VFP_CHECK_PASS, "2 free pcie-root-ports" } },
  { "q35, two nics, one free port", "web2", "q35", 1,
    "<v:nic pool='tenant'/><v:nic pool='tenant'/>",
    { "domain:web2", VFP_CHECK_PASS, NULL },
    { "domain-hotplug:web2", VFP_CHECK_FAIL, "add 1 <controller type='pci' model='pcie-root-port'/>" } },
  { "pc machine: root bus hot-plug", "web3", "pc-i440fx-7.2", 0, "<v:nic pool='tenant'/>",
    { "domain:web3", VFP_CHECK_PASS, NULL },
    { "domain-hotplug:web3", VFP_CHECK_PASS, "root bus" } },
  { "unknown pool", "web4", "q35", 1, "<v:nic pool='nosuch'/>",
    { "domain:web4", VFP_CHECK_FAIL, "no pool 'nosuch'" },
    { "domain-hotplug:web4", VFP_CHECK_PASS, NULL } },
  { "pool does not allow the domain", "db1", "q35", 1, "<v:nic pool='tenant'/>",
    { "domain:db1", VFP_CHECK_FAIL, "add db1 to allow=" },
    { "domain-hotplug:db1", VFP_CHECK_PASS, NULL } },
  { "invalid request", "web5", "q35", 1, "<v:nic pool='tenant' vlan='4095'/>",
    { "domain:web5", VFP_CHECK_FAIL, "vlan '4095'" },
    { "", 0, NULL } },
  { "request undoes a knob the pool sets", "web6", "q35", 1,
    "<v:nic pool='tenant' spoofchk='off'/>",
    { "domain:web6", VFP_CHECK_FAIL, "pool 'tenant' fixes spoofchk=on; the request asks spoofchk=off" },
    { "domain-hotplug:web6", VFP_CHECK_PASS, NULL } },
  { "broken pool", "web7", "q35", 1, "<v:nic pool='gone'/>",
    { "domain:web7", VFP_CHECK_FAIL, "nic 0: pool 'gone' is broken: " },
    { "domain-hotplug:web7", VFP_CHECK_PASS, NULL } },
  { "no request: nothing to say", "other", "q35", 0, NULL, { "", 0, NULL }, { "", 0, NULL } },
};

static void
expect_finding (const char *case_name, GPtrArray *report, const Expect *x)
{
  VfpCheck *got;

  if (x->id[0] == '\0')
    return;
  got = vfp_doctor_find (report, x->id);
  if (got == NULL || got->status != x->status
      || (x->text && !strstr (got->saw, x->text) && !(got->fix && strstr (got->fix, x->text))))
    {
      dump (report);
      fail_msg ("case '%s': check '%s' not %s%s%s", case_name, x->id,
                vfp_check_status_to_string (x->status), x->text ? " with " : "",
                x->text ? x->text : "");
    }
}

static void
test_domain_cases (void **state)
{
  Host *h = host_new ("--host demo", "[pool tenant]\npfs=ens1f0;ens1f1\nallow=web*\n"
                      "spoofchk=on\n[pool gone]\npfs=ens9f9\n");
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;

  if (!vfp_config_load (h->ctx->config_dir, h->ctx->sysfs_root, &config, &error))
    fail_msg ("config: %s", error->message);
  for (guint c = 0; c < G_N_ELEMENTS (domain_cases); c++)
    {
      const DomainCase *dc = &domain_cases[c];
      g_autoptr (VfpDomXml) dom = domain (dc->dom_name, (int) c + 1, dc->machine, dc->ports,
                                          NULL, dc->nics);
      g_autoptr (GPtrArray) report = vfp_doctor_report_new ();

      vfp_doctor_check_domain (config, dom, report);
      expect_finding (dc->name, report, &dc->request);
      expect_finding (dc->name, report, &dc->hotplug);
      if (dc->nics == NULL && report->len != 0)
        fail_msg ("case '%s': %u checks for a domain without a request", dc->name, report->len);
    }
  host_free (h);
}

/* A domain name with shell metacharacters or a newline: the suggested
 * commands carry it as one correctly quoted shell word, the messages show
 * it escaped, and no finding spans two lines.  Before, the name went into
 * "virsh edit NAME" raw. */
static void
test_domain_name_quoted (void **state)
{
  Host *h = host_new ("--host demo", "[pool tenant]\npfs=ens1f0;ens1f1\nallow=web*\n");
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  static const struct {
    const char *xml_name, *arg, *shown;
  } cases[] = {
    { "web'; rm -rf /;'", "'web'\\''; rm -rf /;'\\'''", "web'; rm -rf /;'" },
    { "web&#10;rm -rf /", "$'web\\x0arm -rf /'", "web\\x0arm -rf /" },
    { "web 1", "'web 1'", "web 1" },
  };

  if (!vfp_config_load (h->ctx->config_dir, h->ctx->sysfs_root, &config, &error))
    fail_msg ("config: %s", error->message);
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr (VfpDomXml) dom = domain (cases[c].xml_name, (int) c + 1, "q35", 0, NULL,
                                          "<v:nic pool='tenant'/>");
      g_autoptr (GPtrArray) report = vfp_doctor_report_new ();
      g_autofree char *hp_id = g_strdup_printf ("domain-hotplug:%s", cases[c].shown);
      g_autofree char *edit = g_strdup_printf ("virsh edit %s and add", cases[c].arg);
      g_autofree char *start = g_strdup_printf ("start it with: vfpoolctl start %s", cases[c].arg);
      VfpCheck *got;

      vfp_doctor_check_domain (config, dom, report);
      got = vfp_doctor_find (report, hp_id);
      if (got == NULL || got->fix == NULL)
        {
          dump (report);
          fail_msg ("case %u: no finding %s with a fix", c, hp_id);
        }
      if (strstr (got->fix, edit) == NULL || strstr (got->fix, start) == NULL)
        fail_msg ("case %u: fix not quoted as %s: %s", c, cases[c].arg, got->fix);
      if (strstr (got->saw, cases[c].shown) == NULL)
        fail_msg ("case %u: message does not show %s: %s", c, cases[c].shown, got->saw);
      for (guint i = 0; i < report->len; i++)
        {
          VfpCheck *check = report->pdata[i];
          if (strchr (check->saw, '\n') != NULL || (check->fix && strchr (check->fix, '\n')))
            fail_msg ("case %u: a finding spans lines: %s / %s", c, check->saw, check->fix);
        }
    }
  host_free (h);
}

/* vfp_error_shell_quote: plain words stay, the rest is one shell word. */
static void
test_shell_quote (void **state)
{
  static const char *const cases[][2] = {
    { "web1", "web1" },
    { "a-b_c.d:e@f%g+h=i,j/k", "a-b_c.d:e@f%g+h=i,j/k" },
    { "", "''" },
    { "web 1", "'web 1'" },
    { "x'; rm -rf /;'", "'x'\\''; rm -rf /;'\\'''" },
    { "$(reboot)", "'$(reboot)'" },
    { "w\xc3\xa9" "b", "'w\xc3\xa9" "b'" },
    { "a\x1b[2Jb", "$'a\\x1b[2Jb'" },
    { "it's\n", "$'it\\'s\\x0a'" },
    { "bad\xff", "$'bad\\xff'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = vfp_error_shell_quote (cases[i][0]);
      if (strcmp (got, cases[i][1]) != 0)
        fail_msg ("shell quote case %u: got %s, want %s", i, got, cases[i][1]);
    }
}

/* ---- explain -------------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *sysfs;
  const char *pools;
  const char *numa;           /* <numatune> nodeset, or NULL */
  const char *others;         /* other domains' picks first: "N:pool N:pool" (inject) */
  const char *quarantine;     /* VF to quarantine first */
  const char *sticky;         /* this domain's nic 0 last had this VF */
  const char *xml_vf;         /* the XML already names this VF for nic 0 */
  const char *nics;
  /* expected for nic 0 (and nic 1 when set) */
  const char *vf0, *reason0, *text0;
  const char *vf1, *reason1;
} ExplainCase;

static const ExplainCase explain_cases[] = {
  { "fresh pool over two PFs: first PF in pfs= order", "demo", DEMO_POOL, NULL, NULL, NULL, NULL,
    NULL, "<v:nic pool='tenant'/>", "0000:01:10.0", "pf-order", "comes first", NULL, NULL },
  { "one PF in the pool: lowest index", "demo", "[pool tenant]\npfs=ens1f1\n", NULL, NULL, NULL,
    NULL, NULL, "<v:nic pool='tenant'/>", "0000:01:10.1", "lowest-index", NULL, NULL, NULL },
  { "a lease on the first PF: least-loaded PF", "demo", DEMO_POOL, NULL, "7:tenant", NULL, NULL,
    NULL, "<v:nic pool='tenant'/>", "0000:01:10.1", "least-loaded-pf", "ens1f0 has 1", NULL,
    NULL },
  { "sticky VF free: sticky", "demo", DEMO_POOL, NULL, NULL, NULL, "0000:01:10.5", NULL,
    "<v:nic pool='tenant'/>", "0000:01:10.5", "sticky", NULL, NULL, NULL },
  { "sticky VF leased: note says to whom", "demo", DEMO_POOL, NULL, "7:tenant", NULL,
    "0000:01:10.0", NULL, "<v:nic pool='tenant'/>", "0000:01:10.1", "least-loaded-pf",
    "leased to domain 'other7'", NULL, NULL },
  { "NUMA node 1 requested: NUMA-local", "numa2", "[pool tenant]\npfs=ens1f0;ens4f0\n", "1",
    NULL, NULL, NULL, NULL, "<v:nic pool='tenant'/>", "0000:81:10.0", "numa-local", "node 1",
    NULL, NULL },
  { "leased and quarantined: none free, both named", "demo", "[pool tenant]\npfs=ens1f0#0-1\n",
    NULL, "7:tenant", "0000:01:10.2", NULL, NULL, "<v:nic pool='tenant'/>", NULL, "none-free",
    "quarantined", NULL, NULL },
  { "unsafe IOMMU groups skipped", "shared-iommu", "[pool tenant]\npfs=ens1f0\n", NULL, NULL,
    NULL, NULL, NULL, "<v:nic pool='tenant'/>", "0000:01:10.4", "lowest-index", "0000:00:1f.3",
    NULL, NULL },
  { "only unsafe VFs: none free", "shared-iommu", "[pool tenant]\npfs=ens1f0#0-1\n", NULL, NULL,
    NULL, NULL, NULL, "<v:nic pool='tenant'/>", NULL, "none-free", "skipped", NULL, NULL },
  { "two nics: the second takes the next VF", "demo", "[pool tenant]\npfs=ens1f0\n", NULL, NULL,
    NULL, NULL, NULL, "<v:nic pool='tenant'/><v:nic pool='tenant'/>", "0000:01:10.0",
    "lowest-index", NULL, "0000:01:10.2", "lowest-index" },
  { "last free VF: only-free", "demo", "[pool tenant]\npfs=ens1f0#0-1\n", NULL, "7:tenant",
    NULL, NULL, NULL, "<v:nic pool='tenant'/>", "0000:01:10.2", "only-free", NULL, NULL, NULL },
  { "VF named in the XML and free", "demo", DEMO_POOL, NULL, NULL, NULL, NULL, "0000:01:10.6",
    "<v:nic pool='tenant'/>", "0000:01:10.6", "named-in-xml", NULL, NULL, NULL },
  { "VF named in the XML but leased to another domain: busy", "demo", DEMO_POOL, NULL,
    "7:tenant", NULL, NULL, "0000:01:10.0", "<v:nic pool='tenant'/>", "0000:01:10.0", "busy",
    "other7", NULL, NULL },
};

static void
inject_other (Host *h, const char *spec)
{
  g_auto (GStrv) items = g_strsplit (spec, " ", -1);

  for (char **it = items; *it; it++)
    {
      int n = (int) g_ascii_strtoull (*it, NULL, 10);
      g_autofree char *name = g_strdup_printf ("other%d", n);
      g_autofree char *nic = g_strdup_printf ("<v:nic pool='%s'/>", strchr (*it, ':') + 1);
      g_autoptr (VfpDomXml) dom = domain (name, 100 + n, "q35", 2, NULL, nic);
      g_autoptr (GError) error = NULL;

      if (!vfp_lifecycle_inject (h->ctx, dom, FALSE, &error))
        fail_msg ("inject %s: %s", name, error->message);
    }
}

static gboolean
notes_mention (VfpExplainNic *nic, const char *text)
{
  if (strstr (nic->why, text))
    return TRUE;
  for (guint i = 0; i < nic->notes->len; i++)
    if (strstr (nic->notes->pdata[i], text))
      return TRUE;
  return FALSE;
}

static void
expect_nic (const char *case_name, VfpExplainNic *nic, const char *vf, const char *reason,
            const char *text)
{
  if (g_strcmp0 (nic->vf_pci, vf) != 0 || g_strcmp0 (nic->reason, reason) != 0
      || (text != NULL && !notes_mention (nic, text)))
    {
      for (guint i = 0; i < nic->notes->len; i++)
        print_message ("  note: %s\n", (char *) nic->notes->pdata[i]);
      fail_msg ("case '%s': nic %u got %s [%s] (%s), expected %s [%s] mentioning '%s'", case_name,
                nic->nic, nic->vf_pci ? nic->vf_pci : "none", nic->reason, nic->why,
                vf ? vf : "none", reason, text ? text : "");
    }
}

static void
test_explain_cases (void **state)
{
  for (guint c = 0; c < G_N_ELEMENTS (explain_cases); c++)
    {
      const ExplainCase *ec = &explain_cases[c];
      Host *h = host_new (ec->sysfs, ec->pools);
      g_autofree char *numa = ec->numa ? g_strdup_printf ("<numatune><memory nodeset='%s'/>"
                                                          "</numatune>", ec->numa) : NULL;
      g_autoptr (VfpDomXml) dom = domain ("web1", 1, "q35", 2, numa, ec->nics);
      g_autoptr (GPtrArray) nics = NULL;
      g_autoptr (GHashTable) before = NULL;
      g_autoptr (GHashTable) after = NULL;
      g_autoptr (GError) error = NULL;

      if (ec->others)
        inject_other (h, ec->others);
      if (ec->quarantine)
        assert_true (vfp_quarantine_add (h->ctx->state_dir, ec->quarantine, "restore failed",
                                         NULL));
      if (ec->sticky)
        assert_true (vfp_history_record (h->ctx->history_dir, vfp_domxml_get_uuid (dom), 0,
                                         ec->sticky, NULL));
      if (ec->xml_vf)
        {
          VfpVfConfig cfg = { 0 };
          assert_true (vfp_domxml_add_device (dom, 0, ec->xml_vf, VFP_FORM_HOSTDEV, &cfg, NULL));
        }
      assert_true (vfp_lease_list_names (h->ctx->state_dir, &before, NULL));
      if (!vfp_explain_domain (h->ctx, dom, &nics, &error))
        fail_msg ("case '%s': %s", ec->name, error->message);
      /* Explaining claims nothing. */
      assert_true (vfp_lease_list_names (h->ctx->state_dir, &after, NULL));
      if (g_hash_table_size (before) != g_hash_table_size (after))
        fail_msg ("case '%s': explain changed the leases", ec->name);
      expect_nic (ec->name, nics->pdata[0], ec->vf0, ec->reason0, ec->text0);
      if (ec->reason1 != NULL)
        expect_nic (ec->name, nics->pdata[1], ec->vf1, ec->reason1, NULL);
      host_free (h);
    }
}

static void
test_explain_errors (void **state)
{
  Host *h = host_new ("demo", "[pool tenant]\npfs=ens1f0\nallow=web*\n");
  g_autoptr (VfpDomXml) unknown = domain ("web1", 1, "q35", 1, NULL, "<v:nic pool='nosuch'/>");
  g_autoptr (VfpDomXml) denied = domain ("db1", 2, "q35", 1, NULL, "<v:nic pool='tenant'/>");
  g_autoptr (VfpDomXml) none = domain ("plain", 3, "q35", 1, NULL, NULL);
  g_autoptr (GPtrArray) nics = NULL;
  g_autoptr (GError) error = NULL;

  assert_false (vfp_explain_domain (h->ctx, unknown, &nics, &error));
  assert_non_null (strstr (error->message, "unknown pool 'nosuch'"));
  g_clear_error (&error);
  assert_false (vfp_explain_domain (h->ctx, denied, &nics, &error));
  assert_non_null (strstr (error->message, "does not allow"));
  g_clear_error (&error);
  assert_true (vfp_explain_domain (h->ctx, none, &nics, &error));
  assert_int_equal (nics->len, 0);
  host_free (h);
}

/* ---- metrics -------------------------------------------------------------- */

static void
test_metrics (void **state)
{
  Host *h = host_new ("demo", "[pool tenant]\npfs=ens1f0\n[pool b]\npfs=ens1f1#0-1\n");
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *invalid = NULL;

  inject_other (h, "1:tenant 2:tenant");
  assert_true (vfp_quarantine_add (h->ctx->state_dir, "0000:01:10.4", "restore failed", NULL));
  assert_true (vfp_metrics_count_failure (h->ctx->state_dir, "tenant", NULL));
  assert_true (vfp_metrics_count_failure (h->ctx->state_dir, "tenant", NULL));
  assert_true (vfp_metrics_count_failure (h->ctx->state_dir, "b", NULL));
  /* A name that would be a path is refused. */
  assert_false (vfp_metrics_count_failure (h->ctx->state_dir, "../x", &error));
  g_clear_error (&error);
  assert_int_equal (vfp_metrics_read_failures (h->ctx->state_dir, "tenant"), 2);
  assert_int_equal (vfp_metrics_read_failures (h->ctx->state_dir, "b"), 1);

  if (!vfp_config_load (h->ctx->config_dir, h->ctx->sysfs_root, &config, &error)
      || !vfp_metrics_render (config, h->ctx->state_dir, &text, &error))
    fail_msg ("metrics: %s", error->message);
  assert_non_null (strstr (text, "# TYPE vfpool_pool_vfs gauge\n"));
  assert_non_null (strstr (text, "vfpool_config_valid 1\n"));
  assert_non_null (strstr (text, "vfpool_pool_vfs{pool=\"tenant\"} 4\n"));
  assert_non_null (strstr (text, "vfpool_pool_vfs{pool=\"b\"} 2\n"));
  assert_non_null (strstr (text, "vfpool_pool_leased{pool=\"tenant\"} 2\n"));
  assert_non_null (strstr (text, "vfpool_pool_quarantined{pool=\"tenant\"} 1\n"));
  assert_non_null (strstr (text, "vfpool_pool_free{pool=\"tenant\"} 1\n"));
  assert_non_null (strstr (text, "vfpool_pool_free{pool=\"b\"} 2\n"));
  assert_non_null (strstr (text, "# TYPE vfpool_allocation_failures_total counter\n"));
  assert_non_null (strstr (text, "vfpool_allocation_failures_total{pool=\"tenant\"} 2\n"));
  assert_non_null (strstr (text, "vfpool_allocation_failures_total{pool=\"b\"} 1\n"));

  assert_true (vfp_metrics_render (NULL, h->ctx->state_dir, &invalid, NULL));
  assert_non_null (strstr (invalid, "vfpool_config_valid 0\n"));
  assert_null (strstr (invalid, "vfpool_pool_vfs"));
  host_free (h);
}

/* The exposition text of @h's pools and state, or fail. */
static char *
metrics_of (Host *h)
{
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  if (!vfp_config_load (h->ctx->config_dir, h->ctx->sysfs_root, &config, &error)
      || !vfp_metrics_render (config, h->ctx->state_dir, &text, &error))
    fail_msg ("metrics: %s", error->message);
  return text;
}

/* Per PF: the link (left out when unknown) and the free VFs. */
static void
test_metrics_pf (void **state)
{
  Host *h = host_new ("--operstate ens1f0=up --carrier ens1f1=0 demo",
                      "[pool tenant]\npfs=ens1f0;ens1f1\n");
  Host *unknown = host_new ("trio", "[pool tenant]\npfs=ens1f0;ens1f1\n[pool u]\npfs=ens2f0\n");
  g_autofree char *text = NULL;
  g_autofree char *text_u = NULL;

  inject_other (h, "1:tenant 2:tenant");
  text = metrics_of (h);
  assert_non_null (strstr (text, "# HELP vfpool_pf_link_up "));
  assert_non_null (strstr (text, "# TYPE vfpool_pf_link_up gauge\n"));
  assert_non_null (strstr (text, "vfpool_pf_link_up{pool=\"tenant\",pf=\"ens1f0\"} 1\n"));
  assert_non_null (strstr (text, "vfpool_pf_link_up{pool=\"tenant\",pf=\"ens1f1\"} 0\n"));
  assert_non_null (strstr (text, "# HELP vfpool_pf_vfs_free "));
  assert_non_null (strstr (text, "# TYPE vfpool_pf_vfs_free gauge\n"));
  /* Both picks avoid ens1f1 (carrier 0): ens1f0 has 2 of 4 left. */
  assert_non_null (strstr (text, "vfpool_pf_vfs_free{pool=\"tenant\",pf=\"ens1f0\"} 2\n"));
  assert_non_null (strstr (text, "vfpool_pf_vfs_free{pool=\"tenant\",pf=\"ens1f1\"} 4\n"));
  host_free (h);

  /* No operstate or carrier at all: no link series, free still counted. */
  text_u = metrics_of (unknown);
  assert_null (strstr (text_u, "vfpool_pf_link_up{"));
  assert_non_null (strstr (text_u, "vfpool_pf_vfs_free{pool=\"u\",pf=\"ens2f0\"} 4\n"));
  host_free (unknown);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_host_cases),
    cmocka_unit_test (test_libvirt_version),
    cmocka_unit_test (test_domain_cases),
    cmocka_unit_test (test_domain_name_quoted),
    cmocka_unit_test (test_shell_quote),
    cmocka_unit_test (test_explain_cases),
    cmocka_unit_test (test_explain_errors),
    cmocka_unit_test (test_metrics),
    cmocka_unit_test (test_metrics_pf),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
