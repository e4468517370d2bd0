/* vfpoolctl-metrics.c: "vfpoolctl metrics": Prometheus text exposition of
 * the pools for node_exporter's textfile collector. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfp-metrics.h"

#include <stdio.h>
#include <string.h>

int
vfpctl_metrics (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) config_error = NULL;
  g_autoptr (VfpConfig) config = NULL;
  g_autofree char *text = NULL;

  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };

  /* Prometheus text only: no --json */
  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, NULL,
                             "Prometheus text exposition of the pools, for node_exporter's "
                             "textfile collector.", 0, &error))
    return vfpctl_usage_fail (argv[0], error);
  /* A broken config is reported as vfpool_config_valid 0 (and on stderr)
   * with status 0: the collector file then carries it to the alert. */
  if (!vfp_config_load (ctl->ctx->config_dir, ctl->ctx->sysfs_root, &config, &config_error))
    fprintf (stderr, "vfpoolctl: %s\n", config_error->message);
  else
    vfpctl_report_broken (config);
  if (!vfp_metrics_render (config, ctl->ctx->state_dir, &text, &error))
    return vfpctl_fail (error);
  fputs (text, stdout);
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      fprintf (stderr, "vfpoolctl: metrics: writing the output failed\n");
      return 1;
    }
  return 0;
}
