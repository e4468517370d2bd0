/* vfp-metrics.h: pool gauges and allocation-failure counters in Prometheus
 * text format, for node_exporter's textfile collector. */
#pragma once

#include <glib.h>
#include "vfp-config.h"
#include "vfp-domxml.h"

G_BEGIN_DECLS

/* Add one to pool @pool's allocation-failure counter, a small file under
 * STATE_DIR/metrics/.  Safe against concurrent hooks (a lock serialises the
 * increments) and readers (the file is replaced atomically). */
gboolean vfp_metrics_count_failure (const char *state_dir, const char *pool, GError **error);

/* Pool @pool's counter (0 when never counted or unreadable). */
guint64 vfp_metrics_read_failures (const char *state_dir, const char *pool);

/* The exposition text: vfpool_config_valid, and per pool vfpool_pool_vfs,
 * _leased, _quarantined, _free, _corrupt (lease file unreadable) and
 * vfpool_allocation_failures_total, and per pool PF vfpool_pf_link_up
 * (left out when the link is unknown) and vfpool_pf_vfs_free, with HELP
 * and TYPE lines.  @config NULL
 * (it does not load): only vfpool_config_valid 0.  An unsafe state dir
 * (vfp_state_dir_check()) is an error: nothing in it is counted. */
gboolean vfp_metrics_render (VfpConfig *config, const char *state_dir, char **out,
                             GError **error);

G_END_DECLS
