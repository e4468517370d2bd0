/* vfpoolctl.h: what the vfpoolctl subcommands share. */
#pragma once

#include <glib.h>
#include "vfp-config.h"
#include "vfp-context.h"
#include "vfp-lease.h"

G_BEGIN_DECLS

typedef struct {
  VfpContext *ctx;
  gboolean json;
} VfpCtl;

/* Each subcommand: argv[0] is its own name; returns the exit status and
 * prints its own errors as one line "vfpoolctl: …". */
int vfpctl_status (VfpCtl *ctl, int argc, char **argv);
int vfpctl_start (VfpCtl *ctl, int argc, char **argv);
int vfpctl_inject (VfpCtl *ctl, int argc, char **argv);
int vfpctl_release (VfpCtl *ctl, int argc, char **argv);
int vfpctl_reconcile (VfpCtl *ctl, int argc, char **argv);
int vfpctl_quarantine (VfpCtl *ctl, int argc, char **argv);
int vfpctl_doctor (VfpCtl *ctl, int argc, char **argv);
int vfpctl_explain (VfpCtl *ctl, int argc, char **argv);
int vfpctl_metrics (VfpCtl *ctl, int argc, char **argv);
int vfpctl_pools (VfpCtl *ctl, int argc, char **argv);
int vfpctl_request (VfpCtl *ctl, int argc, char **argv);
int vfpctl_unrequest (VfpCtl *ctl, int argc, char **argv);
int vfpctl_attach (VfpCtl *ctl, int argc, char **argv);
int vfpctl_detach (VfpCtl *ctl, int argc, char **argv);
int vfpctl_managedsave (VfpCtl *ctl, int argc, char **argv);
int vfpctl_host_shutdown (VfpCtl *ctl, int argc, char **argv);
int vfpctl_migrate (VfpCtl *ctl, int argc, char **argv);
int vfpctl_enable_vfs (VfpCtl *ctl, int argc, char **argv);
int vfpctl_vfio_bind (VfpCtl *ctl, int argc, char **argv);
int vfpctl_vfio_unbind (VfpCtl *ctl, int argc, char **argv);
int vfpctl_net_sync (VfpCtl *ctl, int argc, char **argv);

/* Exit statuses (vfpoolctl(8) EXIT STATUS), the same for every command. */
#define VFPCTL_EXIT_OK 0
#define VFPCTL_EXIT_FAILED 1     /* the operation failed or was refused */
#define VFPCTL_EXIT_USAGE 2      /* bad command line: nothing was done */
#define VFPCTL_EXIT_NEEDS_ROOT 3

/* Print "vfpoolctl: MESSAGE" and return 1. */
int vfpctl_fail (const GError *error);

/* Usage errors: one line "vfpoolctl: COMMAND: MESSAGE (see vfpoolctl
 * COMMAND --help)" on stderr; both return VFPCTL_EXIT_USAGE. */
#define VFPCTL_USAGE_ERROR (vfpctl_usage_error_quark ())
GQuark vfpctl_usage_error_quark (void);
int vfpctl_usage_fail (const char *command, const GError *error);
int vfpctl_usage (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Parse the options of one subcommand (argv[0] is its name) with a
 * GOptionContext built from @entries (callbacks get @callback_data):
 * "--help" prints its usage (@params after the name, @summary) and exits 0;
 * an unknown option, a missing value ("option --xml needs a value") or more
 * than @max_positional arguments are a VFPCTL_USAGE_ERROR with a message
 * in plain ASCII quotes.  On success *@argc / *@argv keep the command name
 * and its positional arguments.  Report errors with vfpctl_usage_fail. */
gboolean vfpctl_parse_options (int *argc, char ***argv, const GOptionEntry *entries,
                               gpointer callback_data, const char *params,
                               const char *summary, int max_positional, GError **error);

/* vfpctl_parse_options for a command of one DOMAIN argument: *@domain
 * is it.  Returns VFPCTL_EXIT_OK to go on, else the status of the usage
 * error it reported (no DOMAIN: "needs a DOMAIN name"). */
int vfpctl_parse_domain_options (int *argc, char ***argv, const GOptionEntry *entries,
                                 gpointer callback_data, const char *summary,
                                 const char **domain);

/* @message with GLib's curly quotes (“ ” ‘ ’) made plain ASCII ones. */
char *vfpctl_plain_quotes (const char *message);

/* A VF named on the command line, as vfpool names it: lspci's short form
 * "01:10.2" gets domain 0000, hex digits are lower case. */
char *vfpctl_vf_address (const char *arg);

/* The options before the command (main): stops at the command. */
gboolean vfpctl_parse_global (int *argc, char ***argv, const GOptionEntry *entries,
                              GError **error);

/* The --json option every reporting command accepts after its name. */
#define VFPCTL_JSON_ENTRY(ctl) \
  { "json", 0, 0, G_OPTION_ARG_NONE, &(ctl)->json, "machine-readable output (JSON)", NULL }

/* One pool VF as status and pools show it. */
typedef struct {
  const char *pool;
  VfpVf *vf;
  const char *state;          /* free, leased, reserved, quarantined, corrupt */
  VfpLease *lease;            /* NULL unless leased */
  const char *reason;         /* quarantine reason, or why corrupt */
  const char *migration;      /* leased: "in", "out" or "none" as libvirt
                               * tells; NULL: not asked or unknown (status) */
} VfpCtlRow;

/* The pools, the leases and one VfpCtlRow per pool VF, loaded together. */
typedef struct {
  VfpConfig *config;
  GPtrArray *leases;          /* owns the leases of the rows */
  GHashTable *quarantined;    /* owns the reasons of the rows */
  GArray *rows;               /* of VfpCtlRow */
} VfpCtlView;

gboolean vfpctl_view_load (VfpCtl *ctl, VfpCtlView *view, GError **error);
void vfpctl_view_clear (VfpCtlView *view);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VfpCtlView, vfpctl_view_clear)

/* TRUE if @name is a pool of @config (loaded or broken); else an error
 * naming the known pools and the closest one ("did you mean 'tenant'?"). */
gboolean vfpctl_pool_check_known (const VfpConfig *config, const char *name, GError **error);

/* One line "vfpoolctl: pool 'P' is broken: REASON" per broken pool (and for
 * an unsafe pools.d) on stderr, so stdout keeps its format for scripts. */
void vfpctl_report_broken (const VfpConfig *config);

G_END_DECLS
