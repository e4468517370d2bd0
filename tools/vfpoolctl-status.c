/* vfpoolctl-status.c: "vfpoolctl status": every pool VF and who holds it. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-json.h"
#include "vfpoolctl-migrations.h"
#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-lease.h"
#include "vfp-quarantine.h"
#include "vfp-state-dir.h"

#include <stdio.h>
#include <string.h>

static char *
format_since (gint64 created)
{
  g_autoptr (GDateTime) dt = created > 0 ? g_date_time_new_from_unix_utc (created) : NULL;
  return dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("-");
}

static char *
format_vlan (const VfpLease *lease)
{
  if (lease == NULL || !(lease->applied.set & VFP_KNOB_VLAN))
    return g_strdup ("-");
  return g_strdup_printf ("%u", lease->applied.vlan);
}

static char *
format_mac (const VfpLease *lease)
{
  if (lease == NULL || !(lease->applied.set & VFP_KNOB_MAC))
    return g_strdup ("-");
  return vfp_mac_to_string (lease->applied.mac);
}

/* The STATE column: a held VF of a domain libvirt is migrating says which
 * way, so an operator sees why a VF stays leased on the source or is
 * leased on the destination before the domain runs there. */
static const char *
shown_state (const VfpCtlRow *r)
{
  if (g_strcmp0 (r->migration, "in") == 0)
    return "migrating-in";
  if (g_strcmp0 (r->migration, "out") == 0)
    return "migrating-out";
  return r->state;
}

static void
print_table (GArray *rows)
{
  printf ("%-12s %-10s %3s %-13s %4s %-13s %-16s %-17s %4s %s\n", "POOL", "PF", "VF", "PCI",
          "NUMA", "STATE", "OWNER", "MAC", "VLAN", "SINCE");
  for (guint i = 0; i < rows->len; i++)
    {
      VfpCtlRow *r = &g_array_index (rows, VfpCtlRow, i);
      g_autofree char *mac = format_mac (r->lease);
      g_autofree char *vlan = format_vlan (r->lease);
      g_autofree char *since = format_since (r->lease ? r->lease->created : 0);
      /* Names are the domain's to choose: shown as one shell word, so a
       * newline or ESC cannot forge rows or drive the terminal, and what is
       * shown can be pasted into "vfpoolctl release". */
      g_autofree char *owner = r->lease ? vfp_error_shell_quote (r->lease->owner_name)
                                        : g_strdup ("-");

      printf ("%-12s %-10s %3u %-13s %4d %-13s %-16s %-17s %4s %s\n", r->pool,
              r->vf->pf->netdev ? r->vf->pf->netdev : r->vf->pf->pci, r->vf->index, r->vf->pci,
              r->vf->pf->numa_node, shown_state (r), owner, mac, vlan,
              r->reason ? r->reason : since);
    }
}

/* Free VFs of @pool on @pf, from the rows (so the two views agree). */
static guint
pf_free (GArray *rows, const VfpPool *pool, const VfpPf *pf, guint *total)
{
  guint free = 0;

  *total = 0;
  for (guint i = 0; i < rows->len; i++)
    {
      VfpCtlRow *r = &g_array_index (rows, VfpCtlRow, i);
      if (r->vf->pf != pf || strcmp (r->pool, pool->name) != 0)
        continue;
      (*total)++;
      free += strcmp (r->state, "free") == 0;
    }
  return free;
}

/* One line per pool PF: its link (a VF of a PF whose link is down ranks
 * last, or is refused with require-link=yes) and its port identity (bonds
 * need VFs on distinct ports). */
static void
print_pf_table (GArray *rows, const VfpConfig *config, const char *only)
{
  printf ("\n%-12s %-10s %-13s %-7s %-5s %s\n", "POOL", "PF", "PCI", "LINK", "FREE", "PORT");
  for (guint p = 0; p < config->pools->len; p++)
    {
      VfpPool *pool = config->pools->pdata[p];

      if (only != NULL && strcmp (pool->name, only) != 0)
        continue;
      for (guint i = 0; i < pool->pfs->len; i++)
        {
          VfpPf *pf = pool->pfs->pdata[i];
          guint total, free = pf_free (rows, pool, pf, &total);
          g_autofree char *count = g_strdup_printf ("%u/%u", free, total);
          g_autofree char *port = pf->phys_port_id ? vfp_error_quote (pf->phys_port_id)
                                                   : g_strdup ("-");

          printf ("%-12s %-10s %-13s %-7s %-5s %s\n", pool->name,
                  pf->netdev ? pf->netdev : pf->pci, pf->pci, vfp_link_to_string (pf->link),
                  count, port);
        }
    }
}

/* A count or id the host did not tell (-1, 0): null, never a number. */
static void
json_known (JsonBuilder *b, const char *key, gint64 value, gint64 unknown)
{
  if (value == unknown)
    vfpctl_json_null (b, key);
  else
    vfpctl_json_int (b, key, value);
}

static void
json_vf (JsonBuilder *b, VfpCtlRow *r)
{
  VfpLease *lease = r->lease;
  g_autofree char *mac = lease && (lease->applied.set & VFP_KNOB_MAC)
                           ? vfp_mac_to_string (lease->applied.mac) : NULL;
  g_autofree char *since = lease && lease->created > 0 ? format_since (lease->created) : NULL;

  json_builder_begin_object (b);
  vfpctl_json_string (b, "pool", r->pool);
  vfpctl_json_string (b, "pf", r->vf->pf->netdev);
  vfpctl_json_string (b, "pf_pci", r->vf->pf->pci);
  vfpctl_json_int (b, "vf_index", r->vf->index);
  vfpctl_json_string (b, "pci", r->vf->pci);
  vfpctl_json_string (b, "pf_link", vfp_link_to_string (r->vf->pf->link));
  json_known (b, "numa_node", r->vf->pf->numa_node, -1);
  vfpctl_json_string (b, "state", r->state);
  vfpctl_json_string (b, "owner", lease ? lease->owner_name : NULL);
  vfpctl_json_string (b, "owner_uuid", lease ? lease->owner_uuid : NULL);
  json_known (b, "nic", lease ? (gint64) lease->nic : -1, -1);
  vfpctl_json_string (b, "mac", mac);
  json_known (b, "vlan", lease && (lease->applied.set & VFP_KNOB_VLAN)
                           ? (gint64) lease->applied.vlan : -1, -1);
  json_known (b, "qemu_pid", lease ? lease->qemu_pid : 0, 0);
  /* how the VF is in the guest: a <hostdev>, an <interface type='hostdev'>,
   * and for a failover pair the network of its virtio standby */
  vfpctl_json_string (b, "form", lease == NULL ? NULL
                                 : lease->form == VFP_FORM_INTERFACE ? "interface" : "hostdev");
  vfpctl_json_string (b, "failover_network", lease ? lease->failover_network : NULL);
  vfpctl_json_string (b, "migration", r->migration);
  vfpctl_json_string (b, "since", since);
  vfpctl_json_string (b, "reason", r->reason);
  json_builder_end_object (b);
}

static void
json_pfs (JsonBuilder *b, GArray *rows, const VfpConfig *config, const char *only)
{
  json_builder_set_member_name (b, "pfs");
  json_builder_begin_array (b);
  for (guint p = 0; p < config->pools->len; p++)
    {
      VfpPool *pool = config->pools->pdata[p];

      if (only != NULL && strcmp (pool->name, only) != 0)
        continue;
      for (guint i = 0; i < pool->pfs->len; i++)
        {
          VfpPf *pf = pool->pfs->pdata[i];
          guint total, free = pf_free (rows, pool, pf, &total);

          json_builder_begin_object (b);
          vfpctl_json_string (b, "pool", pool->name);
          vfpctl_json_string (b, "pf", pf->netdev);
          vfpctl_json_string (b, "pf_pci", pf->pci);
          vfpctl_json_string (b, "link", vfp_link_to_string (pf->link));
          vfpctl_json_string (b, "operstate", pf->operstate);
          vfpctl_json_string (b, "phys_port_id", pf->phys_port_id);
          vfpctl_json_string (b, "port", vfp_pf_port_key (pf));
          vfpctl_json_int (b, "vfs", total);
          vfpctl_json_int (b, "free", free);
          json_builder_end_object (b);
        }
    }
  json_builder_end_array (b);
}

static void
print_json (GArray *rows, const VfpConfig *config, const char *only)
{
  g_autoptr (JsonBuilder) b = vfpctl_json_begin ();

  json_builder_set_member_name (b, "vfs");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    json_vf (b, &g_array_index (rows, VfpCtlRow, i));
  json_builder_end_array (b);
  json_pfs (b, rows, config, only);
  json_builder_set_member_name (b, "broken");
  json_builder_begin_array (b);
  for (guint i = 0; i < config->broken->len; i++)
    {
      VfpBrokenPool *broken = config->broken->pdata[i];

      if (only != NULL && g_strcmp0 (broken->name, only) != 0)
        continue;
      json_builder_begin_object (b);
      vfpctl_json_string (b, "pool", broken->name);
      vfpctl_json_string (b, "file", broken->file);
      vfpctl_json_string (b, "reason", broken->reason);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  vfpctl_json_string (b, "unsafe", config->unsafe);
  vfpctl_json_print (b);
}

void
vfpctl_view_clear (VfpCtlView *view)
{
  g_clear_pointer (&view->config, vfp_config_free);
  g_clear_pointer (&view->leases, g_ptr_array_unref);
  g_clear_pointer (&view->quarantined, g_hash_table_unref);
  g_clear_pointer (&view->rows, g_array_unref);
}

gboolean
vfpctl_view_load (VfpCtl *ctl, VfpCtlView *view, GError **error)
{
  g_autoptr (GPtrArray) corrupt = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) by_vf = g_hash_table_new (g_str_hash, g_str_equal);

  view->rows = g_array_new (FALSE, TRUE, sizeof (VfpCtlRow));
  if (!vfp_config_load (ctl->ctx->config_dir, ctl->ctx->sysfs_root, &view->config, error)
      || !vfp_state_dir_check (ctl->ctx->state_dir, error)
      || !vfp_lease_list (ctl->ctx->state_dir, &view->leases, corrupt, error))
    return FALSE;
  view->quarantined = vfp_quarantine_list (ctl->ctx->state_dir);
  for (guint i = 0; i < view->leases->len; i++)
    g_hash_table_insert (by_vf, ((VfpLease *) view->leases->pdata[i])->vf_pci,
                         view->leases->pdata[i]);

  for (guint p = 0; p < view->config->pools->len; p++)
    {
      VfpPool *pool = view->config->pools->pdata[p];
      for (guint v = 0; v < pool->members->len; v++)
        {
          VfpCtlRow r = { pool->name, pool->members->pdata[v], "free", NULL, NULL };
          r.lease = g_hash_table_lookup (by_vf, r.vf->pci);
          r.reason = g_hash_table_lookup (view->quarantined, r.vf->pci);
          if (r.reason != NULL)
            r.state = "quarantined";
          /* A lease file that cannot be read still keeps the VF from being
           * handed out: it is not free. */
          else if (g_ptr_array_find_with_equal_func (corrupt, r.vf->pci, g_str_equal, NULL))
            {
              r.state = "corrupt";
              r.reason = "lease file unreadable; 'vfpoolctl reconcile' quarantines it";
            }
          else if (r.lease != NULL)
            r.state = r.lease->state == VFP_LEASE_RESERVED ? "reserved" : "leased";
          g_array_append_val (view->rows, r);
        }
    }
  return TRUE;
}

/* Ask libvirt once which lease holders are migrating, and mark their rows. */
static void
mark_migrations (VfpCtl *ctl, GArray *rows)
{
  g_autoptr (GHashTable) owners = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) ways = NULL;

  for (guint i = 0; i < rows->len; i++)
    {
      VfpLease *lease = g_array_index (rows, VfpCtlRow, i).lease;
      if (lease != NULL && lease->owner_uuid != NULL)
        g_hash_table_insert (owners, lease->owner_uuid, lease->owner_name);
    }
  if ((ways = vfpctl_migrations_ask (ctl, owners)) == NULL)
    return;
  for (guint i = 0; i < rows->len; i++)
    {
      VfpCtlRow *r = &g_array_index (rows, VfpCtlRow, i);
      if (r->lease != NULL && r->lease->owner_uuid != NULL)
        r->migration = g_hash_table_lookup (ways, r->lease->owner_uuid);
    }
}

int
vfpctl_status (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_auto (VfpCtlView) view = { NULL };
  g_autofree char *only = NULL;
  VfpConfig *config;
  const GOptionEntry entries[] = {
    VFPCTL_JSON_ENTRY (ctl),
    { "pool", 0, 0, G_OPTION_ARG_STRING, &only, "only the VFs and PFs of pool POOL", "POOL" },
    G_OPTION_ENTRY_NULL
  };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, NULL,
                             "Every pool VF: free, leased (to whom, how) or quarantined; "
                             "then every pool PF.", 0, &error))
    return vfpctl_usage_fail (argv[0], error);
  if (!vfpctl_view_load (ctl, &view, &error))
    return vfpctl_json_fail (ctl, error);
  config = view.config;
  if (only != NULL && vfp_config_find_pool (config, only) == NULL
      && !vfpctl_pool_check_known (config, only, &error))
    return vfpctl_json_fail (ctl, error);
  if (only != NULL)
    for (guint i = view.rows->len; i-- > 0;)
      if (strcmp (g_array_index (view.rows, VfpCtlRow, i).pool, only) != 0)
        g_array_remove_index (view.rows, i);
  mark_migrations (ctl, view.rows);
  if (ctl->json)
    print_json (view.rows, config, only);
  else
    {
      if (view.rows->len > 0 || (only != NULL && config->pools->len > 0))
        {
          print_table (view.rows);
          print_pf_table (view.rows, config, only);
        }
      else if (!vfp_config_has_broken (config))
        printf ("no pools configured (add one to %s/pools.d/)\n", ctl->ctx->config_dir);
      vfpctl_report_broken (config);
    }
  /* Some pools broken: the others still serve, so this is a report, not a
   * failure.  All of them broken: nothing can start, say so in the status. */
  return config->pools->len == 0 && vfp_config_has_broken (config) ? 1 : 0;
}
