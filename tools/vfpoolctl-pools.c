/* vfpoolctl-pools.c: "vfpoolctl pools" — one line per pool: its PFs, how
 * many VFs are free, leased, quarantined, and whether it is healthy; and
 * the "no such pool, did you mean" check request and status --pool share. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-json.h"
#include "vfp-error.h"

#include <stdio.h>
#include <string.h>

/* Levenshtein distance, for "did you mean": pool names are short (at most
 * VFP_POOL_NAME_MAX), so the two-row table is plenty. */
static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *prev = g_new (guint, lb + 1);
  g_autofree guint *cur = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    prev[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      cur[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
          cur[j] = MIN (MIN (prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
        }
      memcpy (prev, cur, (lb + 1) * sizeof (guint));
    }
  return prev[lb];
}

gboolean
vfpctl_pool_check_known (const VfpConfig *config, const char *name, GError **error)
{
  g_autoptr (GString) known = g_string_new (NULL);
  g_autofree char *shown = vfp_error_quote (name);
  const char *closest = NULL;
  guint best = G_MAXUINT;

  if (vfp_config_find_pool ((VfpConfig *) config, name) != NULL
      || vfp_config_find_broken ((VfpConfig *) config, name) != NULL)
    return TRUE;
  for (guint i = 0; i < config->pools->len; i++)
    {
      const char *pool = ((VfpPool *) config->pools->pdata[i])->name;
      guint d = edit_distance (name, pool);

      g_string_append_printf (known, "%s%s", known->len ? ", " : "", pool);
      if (d < best)
        {
          best = d;
          closest = pool;
        }
    }
  if (known->len == 0)
    g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                 "this host has no pool '%s' (no pools in %s/pools.d)", shown, config->dir);
  /* a suggestion only when it is closer than a different word */
  else if (closest != NULL && best <= MAX (2, strlen (name) / 3))
    g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                 "this host has no pool '%s'; did you mean '%s'? (pools: %s)", shown, closest,
                 known->str);
  else
    g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "this host has no pool '%s' "
                 "(pools: %s)", shown, known->str);
  return FALSE;
}

typedef struct {
  guint vfs, free, leased, quarantined;
} Counts;

static Counts
count (GArray *rows, const char *pool)
{
  Counts c = { 0 };

  for (guint i = 0; i < rows->len; i++)
    {
      VfpCtlRow *r = &g_array_index (rows, VfpCtlRow, i);

      if (strcmp (r->pool, pool) != 0)
        continue;
      c.vfs++;
      if (strcmp (r->state, "free") == 0)
        c.free++;
      else if (strcmp (r->state, "leased") == 0 || strcmp (r->state, "reserved") == 0)
        c.leased++;
      else
        c.quarantined++;    /* quarantined, or a corrupt lease reconcile quarantines */
    }
  return c;
}

static char *
pf_names (const VfpPool *pool)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < pool->pfs->len; i++)
    {
      VfpPf *pf = pool->pfs->pdata[i];
      g_ptr_array_add (names, pf->netdev != NULL ? pf->netdev : pf->pci);
    }
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}

/* A loaded pool is healthy when it has a VF to hand out at all. */
static const char *
pool_problem (const Counts *c)
{
  return c->vfs == 0 ? "no VFs (are they enabled? see vfpoolctl enable-vfs)" : NULL;
}

static void
print_text (const VfpConfig *config, GArray *rows)
{
  printf ("%-12s %-8s %-20s %4s %4s %6s %11s %s\n", "POOL", "HEALTH", "PFS", "VFS", "FREE",
          "LEASED", "QUARANTINED", "REASON");
  for (guint p = 0; p < config->pools->len; p++)
    {
      VfpPool *pool = config->pools->pdata[p];
      Counts c = count (rows, pool->name);
      g_autofree char *pfs = pf_names (pool);
      const char *problem = pool_problem (&c);

      printf ("%-12s %-8s %-20s %4u %4u %6u %11u %s\n", pool->name, problem ? "unhealthy" : "ok",
              pfs, c.vfs, c.free, c.leased, c.quarantined, problem ? problem : "-");
    }
  for (guint i = 0; i < config->broken->len; i++)
    {
      VfpBrokenPool *b = config->broken->pdata[i];
      g_autofree char *name = vfp_error_quote (b->name ? b->name : "?");

      printf ("%-12s %-8s %-20s %4s %4s %6s %11s %s\n", name, "broken", "-", "-", "-", "-", "-",
              b->reason);
    }
  if (config->unsafe != NULL)
    printf ("every pool is refused: %s\n", config->unsafe);
}

static void
print_json (const VfpConfig *config, GArray *rows)
{
  g_autoptr (JsonBuilder) b = vfpctl_json_begin ();

  json_builder_set_member_name (b, "pools");
  json_builder_begin_array (b);
  for (guint p = 0; p < config->pools->len; p++)
    {
      VfpPool *pool = config->pools->pdata[p];
      Counts c = count (rows, pool->name);
      const char *problem = pool_problem (&c);

      json_builder_begin_object (b);
      vfpctl_json_string (b, "name", pool->name);
      vfpctl_json_string (b, "state", problem ? "unhealthy" : "ok");
      vfpctl_json_bool (b, "healthy", problem == NULL);
      json_builder_set_member_name (b, "pfs");
      json_builder_begin_array (b);
      for (guint i = 0; i < pool->pfs->len; i++)
        {
          VfpPf *pf = pool->pfs->pdata[i];

          json_builder_begin_object (b);
          vfpctl_json_string (b, "pf", pf->netdev);
          vfpctl_json_string (b, "pf_pci", pf->pci);
          vfpctl_json_string (b, "link", vfp_link_to_string (pf->link));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      vfpctl_json_int (b, "vfs", c.vfs);
      vfpctl_json_int (b, "free", c.free);
      vfpctl_json_int (b, "leased", c.leased);
      vfpctl_json_int (b, "quarantined", c.quarantined);
      vfpctl_json_string (b, "reason", problem);
      vfpctl_json_null (b, "file");
      json_builder_end_object (b);
    }
  for (guint i = 0; i < config->broken->len; i++)
    {
      VfpBrokenPool *broken = config->broken->pdata[i];
      static const char *const unknown[] = { "vfs", "free", "leased", "quarantined" };

      json_builder_begin_object (b);
      vfpctl_json_string (b, "name", broken->name);
      vfpctl_json_string (b, "state", "broken");
      vfpctl_json_bool (b, "healthy", FALSE);
      vfpctl_json_null (b, "pfs");
      for (guint k = 0; k < G_N_ELEMENTS (unknown); k++)
        vfpctl_json_null (b, unknown[k]);
      vfpctl_json_string (b, "reason", broken->reason);
      vfpctl_json_string (b, "file", broken->file);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  vfpctl_json_string (b, "unsafe", config->unsafe);
  vfpctl_json_print (b);
}

int
vfpctl_pools (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_auto (VfpCtlView) view = { NULL };
  const GOptionEntry entries[] = { VFPCTL_JSON_ENTRY (ctl), G_OPTION_ENTRY_NULL };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, NULL,
                             "Every pool: its PFs, how many VFs are free, leased and "
                             "quarantined, and whether it is healthy (broken pools with the "
                             "reason).", 0, &error))
    return vfpctl_usage_fail (argv[0], error);
  if (!vfpctl_view_load (ctl, &view, &error))
    return vfpctl_json_fail (ctl, error);
  if (ctl->json)
    print_json (view.config, view.rows);
  else if (view.config->pools->len == 0 && !vfp_config_has_broken (view.config))
    printf ("no pools configured (add one to %s/pools.d/)\n", ctl->ctx->config_dir);
  else
    print_text (view.config, view.rows);
  /* as status: all pools broken is a failure, some broken a report */
  return view.config->pools->len == 0 && vfp_config_has_broken (view.config) ? 1 : 0;
}
