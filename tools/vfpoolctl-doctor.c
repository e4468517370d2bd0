/* vfpoolctl-doctor.c: "vfpoolctl doctor": the host, pool and libvirt checks,
 * each with what it saw and the fix; exit 1 if any check fails. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-json.h"
#include "vfpoolctl-netsync.h"
#include "vfp-doctor.h"
#include "vfp-lease.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* The hook lives at $(sysconfdir)/libvirt/hooks/qemu.d/vfpool; configure
 * passes $(sysconfdir)/vfpool as VFP_DEFAULT_CONFIG_DIR, so the hook path
 * is its sibling. */
static char *
default_hook_path (const char *root)
{
  g_autofree char *sysconfdir = g_path_get_dirname (VFP_DEFAULT_CONFIG_DIR);
  return g_build_filename (root ? root : "/", sysconfdir, "libvirt", "hooks", "qemu.d",
                           "vfpool", NULL);
}

static void
silence_libvirt (void *data, virErrorPtr err)
{
}

/* The checks that need libvirt: its version, and every defined domain with
 * a request.  Unreachable libvirt is a warning: the host checks still hold. */
/* The running domain's live XML, when it has vfpool devices (host-shutdown). */
static void
collect_running (virDomainPtr domain, GPtrArray *running)
{
  char *xml;
  VfpDomXml *dom = NULL;

  if (virDomainIsActive (domain) != 1 || (xml = virDomainGetXMLDesc (domain, 0)) == NULL)
    return;
  if (vfp_domxml_mentions_vfpool (xml, strlen (xml))
      && vfp_domxml_parse (xml, strlen (xml), &dom, NULL))
    g_ptr_array_add (running, dom);
  free (xml);
}

static void
check_libvirt (VfpCtl *ctl, VfpConfig *config, const VfpDoctorPaths *paths,
               GPtrArray *report)
{
  g_autoptr (GPtrArray) running =
    g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_domxml_free);
  virConnectPtr conn;
  virDomainPtr *domains = NULL;
  unsigned long version = 0;
  int n;

  virSetErrorFunc (NULL, silence_libvirt);
  conn = virConnectOpenReadOnly (ctl->ctx->libvirt_uri);
  if (conn == NULL)
    {
      vfp_doctor_add (report, "libvirt", VFP_CHECK_WARN,
                      geteuid () == 0 ? "systemctl start libvirtd (or virtqemud)"
                                      : "systemctl start libvirtd (or virtqemud), and run "
                                        "doctor as root",
                      "cannot connect to %s (%s): libvirt version and domain checks skipped",
                      ctl->ctx->libvirt_uri, virGetLastErrorMessage ());
      return;
    }
  if (virConnectGetLibVersion (conn, &version) == 0)
    vfp_doctor_check_libvirt_version (version, report);
  n = virConnectListAllDomains (conn, &domains, 0);
  if (n < 0)
    vfp_doctor_add (report, "libvirt", VFP_CHECK_WARN, NULL,
                    "cannot list the domains of %s (%s): domain checks skipped",
                    ctl->ctx->libvirt_uri, virGetLastErrorMessage ());
  for (int i = 0; i < n; i++)
    {
      char *xml = virDomainGetXMLDesc (domains[i], VIR_DOMAIN_XML_INACTIVE);
      g_autoptr (VfpDomXml) dom = NULL;
      g_autoptr (GError) error = NULL;

      if (xml != NULL && vfp_domxml_mentions_vfpool (xml, strlen (xml)))
        {
          if (vfp_domxml_parse (xml, strlen (xml), &dom, &error))
            vfp_doctor_check_domain (config, dom, report);
          else
            {
              g_autofree char *id = g_strdup_printf ("domain:%s", virDomainGetName (domains[i]));
              vfp_doctor_add (report, id, VFP_CHECK_FAIL, NULL, "%s", error->message);
            }
        }
      free (xml);
      collect_running (domains[i], running);
      virDomainFree (domains[i]);
    }
  free (domains);
  vfpctl_net_check (ctl, conn, config, report);
  virConnectClose (conn);
  if (n >= 0)
    {
      g_autoptr (GPtrArray) leases = NULL;

      /* the network hook's leases: unreadable ones are the state checks' */
      if (!vfp_lease_list (ctl->ctx->state_dir, &leases, NULL, NULL))
        leases = NULL;
      vfp_doctor_check_shutdown (paths, running, leases, report);
    }
}

static void
print_text (GPtrArray *report)
{
  guint count[3] = { 0, 0, 0 };

  for (guint i = 0; i < report->len; i++)
    {
      VfpCheck *c = report->pdata[i];
      g_autofree char *status = g_ascii_strup (vfp_check_status_to_string (c->status), -1);

      count[c->status]++;
      printf ("[%s] %s: %s\n", status, c->id, c->saw);
      if (c->fix != NULL && c->status != VFP_CHECK_PASS)
        printf ("       fix: %s\n", c->fix);
    }
  printf ("%u passed, %u warning%s, %u failed\n", count[VFP_CHECK_PASS], count[VFP_CHECK_WARN],
          count[VFP_CHECK_WARN] == 1 ? "" : "s", count[VFP_CHECK_FAIL]);
}

static void
print_json (GPtrArray *report)
{
  g_autoptr (JsonBuilder) b = vfpctl_json_begin ();
  guint count[3] = { 0, 0, 0 };

  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  for (guint i = 0; i < report->len; i++)
    {
      VfpCheck *c = report->pdata[i];

      count[c->status]++;
      json_builder_begin_object (b);
      vfpctl_json_string (b, "id", c->id);
      vfpctl_json_string (b, "status", vfp_check_status_to_string (c->status));
      vfpctl_json_string (b, "saw", c->saw);
      vfpctl_json_string (b, "fix", c->fix);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  vfpctl_json_int (b, "passed", count[VFP_CHECK_PASS]);
  vfpctl_json_int (b, "warnings", count[VFP_CHECK_WARN]);
  vfpctl_json_int (b, "failed", count[VFP_CHECK_FAIL]);
  vfpctl_json_string (b, "status", vfp_check_status_to_string (vfp_doctor_worst (report)));
  vfpctl_json_print (b);
}

int
vfpctl_doctor (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GPtrArray) report = vfp_doctor_report_new ();
  g_autoptr (VfpConfig) config = NULL;
  g_autofree char *hook_path = NULL;
  g_autofree char *run_root = NULL;
  g_autofree char *etc_root = NULL;
  g_autofree char *guests_script = NULL;
  g_autofree char *root = NULL;
  g_autoptr (GError) error = NULL;
  gboolean no_libvirt = FALSE;
  VfpDoctorPaths paths;
  const GOptionEntry entries[] = {
    VFPCTL_JSON_ENTRY (ctl),
    { "no-libvirt", 0, 0, G_OPTION_ARG_NONE, &no_libvirt,
      "skip the checks that ask libvirt", NULL },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root,
      "look for the hook and NetworkManager files under DIR", "DIR" },
    { "hook", 0, 0, G_OPTION_ARG_FILENAME, &hook_path, "the hook to check", "PATH" },
    G_OPTION_ENTRY_NULL
  };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, NULL,
                             "Check the host, the pools, the lease store and the domains; "
                             "print what each check saw and the fix.  Needs no root.",
                             0, &error))
    return vfpctl_usage_fail (argv[0], error);
  /* --root DIR: the host files sysfs/proc roots do not cover (the hook,
   * /run/NetworkManager, /etc/NetworkManager) are looked for under DIR. */
  if (hook_path == NULL)
    hook_path = default_hook_path (root);
  run_root = g_build_filename (root ? root : "/", "run", NULL);
  etc_root = g_build_filename (root ? root : "/", "etc", NULL);
  /* where Debian's libvirt-daemon installs it, with its own defaults */
  guests_script = g_build_filename (root ? root : "/", "usr", "lib", "libvirt",
                                    "libvirt-guests.sh", NULL);
  paths = (VfpDoctorPaths) {
    .sysfs_root = ctl->ctx->sysfs_root,
    .proc_root = ctl->ctx->proc_root,
    .config_dir = ctl->ctx->config_dir,
    .hook_path = hook_path,
    .run_root = run_root,
    .etc_root = etc_root,
    .guests_script = guests_script,
  };

  vfp_doctor_check_host (&paths, report, &config);
  vfp_doctor_check_state (ctl->ctx->state_dir, ctl->ctx->history_dir, report);
  if (!no_libvirt)
    check_libvirt (ctl, config, &paths, report);

  if (ctl->json)
    print_json (report);
  else
    print_text (report);
  return vfp_doctor_worst (report) == VFP_CHECK_FAIL ? 1 : 0;
}
