/* vfp-explain.c: which VF each nic of a domain would get and why, from the
 * same allocator and checks a start uses, claiming nothing (see
 * vfp-explain.h). */
#include "config.h"
#include "vfp-explain.h"
#include "vfp-alloc.h"
#include "vfp-error.h"
#include "vfp-file.h"
#include "vfp-history.h"
#include "vfp-lease.h"
#include "vfp-quarantine.h"
#include "vfp-request.h"
#include "vfp-state-dir.h"
#include "vfp-vfio.h"

#include <string.h>


void
vfp_explain_nic_free (VfpExplainNic *nic)
{
  if (nic == NULL)
    return;
  g_free (nic->pool);
  g_free (nic->vf_pci);
  g_free (nic->pf);
  g_free (nic->reason);
  g_free (nic->why);
  g_clear_pointer (&nic->notes, g_ptr_array_unref);
  g_free (nic);
}

/* The allocation's sort keys (vfp-alloc.c) for one candidate, to say which
 * of them decided between the pick and the runner-up. */
typedef struct {
  guint down, sticky, remote, load, order, index;
} RankKeys;

static RankKeys
rank_keys (VfpPool *pool, VfpVf *vf, const guint *load, const char *sticky, int numa)
{
  RankKeys k = { 0, 1, 0, 0, 0, vf->index };

  k.down = vf->pf->link == VFP_LINK_DOWN ? 1 : 0;
  g_ptr_array_find (pool->pfs, vf->pf, &k.order);
  k.sticky = (sticky != NULL && strcmp (sticky, vf->pci) == 0) ? 0 : 1;
  k.remote = (numa >= 0 && vf->pf->numa_node != numa) ? 1 : 0;
  k.load = load[k.order];
  return k;
}

static const char *
pf_name (const VfpPf *pf)
{
  return pf->netdev ? pf->netdev : pf->pci;
}

/* Why @vf is not available: leased (to whom), quarantined (why), reserved
 * for another nic of this domain. */
static char *
describe_unavailable (VfpContext *ctx, const char *vf_pci, GHashTable *quarantined,
                      GHashTable *taken)
{
  g_autoptr (VfpLease) lease = NULL;
  const char *reason = g_hash_table_lookup (quarantined, vf_pci);

  if (reason != NULL)
    return g_strdup_printf ("quarantined (%s; 'vfpoolctl quarantine clear %s' once fixed)",
                            reason, vf_pci);
  if (g_hash_table_contains (taken, vf_pci))
    return g_strdup ("taken by an earlier nic of this domain");
  if (vfp_lease_read (ctx->state_dir, vf_pci, &lease, NULL))
    {
      g_autofree char *owner = vfp_error_quote (lease->owner_name);
      return g_strdup_printf ("leased to domain '%s' (nic %u, %s)", owner, lease->nic,
                              vfp_lease_state_to_string (lease->state));
    }
  return g_strdup ("leased (lease unreadable)");
}

/* A managed=no pool's VF off vfio-pci: prepare refuses it
 * (vfp_vfio_check_bound), so explain says the start would be refused.
 * TRUE if @out was refused here. */
static gboolean
explain_not_vfio (VfpContext *ctx, VfpPool *pool, const char *vf_pci, VfpExplainNic *out)
{
  g_autoptr (GError) error = NULL;

  if (pool->managed || vfp_vfio_check_bound (ctx->sysfs_root, vf_pci, pool->name, &error))
    return FALSE;
  out->refused = TRUE;
  g_free (out->reason);
  g_free (out->why);
  out->reason = g_strdup ("not-vfio");
  out->why = g_strdup_printf ("%s: the start would be refused", error->message);
  return TRUE;
}

static void
explain_named (VfpContext *ctx, VfpDomXml *dom, VfpPool *pool, VfpExplainNic *out,
               const char *xml_pci, GHashTable *taken, const char *bond, VfpBondPorts *bonds)
{
  g_autoptr (VfpLease) lease = NULL;
  VfpVf *vf = NULL;
  const char *holder;

  out->vf_pci = g_strdup (xml_pci);
  g_hash_table_add (taken, g_strdup (xml_pci));
  for (guint i = 0; i < pool->members->len; i++)
    if (strcmp (((VfpVf *) pool->members->pdata[i])->pci, xml_pci) == 0)
      vf = pool->members->pdata[i];
  if (vf == NULL)
    {
      out->refused = TRUE;
      out->reason = g_strdup ("busy");
      out->why = g_strdup_printf ("the XML names VF %s (%s%u), which is not in pool '%s': the "
                                  "start would be refused", xml_pci, VFP_ALIAS_PREFIX, out->nic,
                                  pool->name);
      return;
    }
  out->pf = g_strdup (pf_name (vf->pf));
  out->vf_index = vf->index;
  if (vfp_lease_read (ctx->state_dir, xml_pci, &lease, NULL)
      && (strcmp (lease->owner_uuid, vfp_domxml_get_uuid (dom)) != 0 || lease->nic != out->nic))
    {
      g_autofree char *owner = vfp_error_quote (lease->owner_name);

      out->refused = TRUE;
      out->reason = g_strdup ("busy");
      out->why = g_strdup_printf ("the XML names VF %s (%s%u), but it is leased to domain '%s' "
                                  "(nic %u): the start would be refused", xml_pci,
                                  VFP_ALIAS_PREFIX, out->nic, owner, lease->nic);
      return;
    }
  /* As check_named_bond() in vfp-lifecycle.c. */
  holder = vfp_bond_ports_add (bonds, bond, out->nic, vf->pf);
  if (holder != NULL)
    {
      g_autofree char *why = vfp_alloc_bond_conflict (pool, bond, vf, holder);

      out->refused = TRUE;
      out->reason = g_strdup ("bond");
      out->why = g_strdup_printf ("%s: the start would be refused", why);
      return;
    }
  if (explain_not_vfio (ctx, pool, xml_pci, out))
    return;
  out->reason = g_strdup ("named-in-xml");
  out->why = g_strdup_printf ("the XML already names VF %s (%s%u)%s: that VF and no other", xml_pci,
                              VFP_ALIAS_PREFIX, out->nic,
                              lease ? ", leased to this domain" : "");
}

/* Notes on what the link and the bond took out of the running: PFs whose
 * link is down that the pick passed over (or that require-link=yes keeps
 * out), and the ports the bond's other nics have. */
static void
explain_link_and_bond (VfpPool *pool, const VfpAllocQuery *q, const VfpAllocOutcome *outcome,
                       const char *bond, VfpVf *pick, GPtrArray *notes)
{
  g_autoptr (GString) down = g_string_new (NULL);

  for (guint i = 0; i < pool->pfs->len; i++)
    {
      VfpPf *pf = pool->pfs->pdata[i];
      if (pf->link == VFP_LINK_DOWN && (pick == NULL || pick->pf != pf))
        g_string_append_printf (down, "%s%s", down->len ? ", " : "", pf_name (pf));
    }
  if (down->len > 0 && pool->require_link && outcome->link_excluded > 0)
    g_ptr_array_add (notes, g_strdup_printf ("%u free VF%s left out: on PFs whose link is down "
                                             "(%s) and pool '%s' has require-link=yes",
                                             outcome->link_excluded,
                                             outcome->link_excluded == 1 ? "" : "s",
                                             down->str, pool->name));
  else if (pick != NULL && pick->pf->link != VFP_LINK_DOWN && outcome->link_down > 0)
    g_ptr_array_add (notes, g_strdup_printf ("avoided PF %s: its link is down (VFs there "
                                             "rank last)", down->str));
  else if (pick != NULL && pick->pf->link == VFP_LINK_DOWN)
    g_ptr_array_add (notes, g_strdup_printf ("the link of %s is down: no free VF on a PF with "
                                             "link up (require-link=yes would refuse it)",
                                             pf_name (pick->pf)));
  if (bond != NULL && outcome->bond_excluded > 0)
    {
      g_autoptr (GString) who = g_string_new (NULL);
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, q->avoid_ports);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_string_append_printf (who, "%s%s", who->len ? ", " : "", (char *) value);
      g_ptr_array_add (notes, g_strdup_printf ("bond '%s': %u free VF%s left out, on the "
                                               "port%s of %s", bond, outcome->bond_excluded,
                                               outcome->bond_excluded == 1 ? "" : "s",
                                               g_hash_table_size (q->avoid_ports) > 1 ? "s" : "",
                                               who->str));
    }
}

/* The VF the ranking would pick for @q without the bond, when that VF is on
 * a port the bond has (so the bond, not the other keys, decided @pick); else
 * NULL. */
static VfpVf *
bond_steered (VfpPool *pool, const VfpAllocQuery *q, VfpVf *pick)
{
  VfpAllocQuery unbonded = *q;
  g_autoptr (GPtrArray) ranked = NULL;
  VfpVf *would;

  if (q->avoid_ports == NULL || g_hash_table_size (q->avoid_ports) == 0)
    return NULL;
  unbonded.avoid_ports = NULL;
  ranked = vfp_alloc_rank_query (pool, &unbonded, NULL);
  would = ranked->len > 0 ? ranked->pdata[0] : NULL;
  if (would == NULL || would == pick
      || !g_hash_table_contains (q->avoid_ports, vfp_pf_port_key (would->pf)))
    return NULL;
  return would;
}

static void
explain_free (VfpContext *ctx, VfpDomXml *dom, VfpPool *pool, VfpExplainNic *out,
              GHashTable *leased, GHashTable *quarantined, GHashTable *taken,
              const char *bond, VfpBondPorts *bonds)
{
  VfpAllocQuery query = { NULL };
  VfpAllocOutcome outcome = { 0 };
  VfpVf *steered = NULL;
  g_autoptr (GHashTable) unavailable = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) ranked = NULL;
  g_autofree char *sticky = vfp_history_lookup (ctx->history_dir, vfp_domxml_get_uuid (dom),
                                                out->nic);
  g_autofree guint *load = g_new0 (guint, pool->pfs->len + 1);
  int numa = vfp_domxml_get_numa_node (dom);
  g_autoptr (GPtrArray) safe = g_ptr_array_new ();
  VfpVf *pick = NULL, *contrast = NULL;
  guint decided_by = G_MAXUINT;
  GHashTableIter iter;
  gpointer key;
  guint unsafe = 0;

  /* The same unavailable set as claim_free_vf() in vfp-lifecycle.c. */
  g_hash_table_iter_init (&iter, leased);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (unavailable, key);
  g_hash_table_iter_init (&iter, quarantined);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (unavailable, key);
  g_hash_table_iter_init (&iter, taken);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (unavailable, key);
  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      guint pos;
      if (g_hash_table_contains (unavailable, vf->pci) && g_ptr_array_find (pool->pfs, vf->pf, &pos))
        load[pos]++;
    }

  query.unavailable = unavailable;
  query.sticky_pci = sticky;
  query.numa_node = numa;
  query.avoid_ports = vfp_bond_ports_get (bonds, bond);
  ranked = vfp_alloc_rank_query (pool, &query, &outcome);
  for (guint i = 0; i < ranked->len; i++)
    {
      VfpVf *vf = ranked->pdata[i];
      g_autoptr (VfpVfInfo) info = NULL;

      if (vfp_host_read_vf_info (ctx->sysfs_root, vf->pci, &info, NULL)
          && info->iommu_foreign != NULL && info->iommu_foreign[0] != NULL)
        {
          g_autofree char *foreign = g_strjoinv (", ", info->iommu_foreign);
          unsafe++;
          g_ptr_array_add (out->notes,
                           g_strdup_printf ("VF %s (%s VF %u) skipped: its IOMMU group %d also "
                                            "holds %s", vf->pci, pf_name (vf->pf), vf->index,
                                            info->iommu_group, foreign));
          continue;
        }
      g_ptr_array_add (safe, vf);
    }
  pick = safe->len > 0 ? safe->pdata[0] : NULL;
  /* What decided: the most significant sort key on which the pick beats
   * some other safe candidate (sticky > NUMA > PF load > PF order > index). */
  if (pick != NULL)
    {
      RankKeys a = rank_keys (pool, pick, load, sticky, numa);
      for (guint i = 1; i < safe->len; i++)
        {
          RankKeys b = rank_keys (pool, safe->pdata[i], load, sticky, numa);
          guint d = a.down != b.down ? 0 : a.sticky != b.sticky ? 1 : a.remote != b.remote ? 2
                    : a.load != b.load ? 3 : a.order != b.order ? 4 : 5;
          if (d < decided_by)
            {
              decided_by = d;
              contrast = safe->pdata[i];
            }
        }
    }

  if (sticky != NULL && (pick == NULL || strcmp (sticky, pick->pci) != 0))
    {
      VfpVf *svf = NULL;
      g_autofree char *what = NULL;

      for (guint i = 0; i < pool->members->len; i++)
        if (strcmp (((VfpVf *) pool->members->pdata[i])->pci, sticky) == 0)
          svf = pool->members->pdata[i];
      if (svf == NULL)
        what = g_strdup_printf ("no longer in pool '%s'", pool->name);
      else if (g_hash_table_contains (unavailable, sticky))
        what = describe_unavailable (ctx, sticky, quarantined, taken);
      else
        what = g_strdup ("skipped: unsafe IOMMU group");
      g_ptr_array_add (out->notes,
                       g_strdup_printf ("last time this nic had VF %s: now %s", sticky, what));
    }

  explain_link_and_bond (pool, &query, &outcome, bond, pick, out->notes);
  if (pick == NULL)
    {
      g_autoptr (GString) held = g_string_new (NULL);
      g_autofree char *refusal = vfp_alloc_refusal (pool, &query, bond);

      for (guint i = 0; i < pool->members->len; i++)
        {
          VfpVf *vf = pool->members->pdata[i];
          g_autofree char *what = NULL;

          if (!g_hash_table_contains (unavailable, vf->pci))
            continue;
          what = describe_unavailable (ctx, vf->pci, quarantined, taken);
          g_ptr_array_add (out->notes, g_strdup_printf ("VF %s (%s VF %u): %s", vf->pci,
                                                        pf_name (vf->pf), vf->index, what));
        }
      out->refused = TRUE;
      if (refusal != NULL)
        {
          out->reason = g_strdup (outcome.bond_excluded > 0 && bond != NULL ? "bond"
                                                                             : "link-down");
          out->why = g_strdup_printf ("%s: the start would be refused", refusal);
          return;
        }
      out->reason = g_strdup ("none-free");
      out->why = g_strdup_printf ("pool '%s' has no free VF: %u VFs, %u leased, quarantined or "
                                  "taken by this domain's other nics, %u with an unsafe IOMMU "
                                  "group; the start would be refused",
                                  pool->name, pool->members->len,
                                  pool->members->len - ranked->len, unsafe);
      return;
    }
  steered = bond_steered (pool, &query, pick);
  vfp_bond_ports_add (bonds, bond, out->nic, pick->pf);

  out->vf_pci = g_strdup (pick->pci);
  out->pf = g_strdup (pf_name (pick->pf));
  out->vf_index = pick->index;
  g_hash_table_add (taken, g_strdup (pick->pci));
  if (explain_not_vfio (ctx, pool, pick->pci, out))
    return;
  if (steered != NULL)
    {
      out->reason = g_strdup ("bond-port");
      out->why = g_strdup_printf ("VF %s (%s VF %u): bond '%s' already has %s on the port of "
                                  "%s, the VF the pool would give otherwise (%s); this is the "
                                  "best VF on another port", pick->pci, pf_name (pick->pf),
                                  pick->index, bond,
                                  (const char *) g_hash_table_lookup (
                                    query.avoid_ports, vfp_pf_port_key (steered->pf)),
                                  pf_name (steered->pf), steered->pci);
    }
  else if (contrast == NULL)
    {
      out->reason = g_strdup ("only-free");
      out->why = g_strdup_printf ("VF %s (%s VF %u) is the only free VF of pool '%s'", pick->pci,
                                  pf_name (pick->pf), pick->index, pool->name);
    }
  else if (decided_by == 0)
    {
      out->reason = g_strdup ("link-up");
      out->why = g_strdup_printf ("VF %s (%s VF %u): the link of %s is down, and VFs of a PF "
                                  "whose link is down come last", pick->pci,
                                  pf_name (pick->pf), pick->index, pf_name (contrast->pf));
    }
  else if (decided_by == 1)
    {
      out->reason = g_strdup ("sticky");
      out->why = g_strdup_printf ("VF %s (%s VF %u) is the VF this nic had last time, and it is "
                                  "free", pick->pci, pf_name (pick->pf), pick->index);
    }
  else if (decided_by == 2)
    {
      out->reason = g_strdup ("numa-local");
      out->why = g_strdup_printf ("VF %s (%s VF %u) is on NUMA node %d, where the domain's "
                                  "memory is (<numatune>); %s is on node %d", pick->pci,
                                  pf_name (pick->pf), pick->index, numa, contrast->pci,
                                  contrast->pf->numa_node);
    }
  else if (decided_by == 3)
    {
      RankKeys a = rank_keys (pool, pick, load, sticky, numa);
      RankKeys b = rank_keys (pool, contrast, load, sticky, numa);
      out->reason = g_strdup ("least-loaded-pf");
      out->why = g_strdup_printf ("VF %s (%s VF %u): %s has %u of the pool's VFs in use, %s has "
                                  "%u, and the pool spreads over its PFs", pick->pci,
                                  pf_name (pick->pf), pick->index, pf_name (pick->pf), a.load,
                                  pf_name (contrast->pf), b.load);
    }
  else if (decided_by == 4)
    {
      RankKeys a = rank_keys (pool, pick, load, sticky, numa);
      out->reason = g_strdup ("pf-order");
      out->why = g_strdup_printf ("VF %s (%s VF %u): the PFs are equally loaded (%u in use on "
                                  "each) and %s comes first in pfs= of pool '%s'; lowest free "
                                  "index on it", pick->pci, pf_name (pick->pf), pick->index,
                                  a.load, pf_name (pick->pf), pool->name);
    }
  else
    {
      out->reason = g_strdup ("lowest-index");
      out->why = g_strdup_printf ("VF %s (%s VF %u) is the free VF with the lowest index on %s",
                                  pick->pci, pf_name (pick->pf), pick->index,
                                  pf_name (pick->pf));
    }
  if (numa >= 0 && pick->pf->numa_node != numa)
    g_ptr_array_add (out->notes, g_strdup_printf ("no free VF on NUMA node %d, where the "
                                                  "domain's memory is: this one is remote",
                                                  numa));
}

static const char *
req_bond (VfpRequest *request, const VfpExplainNic *nic)
{
  return ((VfpNicRequest *) request->nics->pdata[nic->nic])->bond;
}

gboolean
vfp_explain_domain (VfpContext *ctx, VfpDomXml *dom, GPtrArray **out, GError **error)
{
  g_autoptr (VfpRequest) request = NULL;
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GHashTable) leased = NULL;
  g_autoptr (GHashTable) quarantined = NULL;
  g_autoptr (GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (VfpBondPorts) bonds = vfp_bond_ports_new ();
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);
  g_autoptr (GPtrArray) nics = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_explain_nic_free);
  const char *name = vfp_domxml_get_name (dom);
  g_autofree char *shown = vfp_error_quote (name);

  if (!vfp_request_read (dom, &request, error))
    return FALSE;
  if (request == NULL)
    {
      *out = g_steal_pointer (&nics);
      return TRUE;
    }
  if (!vfp_config_load (ctx->config_dir, ctx->sysfs_root, &config, error))
    {
      g_prefix_error (error, "domain '%s': ", shown);
      return FALSE;
    }
  /* A missing lease store reads as empty: explain never creates it.  An
   * unsafe one is not read at all. */
  if (!vfp_state_dir_check (ctx->state_dir, error)
      || !vfp_lease_list_names (ctx->state_dir, &leased, error))
    return FALSE;
  quarantined = vfp_quarantine_list (ctx->state_dir);

  for (guint i = 0; i < request->nics->len; i++)
    {
      VfpNicRequest *req = request->nics->pdata[i];
      VfpPool *pool = vfp_config_get_pool (config, req->pool, error);
      VfpExplainNic *nic;
      VfpVfConfig want;
      gboolean failover;

      if (pool == NULL)
        {
          g_prefix_error (error, "domain '%s' nic %u: ", shown, req->index);
          return FALSE;
        }
      if (!vfp_pool_allows (pool, name, vfp_domxml_get_uuid (dom)))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "domain '%s' nic %u: pool '%s' does not allow this domain (allow= in %s)",
                       shown, req->index, req->pool, pool->file);
          return FALSE;
        }
      /* The start path decides the same way: a dry run must not promise a
       * VF that prepare would refuse over a knob. */
      if (!vfp_pool_resolve_request (pool, &req->cfg, req->failover, &want, &failover, error))
        {
          g_prefix_error (error, "domain '%s' nic %u: ", shown, req->index);
          return FALSE;
        }
      nic = g_new0 (VfpExplainNic, 1);
      nic->nic = req->index;
      nic->pool = g_strdup (pool->name);
      nic->notes = g_ptr_array_new_with_free_func (g_free);
      if (failover)
        {
          g_autofree char *mac = vfp_mac_to_string (want.mac);

          g_ptr_array_add (nic->notes,
                           g_strdup_printf ("failover pair: the VF as <interface type='hostdev'> "
                                            "with a virtio standby on network '%s', both MAC %s",
                                            pool->failover_network, mac));
        }
      g_ptr_array_add (nics, nic);
    }
  /* As claim_all(): first the VFs the XML names, then the free picks. */
  for (guint i = 0; i < nics->len; i++)
    {
      VfpExplainNic *nic = nics->pdata[i];
      for (guint d = 0; d < devices->len; d++)
        {
          VfpDomDevice *dev = devices->pdata[d];
          if (dev->nic == nic->nic)
            explain_named (ctx, dom, vfp_config_find_pool (config, nic->pool), nic, dev->pci,
                           taken, req_bond (request, nic), bonds);
        }
    }
  for (guint i = 0; i < nics->len; i++)
    {
      VfpExplainNic *nic = nics->pdata[i];
      if (nic->reason == NULL)
        explain_free (ctx, dom, vfp_config_find_pool (config, nic->pool), nic, leased,
                      quarantined, taken, req_bond (request, nic), bonds);
    }
  *out = g_steal_pointer (&nics);
  return TRUE;
}
