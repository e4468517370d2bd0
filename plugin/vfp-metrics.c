/* vfp-metrics.c: Prometheus text for the pools, and the per-pool failure
 * counters the library bumps where a pool is found exhausted. */
#include "config.h"
#include "vfp-metrics.h"
#include "vfp-error.h"
#include "vfp-file.h"
#include "vfp-lease.h"
#include "vfp-quarantine.h"
#include "vfp-request.h"
#include "vfp-state-dir.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define METRICS_DIR "metrics"
#define FAILURES_SUFFIX ".failures"
#define LOCK_NAME ".lock"

static char *
failures_path (const char *state_dir, const char *pool)
{
  g_autofree char *name = g_strconcat (pool, FAILURES_SUFFIX, NULL);
  return g_build_filename (state_dir, METRICS_DIR, name, NULL);
}

guint64
vfp_metrics_read_failures (const char *state_dir, const char *pool)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  guint64 value = 0;

  if (!vfp_name_is_safe (pool))
    return 0;
  path = failures_path (state_dir, pool);
  if (vfp_file_read_private (path, 64, &text, NULL))
    g_ascii_string_to_unsigned (g_strstrip (text), 10, 0, G_MAXUINT64, &value, NULL);
  return value;
}

gboolean
vfp_metrics_count_failure (const char *state_dir, const char *pool, GError **error)
{
  g_autofree char *dir = g_build_filename (state_dir, METRICS_DIR, NULL);
  g_autofree char *lock_path = g_build_filename (dir, LOCK_NAME, NULL);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gboolean ok;
  int fd;

  /* The name becomes a file name: never a path. */
  if (!vfp_name_is_safe (pool))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "pool name '%s' cannot name a counter file", pool);
      return FALSE;
    }
  if (!vfp_file_ensure_dir (dir, 0700, error))
    return FALSE;
  fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot open %s: %s",
                   lock_path, g_strerror (errsv));
      return FALSE;
    }
  /* Hooks of different domains run concurrently: without the lock two
   * read-increment-write cycles could lose a count. */
  while (flock (fd, LOCK_EX) != 0)
    if (errno != EINTR)
      {
        int errsv = errno;
        close (fd);
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot lock %s: %s",
                     lock_path, g_strerror (errsv));
        return FALSE;
      }
  path = failures_path (state_dir, pool);
  text = g_strdup_printf ("%" G_GUINT64_FORMAT "\n",
                          vfp_metrics_read_failures (state_dir, pool) + 1);
  ok = vfp_file_replace (path, text, strlen (text), 0600, error);
  close (fd);   /* releases the lock */
  return ok;
}

/* A label value: backslash, double quote and newline escaped. */
static void
append_label (GString *out, const char *value)
{
  for (const char *p = value; *p; p++)
    {
      if (*p == '\\' || *p == '"')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

typedef struct {
  guint vfs, leased, quarantined, corrupt;
} PoolCounts;

static void
append_family (GString *out, VfpConfig *config, const PoolCounts *counts, const guint64 *failures,
               const char *name, const char *type, const char *help, int which)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
  for (guint p = 0; p < config->pools->len; p++)
    {
      const PoolCounts *c = &counts[p];
      guint64 value = 0;

      switch (which)
        {
        case 0:
          value = c->vfs;
          break;
        case 1:
          value = c->leased;
          break;
        case 2:
          value = c->quarantined;
          break;
        case 3:
          value = c->vfs - c->leased - c->quarantined - c->corrupt;
          break;
        case 4:
          value = c->corrupt;
          break;
        default:
          value = failures[p];
          break;
        }
      g_string_append_printf (out, "%s{pool=\"", name);
      append_label (out, ((VfpPool *) config->pools->pdata[p])->name);
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", value);
    }
}

/* One series per pool, 1 for those that did not load (their domains do not
 * start; the others do); a file or pools.d without a readable pool name
 * gets pool="" and its path in file. */
static void
append_broken (GString *out, const VfpConfig *config)
{
  g_string_append (out, "# HELP vfpool_pool_broken Whether the pool failed to load (1): "
                   "its domains are refused, the other pools work.\n"
                   "# TYPE vfpool_pool_broken gauge\n");
  for (guint p = 0; p < config->pools->len; p++)
    {
      g_string_append (out, "vfpool_pool_broken{pool=\"");
      append_label (out, ((VfpPool *) config->pools->pdata[p])->name);
      g_string_append (out, "\"} 0\n");
    }
  for (guint b = 0; b < config->broken->len; b++)
    {
      VfpBrokenPool *broken = config->broken->pdata[b];

      g_string_append (out, "vfpool_pool_broken{pool=\"");
      append_label (out, broken->name != NULL ? broken->name : "");
      if (broken->name == NULL)
        {
          g_string_append (out, "\",file=\"");
          append_label (out, broken->file);
        }
      g_string_append (out, "\"} 1\n");
    }
  if (config->unsafe != NULL)
    {
      g_string_append (out, "vfpool_pool_broken{pool=\"\",file=\"");
      append_label (out, config->dir);
      g_string_append (out, "\"} 1\n");
    }
}

static void
append_pf_labels (GString *out, const char *name, const VfpPool *pool, const VfpPf *pf)
{
  g_string_append_printf (out, "%s{pool=\"", name);
  append_label (out, pool->name);
  g_string_append (out, "\",pf=\"");
  append_label (out, pf->netdev != NULL ? pf->netdev : pf->pci);
  g_string_append (out, "\"} ");
}

/* The per-PF series of @pool; @free[i] counts the free VFs of pfs[i]. */
static void
append_pf_series (GString *link, GString *vfs_free, const VfpPool *pool, const guint *free)
{
  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];

      if (pf->link != VFP_LINK_UNKNOWN)
        {
          append_pf_labels (link, "vfpool_pf_link_up", pool, pf);
          g_string_append_printf (link, "%d\n", pf->link == VFP_LINK_UP);
        }
      append_pf_labels (vfs_free, "vfpool_pf_vfs_free", pool, pf);
      g_string_append_printf (vfs_free, "%u\n", free[i]);
    }
}

gboolean
vfp_metrics_render (VfpConfig *config, const char *state_dir, char **out, GError **error)
{
  g_autoptr (GHashTable) leased = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) leases = NULL;
  g_autoptr (GPtrArray) corrupt = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) quarantined = NULL;
  g_autofree PoolCounts *counts = NULL;
  g_autofree guint64 *failures = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GString) pf_link = g_string_new (
    "# HELP vfpool_pf_link_up Whether the pool PF's link is up (1) or down (0); PFs whose "
    "link sysfs does not report are left out.  VFs of a PF whose link is down are picked "
    "last (never with require-link=yes).\n# TYPE vfpool_pf_link_up gauge\n");
  g_autoptr (GString) pf_vfs_free = g_string_new (
    "# HELP vfpool_pf_vfs_free Pool VFs on the PF neither leased, quarantined nor corrupt.\n"
    "# TYPE vfpool_pf_vfs_free gauge\n");

  /* An invalid config still yields a scrape, so an alert can fire on it. */
  g_string_append_printf (text, "# HELP vfpool_config_valid Whether every pool of the "
                          "configuration loads (1) or not (0).\n# TYPE vfpool_config_valid "
                          "gauge\nvfpool_config_valid %d\n",
                          config != NULL && !vfp_config_has_broken (config));
  if (config == NULL)
    {
      *out = g_string_free (g_steal_pointer (&text), FALSE);
      return TRUE;
    }
  append_broken (text, config);
  counts = g_new0 (PoolCounts, config->pools->len + 1);
  failures = g_new0 (guint64, config->pools->len + 1);
  if (!vfp_state_dir_check (state_dir, error)
      || !vfp_lease_list (state_dir, &leases, corrupt, error))
    return FALSE;
  for (guint i = 0; i < leases->len; i++)
    g_hash_table_add (leased, ((VfpLease *) leases->pdata[i])->vf_pci);
  quarantined = vfp_quarantine_list (state_dir);
  for (guint p = 0; p < config->pools->len; p++)
    {
      VfpPool *pool = config->pools->pdata[p];
      g_autofree guint *pf_free = g_new0 (guint, pool->pfs->len + 1);

      counts[p].vfs = pool->members->len;
      for (guint v = 0; v < pool->members->len; v++)
        {
          VfpVf *vf = pool->members->pdata[v];
          const char *pci = vf->pci;
          guint pos;
          /* A quarantined VF counts once, as quarantined, so free never
           * goes negative. */
          if (g_hash_table_contains (quarantined, pci))
            counts[p].quarantined++;
          /* Taken while its unreadable lease file is there, so not free. */
          else if (g_ptr_array_find_with_equal_func (corrupt, pci, g_str_equal, NULL))
            counts[p].corrupt++;
          else if (g_hash_table_contains (leased, pci))
            counts[p].leased++;
          else if (g_ptr_array_find (pool->pfs, vf->pf, &pos))
            pf_free[pos]++;
        }
      failures[p] = vfp_metrics_read_failures (state_dir, pool->name);
      append_pf_series (pf_link, pf_vfs_free, pool, pf_free);
    }
  append_family (text, config, counts, failures, "vfpool_pool_vfs", "gauge",
                 "VFs in the pool.", 0);
  append_family (text, config, counts, failures, "vfpool_pool_leased", "gauge",
                 "Pool VFs leased to a domain (reserved or configured).", 1);
  append_family (text, config, counts, failures, "vfpool_pool_quarantined", "gauge",
                 "Pool VFs set aside because restoring them failed.", 2);
  append_family (text, config, counts, failures, "vfpool_pool_free", "gauge",
                 "Pool VFs neither leased, quarantined nor corrupt.", 3);
  append_family (text, config, counts, failures, "vfpool_pool_corrupt", "gauge",
                 "Pool VFs whose lease file exists but cannot be read (not free; "
                 "reconcile quarantines them).", 4);
  append_family (text, config, counts, failures, "vfpool_allocation_failures_total", "counter",
                 "Domain starts refused because the pool had no VF for a nic: none free, none on "
                 "a port its bond lacks, or only on PFs whose link is down with "
                 "require-link=yes (since boot).", 5);
  g_string_append_len (text, pf_link->str, pf_link->len);
  g_string_append_len (text, pf_vfs_free->str, pf_vfs_free->len);
  *out = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}
