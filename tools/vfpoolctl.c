/* vfpoolctl.c: the vfpool command line — option parsing and dispatch. */
#include "config.h"
#include "vfpoolctl.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static const struct {
  const char *name;
  int (*run) (VfpCtl *ctl, int argc, char **argv);
  gboolean needs_root;   /* reads or changes the lease store or the VFs */
  const char *summary;
} commands[] = {
  { "status", vfpctl_status, TRUE, "[--pool P]: every pool VF: free, leased (to whom, how) or quarantined" },
  { "pools", vfpctl_pools, TRUE, "every pool: its PFs, free/leased/quarantined VFs, healthy or broken" },
  { "start", vfpctl_start, TRUE, "DOMAIN: start a defined domain with its VFs present from boot" },
  { "inject", vfpctl_inject, TRUE, "[--dry-run] [FILE]: lease VFs for a domain XML, print it with the devices" },
  { "release", vfpctl_release, TRUE, "[--force] DOMAIN|UUID: restore and free the VFs of a stopped domain" },
  { "reconcile", vfpctl_reconcile, TRUE, "free the leases of domains that are gone" },
  { "quarantine", vfpctl_quarantine, TRUE, "list | clear VF: VFs set aside because restoring failed" },
  { "doctor", vfpctl_doctor, FALSE, "[--no-libvirt] [--root DIR] [--hook PATH]: check host, pools, domains; print fixes" },
  { "explain", vfpctl_explain, TRUE, "DOMAIN | --xml FILE: which VF each nic would get and why (or why none)" },
  { "metrics", vfpctl_metrics, TRUE, "Prometheus text for node_exporter's textfile collector" },
  { "request", vfpctl_request, FALSE, "DOMAIN --pool P [--vlan N --mac M ...] [--dry-run|--print]: add a nic" },
  { "unrequest", vfpctl_unrequest, FALSE, "DOMAIN [--nic N]: remove one nic or the whole request" },
  { "attach", vfpctl_attach, TRUE, "DOMAIN --pool P [--vlan N ...] [--config]: hot-plug a VF into a running domain" },
  { "detach", vfpctl_detach, TRUE, "DOMAIN [--nic N] [--timeout S] [--config]: hot-unplug it, free the VF" },
  { "managedsave", vfpctl_managedsave, TRUE, "DOMAIN [--timeout S]: give the VFs back, then managed-save the domain" },
  { "migrate", vfpctl_migrate, TRUE, "DOMAIN DEST-URI [--timeout S]: live-migrate; VFs out here, leased and plugged there" },
  { "host-shutdown", vfpctl_host_shutdown, TRUE, "[--timeout S] [--force]: take the VFs out of running domains so libvirt-guests can save them" },
  { "enable-vfs", vfpctl_enable_vfs, TRUE, "[--dry-run] [--force] [--wait S]: create the VFs of sriov.conf (at boot)" },
  { "vfio-bind", vfpctl_vfio_bind, TRUE, "POOL: bind the pool's free VFs to vfio-pci (for managed=no)" },
  { "vfio-unbind", vfpctl_vfio_unbind, TRUE, "POOL: give the pool's free VFs back to their host driver" },
  { "net-sync", vfpctl_net_sync, TRUE, "define/start/autostart network vfpool-POOL of each network=yes pool" },
};

/* TRUE if @command may go on as this user: root, or (the test seam) a
 * VFPOOL_STATE_DIR the caller owns.  Anyone else would meet a lease store
 * it cannot read, and the ownership error that follows would tempt an
 * operator into chown'ing or removing /run/vfpool — which would hand every
 * leased VF out a second time. */
static gboolean
may_run_as_caller (VfpCtl *ctl, const char *command)
{
  struct stat st;

  if (geteuid () == 0)
    return TRUE;
  if (g_getenv ("VFPOOL_STATE_DIR") != NULL && *g_getenv ("VFPOOL_STATE_DIR") != '\0'
      && stat (ctl->ctx->state_dir, &st) == 0 && S_ISDIR (st.st_mode)
      && st.st_uid == geteuid ())
    return TRUE;
  fprintf (stderr, "vfpoolctl: %s needs root (it reads and changes the leases in %s "
                   "and the VFs); run it as root, e.g. with sudo\n", command,
           ctl->ctx->state_dir);
  return FALSE;
}

static void
usage (FILE *out)
{
  fprintf (out, "Usage: vfpoolctl [--json] COMMAND [ARGS]\n\n"
                "Hand SR-IOV VFs to libvirt domains from named pools.\n\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-11s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "  %-11s %s\n", "help", "this text");
  fprintf (out, "\nOptions (before the command):\n"
                "  --json              machine-readable output (status, pools, reconcile,\n"
                "                      quarantine list, doctor, explain, attach, detach,\n"
                "                      migrate)\n"
                "  -c, --connect URI   libvirt URI (default: $LIBVIRT_DEFAULT_URI, else\n"
                "                      qemu:///system)\n"
                "  -h, --help          this text\n  -V, --version       print the version\n\n"
                "vfpoolctl COMMAND --help (or vfpoolctl help COMMAND): that command's usage.\n"
                "Exit status: 0 done, 1 failed or refused, 2 usage error, 3 needs root.\n\n"
                "Environment (tests and simulations): VFPOOL_SYSFS_ROOT, VFPOOL_CONFIG_DIR,\n"
                "VFPOOL_STATE_DIR, VFPOOL_HISTORY_DIR, VFPOOL_NETLINK=fake:FILE, VFPOOL_LIBVIRT_URI,\n"
                "VFPOOL_LIBVIRT_RUN_DIR, VFPOOL_PROC_ROOT, VFPOOL_BOOT_ID_FILE.\n"
                "See vfpoolctl(8).\n");
}

int
vfpctl_fail (const GError *error)
{
  /* GLib's file errors quote with “ ”: plain quotes, as everywhere */
  g_autofree char *plain = vfpctl_plain_quotes (error->message);

  fprintf (stderr, "vfpoolctl: %s\n", plain);
  return VFPCTL_EXIT_FAILED;
}

void
vfpctl_report_broken (const VfpConfig *config)
{
  if (config->unsafe != NULL)
    fprintf (stderr, "vfpoolctl: every pool is refused: %s\n", config->unsafe);
  for (guint i = 0; i < config->broken->len; i++)
    {
      g_autofree char *line = vfp_broken_pool_describe (config->broken->pdata[i]);
      fprintf (stderr, "vfpoolctl: %s\n", line);
    }
}

/* TRUE if the command's arguments ask for its usage ("status --help"):
 * that is for anyone, no root needed to read it. */
static gboolean
asks_for_help (int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0
        || strcmp (argv[i], "--help-all") == 0 || strcmp (argv[i], "-?") == 0)
      return TRUE;
  return FALSE;
}

/* The libvirt URI: -c, else the test seam VFPOOL_LIBVIRT_URI (already in
 * the context), else LIBVIRT_DEFAULT_URI as virsh honours it, else the
 * context's qemu:///system. */
static void
choose_libvirt_uri (VfpContext *ctx, const char *connect)
{
  const char *default_uri = g_getenv ("LIBVIRT_DEFAULT_URI");
  const char *seam = g_getenv ("VFPOOL_LIBVIRT_URI");

  if (connect != NULL)
    {
      g_free (ctx->libvirt_uri);
      ctx->libvirt_uri = g_strdup (connect);
    }
  else if ((seam == NULL || *seam == '\0') && default_uri != NULL && *default_uri != '\0')
    {
      g_free (ctx->libvirt_uri);
      ctx->libvirt_uri = g_strdup (default_uri);
    }
}

/* The host of a libvirt URI that names another machine (qemu+ssh://b/…),
 * NULL for this one (qemu:///system, localhost, this host's name, the
 * test seams).  Commands that read or change the lease store and the VFs
 * act on this host: pointed at another host's libvirt they would free,
 * configure or trust this host's leases for that host's domains. */
static char *
remote_host (const char *uri)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;

  if (host == NULL || *host == '\0' || g_ascii_strcasecmp (host, "localhost") == 0
      || strcmp (host, "127.0.0.1") == 0 || strcmp (host, "::1") == 0
      || g_ascii_strcasecmp (host, g_get_host_name ()) == 0)
    return NULL;
  return g_strdup (host);
}

int
main (int argc, char **argv)
{
  g_autoptr (VfpContext) ctx = vfp_context_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *connect = NULL;
  VfpCtl ctl = { ctx, FALSE };
  gboolean help = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctl.json, NULL, NULL },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &connect, NULL, NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, NULL, NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  char *help_argv[] = { NULL, (char *) "--help", NULL };

  vfp_context_apply_environ (ctx, environ);
  if (!vfpctl_parse_global (&argc, &argv, entries, &error))
    {
      fprintf (stderr, "vfpoolctl: %s (see vfpoolctl --help)\n", error->message);
      return VFPCTL_EXIT_USAGE;
    }
  if (help)
    {
      usage (stdout);
      return VFPCTL_EXIT_OK;
    }
  if (version)
    {
      printf ("vfpoolctl %s\n", PACKAGE_VERSION);
      return VFPCTL_EXIT_OK;
    }
  if (connect != NULL && *connect == '\0')
    {
      fprintf (stderr, "vfpoolctl: --connect needs a libvirt URI, not ''\n");
      return VFPCTL_EXIT_USAGE;
    }
  choose_libvirt_uri (ctx, connect);
  if (argc < 2)
    {
      usage (stderr);
      return VFPCTL_EXIT_USAGE;
    }
  argc--;
  argv++;
  /* "help COMMAND" is "COMMAND --help" */
  if (strcmp (argv[0], "help") == 0)
    {
      if (argc < 2 || strcmp (argv[1], "help") == 0)
        {
          usage (stdout);
          return VFPCTL_EXIT_OK;
        }
      if (argc > 2)
        {
          fprintf (stderr, "vfpoolctl: help: one COMMAND only ('%s' is extra)\n", argv[2]);
          return VFPCTL_EXIT_USAGE;
        }
      help_argv[0] = argv[1];
      argc = 2;
      argv = help_argv;
    }
  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    if (strcmp (argv[0], commands[c].name) == 0)
      {
        g_autofree char *host = NULL;

        if (commands[c].needs_root && !asks_for_help (argc, argv)
            && (host = remote_host (ctx->libvirt_uri)) != NULL)
          {
            fprintf (stderr, "vfpoolctl: %s: the libvirt URI '%s' names host '%s', but %s "
                     "works on this host's leases and VFs: run it on '%s'\n",
                     commands[c].name, ctx->libvirt_uri, host, commands[c].name, host);
            return VFPCTL_EXIT_USAGE;
          }
        if (commands[c].needs_root && !asks_for_help (argc, argv)
            && !may_run_as_caller (&ctl, commands[c].name))
          return VFPCTL_EXIT_NEEDS_ROOT;
        return commands[c].run (&ctl, argc, argv);
      }
  fprintf (stderr, "vfpoolctl: unknown command '%s' (see vfpoolctl --help)\n", argv[0]);
  return VFPCTL_EXIT_USAGE;
}
