/* vfpoolctl.c: the vfpool command line — option parsing and dispatch. */
#include "config.h"
#include "vfpoolctl.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* Exit status of a command run without the root it needs (vfpoolctl(8)). */
#define EXIT_NEEDS_ROOT 3

static const struct {
  const char *name;
  int (*run) (VfpCtl *ctl, int argc, char **argv);
  gboolean needs_root;   /* reads or changes the lease store or the VFs */
  const char *summary;
} commands[] = {
  { "status", vfpctl_status, TRUE, "show every pool VF: free, leased (to whom, how) or quarantined" },
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
  { "enable-vfs", vfpctl_enable_vfs, TRUE, "[--dry-run] [--force] [--wait S]: create the VFs of sriov.conf (at boot)" },
  { "vfio-bind", vfpctl_vfio_bind, TRUE, "POOL: bind the pool's free VFs to vfio-pci (for managed=no)" },
  { "vfio-unbind", vfpctl_vfio_unbind, TRUE, "POOL: give the pool's free VFs back to their host driver" },
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
  fprintf (out, "\nOptions:\n  --json      machine-readable output (status, reconcile, doctor, explain)\n"
                "  --help      this text\n  --version   print the version\n\n"
                "Environment (tests and simulations): VFPOOL_SYSFS_ROOT, VFPOOL_CONFIG_DIR,\n"
                "VFPOOL_STATE_DIR, VFPOOL_HISTORY_DIR, VFPOOL_NETLINK=fake:FILE, VFPOOL_LIBVIRT_URI,\n"
                "VFPOOL_LIBVIRT_RUN_DIR, VFPOOL_PROC_ROOT, VFPOOL_BOOT_ID_FILE.\n"
                "See vfpoolctl(8).\n");
}

int
vfpctl_fail (const GError *error)
{
  fprintf (stderr, "vfpoolctl: %s\n", error->message);
  return 1;
}

gboolean
vfpctl_check_args (int argc, char **argv, const char *const *allowed, int max_positional)
{
  int positional = 0;

  for (int i = 1; i < argc; i++)
    {
      gboolean known = FALSE;

      if (argv[i][0] != '-' || strcmp (argv[i], "-") == 0)
        {
          positional++;
          continue;
        }
      for (const char *const *a = allowed; *a && !known; a++)
        known = strcmp (argv[i], *a) == 0;
      if (!known)
        {
          fprintf (stderr, "vfpoolctl: %s: unknown option '%s' (see vfpoolctl --help)\n",
                   argv[0], argv[i]);
          return FALSE;
        }
    }
  if (positional > max_positional)
    {
      fprintf (stderr, "vfpoolctl: %s: too many arguments (see vfpoolctl --help)\n", argv[0]);
      return FALSE;
    }
  return TRUE;
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

void
vfpctl_json_field (GString *out, const char *key, const char *value)
{
  g_string_append_printf (out, ", \"%s\": ", key);
  vfpctl_json_string (out, value);
}

void
vfpctl_json_string (GString *out, const char *s)
{
  if (s == NULL)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

int
main (int argc, char **argv)
{
  g_autoptr (VfpContext) ctx = vfp_context_new ();
  VfpCtl ctl = { ctx, FALSE };
  int i = 1;

  vfp_context_apply_environ (ctx, environ);
  for (; i < argc && argv[i][0] == '-'; i++)
    {
      if (strcmp (argv[i], "--json") == 0)
        ctl.json = TRUE;
      else if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        {
          usage (stdout);
          return 0;
        }
      else if (strcmp (argv[i], "--version") == 0)
        {
          printf ("vfpoolctl %s\n", PACKAGE_VERSION);
          return 0;
        }
      else
        {
          fprintf (stderr, "vfpoolctl: unknown option '%s' (see vfpoolctl --help)\n", argv[i]);
          return 2;
        }
    }
  if (i >= argc)
    {
      usage (stderr);
      return 2;
    }
  if (strcmp (argv[i], "help") == 0)
    {
      usage (stdout);
      return 0;
    }
  for (guint c = 0; c < G_N_ELEMENTS (commands); c++)
    if (strcmp (argv[i], commands[c].name) == 0)
      {
        /* "status --help" is help, for anyone (no root needed to read it). */
        for (int j = i + 1; j < argc; j++)
          if (strcmp (argv[j], "--help") == 0 || strcmp (argv[j], "-h") == 0)
            {
              usage (stdout);
              return 0;
            }
        /* Options may also follow the command: "status --json". */
        for (int j = i + 1; j < argc; j++)
          if (strcmp (argv[j], "--json") == 0)
            ctl.json = TRUE;
        if (commands[c].needs_root && !may_run_as_caller (&ctl, commands[c].name))
          return EXIT_NEEDS_ROOT;
        return commands[c].run (&ctl, argc - i, argv + i);
      }
  fprintf (stderr, "vfpoolctl: unknown command '%s' (see vfpoolctl --help)\n", argv[i]);
  return 2;
}
