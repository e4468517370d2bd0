/* vfpoolctl.h: what the vfpoolctl subcommands share. */
#pragma once

#include <glib.h>
#include "vfp-config.h"
#include "vfp-context.h"

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
int vfpctl_request (VfpCtl *ctl, int argc, char **argv);
int vfpctl_unrequest (VfpCtl *ctl, int argc, char **argv);
int vfpctl_attach (VfpCtl *ctl, int argc, char **argv);
int vfpctl_detach (VfpCtl *ctl, int argc, char **argv);
int vfpctl_enable_vfs (VfpCtl *ctl, int argc, char **argv);
int vfpctl_vfio_bind (VfpCtl *ctl, int argc, char **argv);
int vfpctl_vfio_unbind (VfpCtl *ctl, int argc, char **argv);

/* Print "vfpoolctl: MESSAGE" and return 1. */
int vfpctl_fail (const GError *error);
/* Refuse any option of argv[1..] not in @allowed (NULL-terminated), and
 * more than @max_positional other arguments: prints one line and returns
 * FALSE, so "start --dry-run web1" never starts anything by accident. */
gboolean vfpctl_check_args (int argc, char **argv, const char *const *allowed,
                            int max_positional);

/* One line "vfpoolctl: pool 'P' is broken: REASON" per broken pool (and for
 * an unsafe pools.d) on stderr, so stdout keeps its format for scripts. */
void vfpctl_report_broken (const VfpConfig *config);

/* Append @s as a JSON string literal. */
void vfpctl_json_string (GString *out, const char *s);
/* Append ', "KEY": ' and @value as a JSON string (null for NULL). */
void vfpctl_json_field (GString *out, const char *key, const char *value);

G_END_DECLS
