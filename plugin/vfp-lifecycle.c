/* vfp-lifecycle.c: the start of a domain's life — prepare, inject and
 * started, with unwinding on failure (the end: vfp-lifecycle-stop.c). */
#include "config.h"
#include "vfp-lifecycle.h"
#include "vfp-alloc.h"
#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-fault.h"
#include "vfp-history.h"
#include "vfp-lease-index.h"
#include "vfp-mac-index.h"
#include "vfp-metrics.h"
#include "vfp-netxml.h"
#include "vfp-quarantine.h"
#include "vfp-release.h"
#include "vfp-request.h"
#include "vfp-state-dir.h"
#include "vfp-vf-apply.h"
#include "vfp-vfio.h"

#include <string.h>

/* What one nic of the request resolves to while an operation runs. */
typedef struct {
  VfpNicRequest *nic;     /* borrowed from the request */
  VfpPool *pool;          /* borrowed from the config */
  VfpVfConfig want;       /* pool defaults overlaid with the nic's request */
  gboolean failover;      /* a teaming pair (interface form + virtio standby) */
  gboolean has_standby;   /* failover: the domain's XML has the standby already */
  char *xml_pci;          /* VF a vfpool device in the XML names, or NULL */
  VfpVf *vf;              /* chosen VF (borrowed from the config) */
  VfpLease *lease;        /* held lease, NULL before the claim */
  gboolean claimed;       /* this call created the lease (else adopted) */
  guint adopted_set;      /* knobs an adopted lease had applied to the VF */
  gboolean leftover;      /* adopted from an earlier attempt to start, not from the XML */
} NicPlan;

/* Everything one operation on one domain works with. */
typedef struct {
  VfpContext *ctx;
  VfpDomXml *dom;
  const char *raw_name;   /* as libvirt has it: leases, allow= */
  char *name;             /* quoted for messages (vfp_error_quote) */
  const char *uuid;
  VfpRequest *request;
  VfpConfig *config;
  GArray *plans;          /* NicPlan */
  char *boot_id;
  char *start_id;         /* this start's identity, written into its leases */
  gboolean is_prepare;    /* prepare begin (takes leases over) or inject */
} Operation;

static void
nic_plan_clear (NicPlan *plan)
{
  g_free (plan->xml_pci);
  vfp_lease_free (plan->lease);
}

static void
operation_clear (Operation *op)
{
  g_clear_pointer (&op->plans, g_array_unref);
  g_clear_pointer (&op->request, vfp_request_free);
  g_clear_pointer (&op->config, vfp_config_free);
  g_clear_pointer (&op->boot_id, g_free);
  g_clear_pointer (&op->start_id, g_free);
  g_clear_pointer (&op->name, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Operation, operation_clear)

void
vfp_hotplug_free (VfpHotplug *hp)
{
  if (hp == NULL)
    return;
  g_free (hp->vf_pci);
  g_free (hp->start_id);
  g_free (hp->standby_alias);
  g_free (hp->standby_network);
  g_free (hp);
}

/* Take over @existing, held by someone else or an older start: the VF keeps
 * the values that start applied, and its lease the original state. */
static void
adopt_lease (NicPlan *plan, VfpLease *existing)
{
  if (existing->state != VFP_LEASE_RESERVED)
    plan->adopted_set = existing->applied.set;
  existing->applied = plan->want;
  plan->lease = existing;
  plan->claimed = FALSE;
}

/* Step 1, per nic: its pool (allow= included) and the wanted config. */
static gboolean
plan_nic_pool (Operation *op, NicPlan *plan, GError **error)
{
  VfpNicRequest *nic = plan->nic;

  plan->pool = vfp_config_get_pool (op->config, nic->pool, error);
  if (plan->pool == NULL)
    {
      g_prefix_error (error, "domain '%s' nic %u: ", op->name, nic->index);
      return FALSE;
    }
  if (plan->pool->network)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' nic %u: pool '%s' is network-backed (network=yes in %s): use "
                   "<interface type='network'><source network='" VFP_NETWORK_PREFIX "%s'/>"
                   "</interface> instead of a vfpool request", op->name, nic->index, nic->pool,
                   plan->pool->file, nic->pool);
      return FALSE;
    }
  if (!vfp_pool_allows (plan->pool, op->raw_name, op->uuid))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' nic %u: pool '%s' does not allow this domain (allow= in %s)",
                   op->name, nic->index, nic->pool, plan->pool->file);
      return FALSE;
    }
  if (!vfp_pool_resolve_request (plan->pool, &nic->cfg, nic->failover, &plan->want,
                                 &plan->failover, error))
    {
      g_prefix_error (error, "domain '%s' nic %u: ", op->name, nic->index);
      return FALSE;
    }
  /* An interface with the nic's MAC that is no standby would be a second
   * NIC with one address: refused before anything is claimed. */
  if (plan->failover)
    {
      g_autofree char *standby = NULL;

      if (!vfp_domxml_find_standby (op->dom, plan->want.mac, &standby, error))
        {
          g_prefix_error (error, "domain '%s' nic %u: ", op->name, nic->index);
          return FALSE;
        }
      plan->has_standby = standby != NULL;
    }
  return TRUE;
}

/* Hot-plug slots @plan takes: its VF, and the standby vfpool plugs first
 * for a failover nic the domain has no standby for. */
static guint
slots_needed (const NicPlan *plan)
{
  return plan->failover && !plan->has_standby ? 2 : 1;
}

/* The last plan, if a failover pair, has a MAC no other nic has: its standby
 * is found by MAC, so two pairs on one MAC would share one standby. */
static gboolean
check_failover_mac (Operation *op, GError **error)
{
  const NicPlan *last = &g_array_index (op->plans, NicPlan, op->plans->len - 1);

  for (guint i = 0; i + 1 < op->plans->len; i++)
    {
      const NicPlan *other = &g_array_index (op->plans, NicPlan, i);
      g_autofree char *mac = NULL;

      if (!(last->failover || other->failover)
          || memcmp (other->want.mac, last->want.mac, 6) != 0)
        continue;
      mac = vfp_mac_to_string (last->want.mac);
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' nic %u: MAC %s is nic %u's too; a failover nic needs a MAC of "
                   "its own (its standby is found by MAC)", op->name, last->nic->index, mac,
                   other->nic->index);
      return FALSE;
    }
  return TRUE;
}

/* Step 1: read the request, the config, and resolve each nic to its pool and
 * wanted config.  *has_request = FALSE for domains vfpool leaves alone. */
static gboolean
operation_plan (Operation *op, gboolean *has_request, GError **error)
{
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GPtrArray) wanted = NULL;
  VfpPfFacts skip = VFP_PF_FACT_DRIVER | VFP_PF_FACT_PORT | VFP_PF_FACT_LINK;

  op->raw_name = vfp_domxml_get_name (op->dom);
  op->name = vfp_error_quote (op->raw_name);
  op->uuid = vfp_domxml_get_uuid (op->dom);
  if (!vfp_request_read (op->dom, &op->request, error))
    return FALSE;
  *has_request = op->request != NULL;
  if (op->request == NULL)
    return TRUE;
  /* Only the request's pools are read in full: a host with many pools
   * does not pay for every PF on every start.  And of their PFs only the
   * facts this start can use: the driver is read for the PF of the VF it
   * configures (vfp_pf_driver()), links for the PFs ranking gets to
   * (vfp_pf_link()), ports are compared only for bonds, nodes only for a
   * domain with one. */
  wanted = g_ptr_array_new ();
  for (guint i = 0; i < op->request->nics->len; i++)
    {
      VfpNicRequest *nic = op->request->nics->pdata[i];

      g_ptr_array_add (wanted, nic->pool);
      if (nic->bond != NULL)
        skip &= ~VFP_PF_FACT_PORT;
    }
  g_ptr_array_add (wanted, NULL);
  if (vfp_domxml_get_numa_node (op->dom) < 0)
    skip |= VFP_PF_FACT_NUMA;
  if (!vfp_config_load_pools (op->ctx->config_dir, op->ctx->sysfs_root,
                              (const char *const *) wanted->pdata, skip, &op->config, error))
    {
      g_prefix_error (error, "domain '%s': ", op->name);
      return FALSE;
    }
  op->boot_id = vfp_context_read_boot_id (op->ctx, NULL);
  op->start_id = vfp_lease_new_start_id ();
  op->plans = g_array_sized_new (FALSE, TRUE, sizeof (NicPlan), op->request->nics->len);
  g_array_set_clear_func (op->plans, (GDestroyNotify) nic_plan_clear);
  devices = vfp_domxml_list_devices (op->dom);

  for (guint i = 0; i < op->request->nics->len; i++)
    {
      VfpNicRequest *nic = op->request->nics->pdata[i];
      NicPlan plan = { nic, NULL };

      if (!plan_nic_pool (op, &plan, error))
        return FALSE;
      for (guint d = 0; d < devices->len; d++)
        {
          VfpDomDevice *dev = devices->pdata[d];
          if (dev->nic == nic->index)
            plan.xml_pci = g_strdup (dev->pci);
        }
      g_array_append_val (op->plans, plan);
      if (!check_failover_mac (op, error))
        return FALSE;
    }
  for (guint d = 0; d < devices->len; d++)
    {
      VfpDomDevice *dev = devices->pdata[d];
      if (dev->nic >= op->request->nics->len)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "domain '%s': device %s%u has no nic %u in the request",
                       op->name, VFP_ALIAS_PREFIX, dev->nic, dev->nic);
          return FALSE;
        }
    }
  return TRUE;
}

static VfpLease *
new_lease (Operation *op, NicPlan *plan, VfpVf *vf)
{
  VfpLease *lease = vfp_lease_new ();

  lease->vf_pci = g_strdup (vf->pci);
  lease->pf_pci = g_strdup (vf->pf->pci);
  lease->pf_netdev = g_strdup (vf->pf->netdev);
  lease->vf_index = vf->index;
  lease->pool = g_strdup (plan->pool->name);
  lease->nic = plan->nic->index;
  lease->owner_uuid = g_strdup (op->uuid);
  lease->owner_name = g_strdup (op->raw_name);
  lease->boot_id = g_strdup (op->boot_id);
  lease->start_id = g_strdup (op->start_id);
  lease->created = g_get_real_time () / G_USEC_PER_SEC;
  lease->state = VFP_LEASE_RESERVED;
  /* failover pairs exist only for <interface type='hostdev'> */
  lease->form = plan->failover ? VFP_FORM_INTERFACE : plan->pool->form;
  lease->managed = plan->pool->managed;
  lease->failover_network = plan->failover ? g_strdup (plan->pool->failover_network) : NULL;
  lease->applied = plan->want;
  return lease;
}

/* Step 2a (boot-time path): hold exactly the VF the XML names — free, or
 * already leased to this domain's nic (by inject).  A dry run only checks. */
static gboolean
claim_named_vf (Operation *op, NicPlan *plan, gboolean dry_run, GError **error)
{
  g_autoptr (VfpLease) existing = NULL;
  g_autoptr (VfpLease) lease = NULL;
  g_autoptr (GError) local_error = NULL;
  VfpVf *vf = NULL;

  if (vfp_config_find_vf (op->config, plan->xml_pci, &vf) != plan->pool)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' nic %u: VF %s in the XML is not in pool '%s'",
                   op->name, plan->nic->index, plan->xml_pci, plan->pool->name);
      return FALSE;
    }
  plan->vf = vf;
  if (vfp_lease_read (op->ctx->state_dir, vf->pci, &existing, &local_error))
    {
      /* A lease from before a reboot is in the way of nobody's running
       * domain: restore the VF and drop it, then claim as if it were free. */
      if (vfp_lease_is_stale (op->boot_id, existing))
        {
          if (dry_run)
            return TRUE;
          if (!vfp_release_lease (op->ctx, existing, FALSE, NULL, error))
            return FALSE;
        }
      else if (strcmp (existing->owner_uuid, op->uuid) != 0
               || existing->nic != plan->nic->index)
        {
          g_autofree char *holder = vfp_error_quote (existing->owner_name);

          g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY,
                       "domain '%s' nic %u: VF %s is leased to domain '%s' (nic %u)",
                       op->name, plan->nic->index, vf->pci, holder, existing->nic);
          return FALSE;
        }
      else
        {
          if (!dry_run)
            adopt_lease (plan, g_steal_pointer (&existing));
          return TRUE;
        }
    }
  else if (!g_error_matches (local_error, VFP_ERROR, VFP_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (dry_run)
    return TRUE;
  lease = new_lease (op, plan, vf);
  if (!vfp_lease_claim (op->ctx->state_dir, lease, error))
    {
      g_prefix_error (error, "domain '%s' nic %u: ", op->name, plan->nic->index);
      return FALSE;
    }
  plan->lease = g_steal_pointer (&lease);
  plan->claimed = TRUE;
  vfp_fault_point (op->ctx, VFP_FAULT_AFTER_CLAIM);
  return TRUE;
}

/* The "why" of an exhausted pool: who holds its VFs. */
static char *
describe_holders (Operation *op, VfpPool *pool, GHashTable *quarantined)
{
  g_autoptr (GString) s = g_string_new (NULL);
  guint held = 0, out = 0;

  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      g_autoptr (VfpLease) lease = NULL;
      g_autoptr (GError) local_error = NULL;
      g_autofree char *name = NULL;
      g_autofree char *owner = NULL;

      if (g_hash_table_contains (quarantined, vf->pci))
        {
          out++;
          continue;
        }
      /* Only the owner's name: a peek, not a parse of every lease (each
       * refused start of a full pool pays for this). */
      if (!vfp_lease_peek (op->ctx->state_dir, vf->pci, &name, NULL, &local_error))
        {
          if (g_error_matches (local_error, VFP_ERROR, VFP_ERROR_NOT_FOUND)
              || !vfp_lease_read (op->ctx->state_dir, vf->pci, &lease, NULL))
            continue;
          name = g_strdup (lease->owner_name);
        }
      owner = vfp_error_quote (name);
      g_string_append_printf (s, "%s%s on %s", held ? ", " : "", owner, vf->pci);
      held++;
    }
  if (held == 0)
    g_string_append (s, "nobody");
  if (out > 0)
    g_string_append_printf (s, "; %u quarantined", out);
  return g_strdup_printf ("%u VF%s held by %s", held, held == 1 ? "" : "s", s->str);
}

/* Step 2b, first: a lease this domain already holds for this nic — an
 * inject not started yet, or a start that crashed before libvirt's release
 * end — is taken up again rather than left behind while a second VF is
 * leased.  *adopted = FALSE when there is none. */
static gboolean
adopt_own_lease (Operation *op, NicPlan *plan, GHashTable *taken, GHashTable *avoid_ports,
                 gboolean *adopted, GError **error)
{
  g_autoptr (GPtrArray) mine = NULL;

  *adopted = FALSE;
  if (!vfp_lease_list_owner (op->ctx->state_dir, op->uuid, &mine, NULL, error))
    return FALSE;
  vfp_lease_drop_ports (mine);
  for (guint i = 0; i < mine->len; i++)
    {
      VfpLease *lease = mine->pdata[i];
      VfpVf *vf = NULL;

      if (lease->nic != plan->nic->index || g_hash_table_contains (taken, lease->vf_pci)
          || vfp_config_find_vf (op->config, lease->vf_pci, &vf) != plan->pool)
        continue;
      /* Held from before the nic joined its bond, on a port a sibling now
       * has: not taken up (prepare releases it as a leftover). */
      if (avoid_ports != NULL && g_hash_table_contains (avoid_ports, vfp_pf_port_key (vf->pf)))
        continue;
      /* A configured lease belongs to a start that ran prepare: if that
       * instance still runs (a `vfpoolctl start` racing `virsh start`),
       * an inject must not build a second start on its VF. */
      if (!op->is_prepare && lease->state != VFP_LEASE_RESERVED)
        continue;
      if (vfp_lease_is_stale (op->boot_id, lease))
        {
          if (!vfp_release_lease (op->ctx, lease, FALSE, NULL, error))
            return FALSE;
          continue;
        }
      plan->vf = vf;
      adopt_lease (plan, g_ptr_array_steal_index (mine, i));
      plan->leftover = TRUE;
      *adopted = TRUE;
      return TRUE;
    }
  return TRUE;
}

/* Leases of @pool's VFs written before the last reboot: restored and
 * dropped, so a full-looking pool after a reboot (persistent state dir) does
 * not refuse starts until someone runs reconcile.  Returns how many. */
static guint
free_stale_leases (Operation *op, VfpPool *pool)
{
  guint freed = 0;

  if (op->boot_id == NULL)
    return 0;
  for (guint i = 0; i < pool->members->len; i++)
    {
      VfpVf *vf = pool->members->pdata[i];
      g_autoptr (VfpLease) lease = NULL;
      g_autoptr (GError) local_error = NULL;
      g_autofree char *boot_id = NULL;

      /* A lease of this boot is not stale: known from a peek at its
       * boot-id, without parsing it (a full pool reads them all). */
      if (vfp_lease_peek (op->ctx->state_dir, vf->pci, NULL, &boot_id, &local_error)
          ? g_strcmp0 (boot_id, op->boot_id) == 0
          : g_error_matches (local_error, VFP_ERROR, VFP_ERROR_NOT_FOUND))
        continue;
      if (vfp_lease_read (op->ctx->state_dir, vf->pci, &lease, NULL)
          && vfp_lease_is_stale (op->boot_id, lease)
          && vfp_release_lease (op->ctx, lease, FALSE, NULL, NULL))
        freed++;
    }
  return freed;
}

/* Step 2b: the best free VF of the pool.  Claims race with other hooks:
 * a VF taken in between (BUSY) just means trying the next candidate.
 * *claimed = FALSE (and TRUE returned) when no candidate could be had. */
/* How many of the best free VFs a start ranks first (try_claim_free_vf). */
#define CLAIM_FIRST_CANDIDATES 8

static void
add_to_set (const char *vf_pci, guint domain, guint rid, gpointer set)
{
  vfp_vf_set_add_rid (set, vf_pci, domain, rid);
}

static void
add_keys_to_set (GHashTable *table, VfpVfSet *set)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    vfp_vf_set_add (set, key);
}

/* The leased VFs of @pool from the per-PF index (vfp-lease-index.h): a
 * few reads per PF instead of listing every lease of the host.  FALSE when
 * some PF's index cannot be used: the caller lists leases/ instead. */
static gboolean
add_indexed (Operation *op, VfpPool *pool, VfpVfSet *set)
{
  const char *state_dir = op->ctx->state_dir;
  g_autofree guint8 *leased = NULL;
  guint most = 0;
  gboolean ok = TRUE;
  /* Opened once: each PF's index file is then one component away, not a
   * walk of the whole state dir path per PF. */
  int dir_fd = vfp_lease_index_open_dir (state_dir);

  if (dir_fd < 0)
    return FALSE;
  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];
      most = MAX (most, pf->vfs != NULL ? pf->vfs->len : 0);
    }
  leased = g_malloc (most + 1);
  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];
      guint n = pf->vfs != NULL ? pf->vfs->len : 0;

      if (n == 0)
        continue;
      if (!vfp_lease_index_load (state_dir, dir_fd, pf, leased))
        {
          ok = FALSE;
          break;
        }
      vfp_vf_set_add_flags (set, i, leased, n);
    }
  close (dir_fd);
  return ok;
}
/* VFs the index calls leased that have no lease file in @listed (one
 * removed behind vfpool's back): set right, so that later starts see them
 * free again.  Only a start the index made look refused pays for it. */
static void
repair_index (Operation *op, VfpPool *pool, const VfpVfSet *listed)
{
  g_autoptr (VfpVfSet) indexed = vfp_vf_set_new (pool);

  if (!add_indexed (op, pool, indexed))
    return;
  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];

      for (guint j = 0; pf->vfs != NULL && j < pf->vfs->len; j++)
        if (vfp_vf_set_contains (indexed, i, j) && !vfp_vf_set_contains (listed, i, j))
          vfp_lease_index_repair (op->ctx->state_dir, pf->pci, j,
                                  ((VfpVf *) pf->vfs->pdata[j])->pci);
    }
}

/* The pool's unavailable VFs as bits: from the index (@use_index), else
 * from one readdir of the lease store, no string kept or hashed per lease. */
static VfpVfSet *
list_unavailable (Operation *op, VfpPool *pool, GHashTable *quarantined, GHashTable *taken,
                  gboolean use_index, GError **error)
{
  g_autoptr (VfpVfSet) set = vfp_vf_set_new (pool);

  if (!use_index || !add_indexed (op, pool, set))
    {
      g_clear_pointer (&set, vfp_vf_set_free);
      set = vfp_vf_set_new (pool);
      if (!vfp_lease_foreach_name (op->ctx->state_dir, add_to_set, set, error))
        return NULL;
      if (!use_index)
        repair_index (op, pool, set);
    }
  add_keys_to_set (quarantined, set);
  add_keys_to_set (taken, set);
  return g_steal_pointer (&set);
}

/* Starts racing for one pool rank alike, so after losing a claim they
 * would collide again on the same next VF.  A start that lost one begins
 * its next pass at a random place among the leading run of VFs that rank
 * alike up to their index (same PF, and not the sticky VF): the policy's
 * order is kept between ranks, and a start that loses no race (every
 * start of a quiet host, every test) takes the lowest index as before. */
static void
rotate_tied_run (GPtrArray *ranked, guint from, const char *sticky)
{
  g_autofree gpointer *copy = NULL;
  gpointer *head = ranked->pdata + from;
  guint run = 0, shift;

  while (from + run < ranked->len && ((VfpVf *) head[run])->pf == ((VfpVf *) head[0])->pf
         && g_strcmp0 (((VfpVf *) head[run])->pci, sticky) != 0)
    run++;
  if (run < 2)
    return;
  shift = g_random_int_range (0, run);
  copy = g_memdup2 (head, run * sizeof (gpointer));
  for (guint i = 0; i < run; i++)
    head[i] = copy[(i + shift) % run];
}

static gboolean
try_claim_free_vf (Operation *op, NicPlan *plan, gboolean dry_run, gboolean use_index,
                   GHashTable *taken, GHashTable *quarantined, GHashTable *avoid_ports,
                   guint *unsafe, gboolean *claimed, char **refusal, GError **error)
{
  g_autoptr (VfpVfSet) unavailable = NULL;
  g_autoptr (GPtrArray) ranked = NULL;
  g_autofree char *sticky = NULL;
  VfpAllocQuery query = { NULL };
  guint lost_before = op->ctx->lost_claims;

  *claimed = FALSE;
  *unsafe = 0;
  g_clear_pointer (refusal, g_free);
  unavailable = list_unavailable (op, plan->pool, quarantined, taken, use_index, error);
  if (unavailable == NULL)
    return FALSE;

  sticky = vfp_history_lookup (op->ctx->history_dir, op->uuid, plan->nic->index);
  query.unavailable_set = unavailable;
  query.sticky_pci = sticky;
  query.numa_node = vfp_domxml_get_numa_node (op->dom);
  query.avoid_ports = avoid_ports;
  query.sysfs_root = op->ctx->sysfs_root;
  /* The best few first: the first claim almost always wins, and ranking
   * every free VF of a large pool costs more than the rest of a start.
   * Only when concurrent starts took all of those is every one ranked,
   * from a fresh listing (those starts leased more meanwhile). */
  for (guint pass = 0; pass < 2; pass++)
    {
      query.limit = pass == 0 && !dry_run ? CLAIM_FIRST_CANDIDATES : 0;
      *unsafe = 0;
      if (pass > 0 && op->ctx->lost_claims > lost_before)
        {
          g_clear_pointer (&unavailable, vfp_vf_set_free);
          unavailable = list_unavailable (op, plan->pool, quarantined, taken, use_index, error);
          if (unavailable == NULL)
            return FALSE;
          query.unavailable_set = unavailable;
        }
      g_clear_pointer (&ranked, g_ptr_array_unref);
      ranked = vfp_alloc_rank_query (plan->pool, &query, NULL);
      if (pass > 0 && op->ctx->lost_claims > lost_before)
        rotate_tied_run (ranked, 0, sticky);
      for (guint i = 0; i < ranked->len; i++)
        {
          VfpVf *vf = ranked->pdata[i];
          g_autoptr (VfpVfInfo) info = NULL;
          g_autoptr (VfpLease) lease = NULL;
          g_autoptr (GError) local_error = NULL;

          /* Leased since the listing: a concurrent start won it.  One stat
           * instead of reading the VF's details and writing two files for
           * a claim bound to fail (the claim's link() still decides). */
          if (!dry_run && vfp_lease_exists (op->ctx->state_dir, vf->pci))
            {
              /* The index may have said free wrongly (a claim that died
               * before setting its byte): set it right for the next start. */
              if (use_index)
                vfp_lease_index_repair (op->ctx->state_dir, vf->pf->pci, vf->index, vf->pci);
              op->ctx->lost_claims++;
              rotate_tied_run (ranked, i + 1, sticky);
              continue;
            }
          /* A VF whose IOMMU group holds a non-VF device cannot be passed
           * through safely; libvirt would refuse it late, so skip it here. */
          if (vfp_host_read_vf_info (op->ctx->sysfs_root, vf->pci, &info, NULL)
              && info->iommu_foreign != NULL && info->iommu_foreign[0] != NULL)
            {
              (*unsafe)++;
              continue;
            }
          plan->vf = vf;
          *claimed = TRUE;
          if (dry_run)
            return TRUE;
          lease = new_lease (op, plan, vf);
          if (vfp_lease_claim (op->ctx->state_dir, lease, &local_error))
            {
              plan->lease = g_steal_pointer (&lease);
              plan->claimed = TRUE;
              vfp_fault_point (op->ctx, VFP_FAULT_AFTER_CLAIM);
              return TRUE;
            }
          *claimed = FALSE;
          if (!g_error_matches (local_error, VFP_ERROR, VFP_ERROR_BUSY))
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                          "domain '%s' nic %u: ", op->name, plan->nic->index);
              return FALSE;
            }
          op->ctx->lost_claims++;
          rotate_tied_run (ranked, i + 1, sticky);
        }
      if (query.limit == 0 || ranked->len < query.limit)
        break;
    }
  plan->vf = NULL;
  /* The bond or require-link as the reason, decided by the allocator so
   * explain says the same words. */
  *refusal = vfp_alloc_refusal (plan->pool, &query, plan->nic->bond);
  return TRUE;
}

static gboolean
claim_free_vf (Operation *op, NicPlan *plan, gboolean dry_run, GHashTable *taken,
               VfpBondPorts *bonds, GError **error)
{
  g_autoptr (GHashTable) quarantined = vfp_quarantine_list (op->ctx->state_dir);
  GHashTable *avoid_ports = vfp_bond_ports_get (bonds, plan->nic->bond);
  g_autofree char *holders = NULL;
  g_autofree char *refusal = NULL;
  gboolean claimed = FALSE;
  guint unsafe = 0;

  if (!adopt_own_lease (op, plan, taken, avoid_ports, &claimed, error))
    return FALSE;
  if (claimed)
    return TRUE;
  if (!try_claim_free_vf (op, plan, dry_run, TRUE, taken, quarantined, avoid_ports, &unsafe,
                          &claimed, &refusal, error))
    return FALSE;
  /* The index is a cache: a pool it shows full is asked of the lease files
   * before a start is refused (which also repairs the index). */
  if (!claimed
      && !try_claim_free_vf (op, plan, dry_run, FALSE, taken, quarantined, avoid_ports,
                             &unsafe, &claimed, &refusal, error))
    return FALSE;
  /* Only a pool that looks full pays for reading its leases. */
  if (!claimed && !dry_run && free_stale_leases (op, plan->pool) > 0
      && !try_claim_free_vf (op, plan, dry_run, FALSE, taken, quarantined, avoid_ports,
                             &unsafe, &claimed, &refusal, error))
    return FALSE;
  if (claimed)
    return TRUE;
  /* Counted where it is detected (the pool is known here); a metric must
   * never fail a start, so its own errors are dropped. */
  if (!dry_run)
    vfp_metrics_count_failure (op->ctx->state_dir, plan->pool->name, NULL);
  if (refusal != NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_POOL_EXHAUSTED, "domain '%s' nic %u: %s",
                   op->name, plan->nic->index, refusal);
      return FALSE;
    }
  holders = describe_holders (op, plan->pool, quarantined);
  g_set_error (error, VFP_ERROR, VFP_ERROR_POOL_EXHAUSTED,
               "domain '%s' nic %u: pool '%s' has no free VF (%u in pool: %s%s)",
               op->name, plan->nic->index, plan->pool->name, plan->pool->members->len,
               holders, unsafe ? "; some skipped: IOMMU group shared with a non-VF device" : "");
  return FALSE;
}

#ifdef VFP_FAULT_INJECTION
static void
fault_after_knob (VfpKnob knob, gpointer data)
{
  g_autofree char *point = g_strconcat (VFP_FAULT_AFTER_KNOB_PREFIX, vfp_knob_name (knob), NULL);
  vfp_fault_point (data, point);
}
#define APPLY_STEP fault_after_knob
#else
#define APPLY_STEP NULL
#endif

/* Step 3: save the VF's original state in the lease, then change it. */
/* Two VFs of one PF with the same MAC: the PF's switch delivers a guest's
 * traffic to the other (or to both), so whoever writes a request could
 * take over a neighbour's MAC.  Called once this lease's file carries its
 * MAC: the index entry is filed before the others are read, so of two
 * starts racing for one MAC at least one sees the other. */
static gboolean
check_mac_unique (Operation *op, NicPlan *plan, GError **error)
{
  const VfpLease *lease = plan->lease;
  g_autoptr (GPtrArray) others = NULL;

  if (!(lease->applied.set & VFP_KNOB_MAC))
    return TRUE;
  if (!vfp_mac_index_add (op->ctx->state_dir, lease->pf_pci, lease->applied.mac,
                          lease->vf_pci, &others, error))
    return FALSE;
  for (guint i = 0; i < others->len; i++)
    {
      const char *vf_pci = others->pdata[i];
      g_autoptr (VfpLease) other = NULL;
      g_autofree char *mac = NULL;
      g_autofree char *holder = NULL;

      /* An entry counts only while its VF's lease carries this MAC. */
      if (!vfp_lease_read (op->ctx->state_dir, vf_pci, &other, NULL)
          || strcmp (other->pf_pci, lease->pf_pci) != 0
          || !(other->applied.set & VFP_KNOB_MAC)
          || memcmp (other->applied.mac, lease->applied.mac, 6) != 0)
        {
          vfp_mac_index_remove (op->ctx->state_dir, lease->pf_pci, lease->applied.mac, vf_pci);
          continue;
        }
      mac = vfp_mac_to_string (lease->applied.mac);
      holder = vfp_error_quote (other->owner_name);
      g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY,
                   "MAC %s is already used on PF %s by domain '%s' (VF %s); give this nic "
                   "another mac=", mac, lease->pf_netdev ? lease->pf_netdev : lease->pf_pci,
                   holder, other->vf_pci);
      return FALSE;
    }
  return TRUE;
}

/* Under the VF's lock (configure_vf): no remover restores the VF while its
 * knobs are being set, which would leave the VF changed after its lease is
 * gone (a release that restores first and a start that applies after). */
static gboolean
configure_vf_locked (Operation *op, NicPlan *plan, GError **error)
{
  VfpLease *lease = plan->lease;
  VfpNetlink *nl = vfp_context_get_netlink (op->ctx, error);
  VfpVfTarget target = vfp_lease_target (lease, vfp_pf_driver (plan->vf->pf,
                                                                op->ctx->sysfs_root));
  g_autofree char *expect = NULL;

  if (nl == NULL)
    return FALSE;
  if (!plan->pool->managed
      && !vfp_vfio_check_bound (op->ctx->sysfs_root, plan->vf->pci, plan->pool->name, error))
    return FALSE;
  if (!vfp_lease_check_pf_netdev (lease, error))
    return FALSE;
  /* An adopted lease that is already CONFIGURING/CONFIGURED keeps the
   * original it saved: the VF now holds our values, not the original ones. */
  if (lease->state == VFP_LEASE_RESERVED)
    {
      if (!vfp_netlink_get_vf (nl, lease->pf_netdev, lease->vf_index, &lease->original, error))
        return FALSE;
    }
  else
    {
      /* Knobs the earlier start set that this request does not name go
       * back now, while the lease file still lists them (a crash here is
       * still restored by release); the file then names only this set. */
      guint dropped = plan->adopted_set & ~lease->applied.set & VFP_KNOB_ALL;
      if (dropped != 0
          && !vfp_vf_restore (nl, &target, &lease->original, dropped, NULL, error))
        return FALSE;
    }
  /* Written before the first change: from here on, release restores every
   * knob of the applied set, whichever of them were reached. */
  /* This start takes the lease over: from here on only its start id
   * releases or rewrites it (an inject's rollback, or the hot-plug worker
   * of an earlier start, no longer can). */
  expect = g_steal_pointer (&lease->start_id);
  lease->start_id = g_strdup (op->start_id);
  lease->state = VFP_LEASE_CONFIGURING;
  g_free (lease->boot_id);
  lease->boot_id = g_strdup (op->boot_id);
  if (!vfp_lease_update_locked (op->ctx->state_dir, lease, expect, error)
      || !check_mac_unique (op, plan, error))
    return FALSE;
  vfp_fault_point (op->ctx, VFP_FAULT_AFTER_ORIGINAL);
  if (!vfp_vf_apply (nl, &target, &lease->applied, &lease->original, APPLY_STEP, op->ctx,
                          error))
    return FALSE;
  lease->state = VFP_LEASE_CONFIGURED;
  /* Checked by the update above, under the lock held since: no re-read. */
  if (!vfp_lease_rewrite_locked (op->ctx->state_dir, lease, error))
    return FALSE;
  vfp_fault_point (op->ctx, VFP_FAULT_AFTER_CONFIGURED);
  return TRUE;
}

static gboolean
configure_vf (Operation *op, NicPlan *plan, GError **error)
{
  int lock_fd = -1;
  gboolean ok;

  if (!vfp_lease_lock (op->ctx->state_dir, plan->lease->vf_pci, &lock_fd, error))
    return FALSE;
  ok = configure_vf_locked (op, plan, error);
  vfp_lease_unlock (lock_fd);
  return ok;
}

/* Unwind: undo every plan's changes and leases, last first. */
static void
operation_rollback (Operation *op)
{
  vfp_fault_point (op->ctx, VFP_FAULT_ROLLBACK);
  for (guint i = op->plans ? op->plans->len : 0; i-- > 0;)
    {
      NicPlan *plan = &g_array_index (op->plans, NicPlan, i);
      if (plan->lease != NULL && op->is_prepare)
        vfp_release_lease (op->ctx, plan->lease, FALSE, NULL, NULL);
      else if (plan->lease != NULL)
        vfp_release_lease (op->ctx, plan->lease, TRUE, NULL, NULL);
      g_clear_pointer (&plan->lease, vfp_lease_free);
    }
}

/* The VFs the XML names are fixed: nics of one bond on one port among them
 * cannot be helped, so the start is refused. */
static gboolean
check_named_bond (Operation *op, NicPlan *plan, VfpBondPorts *bonds, GError **error)
{
  const char *holder = vfp_bond_ports_add (bonds, plan->nic->bond, plan->nic->index,
                                           plan->vf->pf);
  g_autofree char *why = NULL;

  if (holder == NULL)
    return TRUE;
  why = vfp_alloc_bond_conflict (plan->pool, plan->nic->bond, plan->vf, holder);
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "domain '%s' nic %u: %s",
               op->name, plan->nic->index, why);
  return FALSE;
}

static gboolean
claim_all (Operation *op, gboolean dry_run, GError **error)
{
  g_autoptr (GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (VfpBondPorts) bonds = vfp_bond_ports_new ();

  for (guint i = 0; i < op->plans->len; i++)
    {
      NicPlan *plan = &g_array_index (op->plans, NicPlan, i);
      if (plan->xml_pci != NULL && !claim_named_vf (op, plan, dry_run, error))
        return FALSE;
      if (plan->vf == NULL)
        continue;
      g_hash_table_add (taken, plan->vf->pci);
      if (!check_named_bond (op, plan, bonds, error))
        return FALSE;
    }
  /* Free picks in request order: each bonded nic avoids the ports its bond
   * has so far. */
  for (guint i = 0; i < op->plans->len; i++)
    {
      NicPlan *plan = &g_array_index (op->plans, NicPlan, i);
      if (plan->xml_pci != NULL)
        continue;
      if (!claim_free_vf (op, plan, dry_run, taken, bonds, error))
        return FALSE;
      g_hash_table_add (taken, plan->vf->pci);
      vfp_bond_ports_add (bonds, plan->nic->bond, plan->nic->index, plan->vf->pf);
    }
  return TRUE;
}

static void
record_history (Operation *op)
{
  for (guint i = 0; i < op->plans->len; i++)
    {
      NicPlan *plan = &g_array_index (op->plans, NicPlan, i);
      /* Stickiness is a preference: failing to remember it must not fail a start. */
      vfp_history_record (op->ctx->history_dir, op->uuid, plan->nic->index,
                          plan->vf->pci, NULL);
    }
}

/* After a successful prepare: leases of this domain that no nic of this
 * start took up (a nic no longer requested, a reservation of an earlier
 * inject or a crashed start) go back now, so a domain never holds two VFs
 * for one nic and nothing unconfigured is left to hot-plug.  No instance of
 * the domain runs while libvirt prepares one, so none of them is in use. */
static void
release_leftovers (Operation *op)
{
  g_autoptr (GPtrArray) names = NULL;

  /* Only the entries this start does not hold are read: parsing the
   * leases it just wrote was a tenth of a start's instructions. */
  if (!vfp_lease_list_owner_names (op->ctx->state_dir, op->uuid, &names, NULL))
    return;
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr (VfpLease) lease = NULL;
      gboolean kept = FALSE, unreadable;

      for (guint p = 0; p < op->plans->len; p++)
        kept |= strcmp (g_array_index (op->plans, NicPlan, p).lease->vf_pci,
                        names->pdata[i]) == 0;
      if (!kept
          && vfp_lease_read_owned (op->ctx->state_dir, names->pdata[i], op->uuid, &lease,
                                   &unreadable)
          && lease->port == NULL)   /* the network hook's: not a request's to drop */
        vfp_release_lease (op->ctx, lease, FALSE, NULL, NULL);
    }
}

gboolean
vfp_lifecycle_prepare (VfpContext *ctx, VfpDomXml *dom, GError **error)
{
  g_auto (Operation) op = { ctx, dom };
  gboolean has_request = FALSE;
  guint plain = 0;

  op.is_prepare = TRUE;

  if (!operation_plan (&op, &has_request, error))
    return FALSE;
  if (!has_request)
    return TRUE;
  if (!vfp_lease_store_open (ctx->state_dir, error))
    {
      g_prefix_error (error, "domain '%s': lease store: ", op.name);
      return FALSE;
    }

  /* Plain-start path: devices get hot-plugged, which needs free slots —
   * two for a failover nic whose virtio standby is hot-plugged too. */
  for (guint i = 0; i < op.plans->len; i++)
    if (g_array_index (op.plans, NicPlan, i).xml_pci == NULL)
      plain += slots_needed (&g_array_index (op.plans, NicPlan, i));
  if (plain > 0)
    {
      guint slots = vfp_domxml_count_free_hotplug_slots (dom);
      if (slots < plain)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_NO_HOTPLUG_SLOT,
                       "domain '%s': %u device%s to hot-plug (VFs, failover standbys) but "
                       "%u free pcie-root-port%s; add "
                       "<controller type='pci' model='pcie-root-port'/> to the domain, or "
                       "start it with 'vfpoolctl start %s'",
                       op.name, plain, plain == 1 ? "" : "s", slots, slots == 1 ? "" : "s",
                       op.name);
          return FALSE;
        }
    }

  if (!claim_all (&op, FALSE, error))
    goto unwind;
  for (guint i = 0; i < op.plans->len; i++)
    if (!configure_vf (&op, &g_array_index (op.plans, NicPlan, i), error))
      {
        g_prefix_error (error, "domain '%s' nic %u (pool '%s'): ", op.name,
                        g_array_index (op.plans, NicPlan, i).nic->index,
                        g_array_index (op.plans, NicPlan, i).pool->name);
        goto unwind;
      }
  record_history (&op);
  release_leftovers (&op);
  return TRUE;

unwind:
  operation_rollback (&op);
  return FALSE;
}

/* Unwind a failed inject or restore.  Only what this call claimed goes;
 * adopted leases were there before — except leftovers of an earlier attempt
 * (say a `vfpoolctl start` that died): this attempt replaced them and nobody
 * else will use them. */
static void
reservation_rollback (Operation *op)
{
  for (guint i = 0; i < op->plans->len; i++)
    {
      NicPlan *plan = &g_array_index (op->plans, NicPlan, i);
      if (!plan->claimed && !plan->leftover)
        g_clear_pointer (&plan->lease, vfp_lease_free);
    }
  operation_rollback (op);
}

gboolean
vfp_lifecycle_inject (VfpContext *ctx, VfpDomXml *dom, gboolean dry_run, GError **error)
{
  return vfp_lifecycle_inject_held (ctx, dom, dry_run, NULL, error);
}

gboolean
vfp_lifecycle_inject_held (VfpContext *ctx, VfpDomXml *dom, gboolean dry_run,
                           GPtrArray **held, GError **error)
{
  g_auto (Operation) op = { ctx, dom };
  gboolean has_request = FALSE;

  if (!operation_plan (&op, &has_request, error))
    return FALSE;
  if (!has_request)
    return TRUE;
  if (!(dry_run ? vfp_state_dir_check_fast (ctx->state_dir, error)
                : vfp_lease_store_open (ctx->state_dir, error)))
    {
      g_prefix_error (error, "domain '%s': lease store: ", op.name);
      return FALSE;
    }
  if (!claim_all (&op, dry_run, error))
    goto unwind;
  for (guint i = 0; i < op.plans->len; i++)
    {
      NicPlan *plan = &g_array_index (op.plans, NicPlan, i);
      if (plan->xml_pci != NULL)
        continue;
      if (plan->failover
          ? !vfp_domxml_add_failover_device (dom, plan->nic->index, plan->vf->pci,
                                             plan->pool->managed, &plan->want,
                                             plan->pool->failover_network, error)
          : !vfp_domxml_add_device_full (dom, plan->nic->index, plan->vf->pci,
                                         plan->pool->form, plan->pool->managed,
                                         &plan->want, error))
        goto unwind;
    }
  /* The leases stay RESERVED: prepare begin adopts and configures them. */
  if (held != NULL)
    *held = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_lease_free);
  for (guint i = 0; i < op.plans->len; i++)
    {
      NicPlan *plan = &g_array_index (op.plans, NicPlan, i);
      if (held != NULL && plan->lease != NULL && (plan->claimed || plan->leftover))
        g_ptr_array_add (*held, g_steal_pointer (&plan->lease));
      g_clear_pointer (&plan->lease, vfp_lease_free);
    }
  return TRUE;

unwind:
  reservation_rollback (&op);
  return FALSE;
}

/* A failover nic's hot-plug: the standby the live XML has, or one to attach
 * first.  prepare refused a conflicting interface already; one that came
 * since is left to libvirt, which refuses the duplicate MAC's pairing. */
static void
plan_standby (VfpDomXml *dom, const VfpLease *lease, VfpHotplug *hp)
{
  g_autofree char *present = NULL;

  if (vfp_domxml_find_standby (dom, lease->applied.mac, &present, NULL) && present != NULL)
    {
      hp->standby_alias = g_steal_pointer (&present);
      return;
    }
  hp->standby_alias = g_strdup_printf (VFP_STANDBY_ALIAS_PREFIX "%u", lease->nic);
  hp->standby_network = g_strdup (lease->failover_network);
}

/* restore begin, first pass: hold the saved VF of @plan if it can be had
 * (free, or still this domain's nic's).  *@kept = FALSE when it cannot —
 * taken by another domain, named twice, no longer in the nic's pool, or on
 * a port its bond already has — and nothing is held for the nic then. */
static gboolean
restore_keep_saved (Operation *op, NicPlan *plan, GHashTable *taken, VfpBondPorts *bonds,
                    gboolean *kept, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  *kept = FALSE;
  if (g_hash_table_contains (taken, plan->xml_pci))
    return TRUE;
  if (claim_named_vf (op, plan, FALSE, &local_error)
      && check_named_bond (op, plan, bonds, &local_error))
    {
      g_hash_table_add (taken, plan->vf->pci);
      *kept = TRUE;
      return TRUE;
    }
  /* A lease store that cannot be read is no reason to pick another VF. */
  if (!g_error_matches (local_error, VFP_ERROR, VFP_ERROR_BUSY)
      && !g_error_matches (local_error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* a bond conflict is found after the claim: give that claim back */
  if (plan->lease != NULL && plan->claimed)
    vfp_release_lease (op->ctx, plan->lease, TRUE, NULL, NULL);
  g_clear_pointer (&plan->lease, vfp_lease_free);
  plan->claimed = FALSE;
  plan->vf = NULL;
  return TRUE;
}

/* restore begin and migrate begin: @what names the operation in errors. */
static gboolean
repoint_saved (VfpContext *ctx, VfpDomXml *dom, const char *what, gboolean *changed,
               GError **error)
{
  g_auto (Operation) op = { ctx, dom };
  g_autoptr (GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (VfpBondPorts) bonds = vfp_bond_ports_new ();
  g_autoptr (GArray) moving = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean has_request = FALSE;
  guint saved = 0;

  *changed = FALSE;
  if (!operation_plan (&op, &has_request, error))
    return FALSE;
  for (guint i = 0; has_request && i < op.plans->len; i++)
    saved += g_array_index (op.plans, NicPlan, i).xml_pci != NULL;
  if (saved == 0)
    return TRUE;
  if (!vfp_lease_store_open (ctx->state_dir, error))
    {
      g_prefix_error (error, "domain '%s': lease store: ", op.name);
      return FALSE;
    }
  /* As claim_all(): every saved VF that can be kept first, so a free pick
   * never takes one a later nic could have kept.  Nics without a saved
   * device are prepare's (plain-start path). */
  for (guint i = 0; i < op.plans->len; i++)
    {
      NicPlan *plan = &g_array_index (op.plans, NicPlan, i);
      gboolean kept = FALSE;

      if (plan->xml_pci == NULL)
        continue;
      if (!restore_keep_saved (&op, plan, taken, bonds, &kept, error))
        goto unwind;
      if (!kept)
        g_array_append_val (moving, i);
    }
  for (guint m = 0; m < moving->len; m++)
    {
      NicPlan *plan = &g_array_index (op.plans, NicPlan, g_array_index (moving, guint, m));

      if (!claim_free_vf (&op, plan, FALSE, taken, bonds, error))
        goto unwind;
      g_hash_table_add (taken, plan->vf->pci);
      vfp_bond_ports_add (bonds, plan->nic->bond, plan->nic->index, plan->vf->pf);
      if (!vfp_domxml_repoint_device (dom, plan->nic->index, plan->vf->pci, error))
        goto unwind;
      *changed |= strcmp (plan->vf->pci, plan->xml_pci) != 0;
    }
  /* RESERVED, like inject's: prepare begin takes them over. */
  return TRUE;

unwind:
  g_prefix_error (error, "%s: ", what);
  reservation_rollback (&op);
  *changed = FALSE;
  return FALSE;
}

gboolean
vfp_lifecycle_restore (VfpContext *ctx, VfpDomXml *dom, gboolean *changed, GError **error)
{
  return repoint_saved (ctx, dom, "restore", changed, error);
}

gboolean
vfp_lifecycle_migrate_in (VfpContext *ctx, VfpDomXml *dom, gboolean *changed, GError **error)
{
  return repoint_saved (ctx, dom, "migrate", changed, error);
}

/* TRUE if @lease is what this start's prepare made of nic @lease->nic: a
 * nic the request still has, from the same pool, fully configured. */
static gboolean
lease_fits_request (const VfpLease *lease, const VfpRequest *request)
{
  const VfpNicRequest *nic;

  if (request == NULL || lease->nic >= request->nics->len)
    return FALSE;
  nic = request->nics->pdata[lease->nic];
  return lease->state == VFP_LEASE_CONFIGURED && strcmp (nic->pool, lease->pool) == 0;
}

gboolean
vfp_lifecycle_started (VfpContext *ctx, VfpDomXml *dom, GPtrArray **hotplug, GError **error)
{
  g_autoptr (GPtrArray) mine = NULL;
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_hotplug_free);
  g_autoptr (VfpRequest) request = NULL;
  gint64 pid = vfp_liveness_read_qemu_pid (ctx, vfp_domxml_get_name (dom));

  /* A request that no longer parses plugs nothing: every lease is then a
   * leftover, released below, rather than a VF plugged unconfigured. */
  vfp_request_read (dom, &request, NULL);
  if (!vfp_release_list_owner (ctx, vfp_domxml_get_uuid (dom), &mine, NULL, error))
    return FALSE;
  vfp_lease_drop_ports (mine);
  for (guint i = 0; i < mine->len; i++)
    {
      VfpLease *lease = mine->pdata[i];
      gboolean present = FALSE;

      for (guint d = 0; d < devices->len; d++)
        if (((VfpDomDevice *) devices->pdata[d])->nic == lease->nic)
          present = TRUE;
      /* Only what prepare configured for the current request may reach the
       * guest; a reservation left by inject for a nic no longer requested
       * would be plugged with no VLAN and no spoof check. */
      if (!present && !lease_fits_request (lease, request))
        {
          vfp_release_lease (ctx, lease, FALSE, NULL, NULL);
          continue;
        }
      if (pid > 0 && lease->qemu_pid != pid)
        {
          lease->qemu_pid = pid;
          if (!vfp_lease_update (ctx->state_dir, lease, NULL, error))
            return FALSE;
        }
      if (!present)
        {
          VfpHotplug *hp = g_new0 (VfpHotplug, 1);
          hp->nic = lease->nic;
          hp->vf_pci = g_strdup (lease->vf_pci);
          hp->start_id = g_strdup (lease->start_id);
          hp->qemu_pid = pid;
          hp->form = lease->form;
          hp->managed = lease->managed;
          hp->cfg = lease->applied;
          if (lease->failover_network != NULL)
            plan_standby (dom, lease, hp);
          g_ptr_array_add (out, hp);
        }
    }
  *hotplug = g_steal_pointer (&out);
  return TRUE;
}


/* ---- hot add to a running domain (vfpoolctl attach) ----------------------
 * The same steps as prepare, for one nic: plan, claim by the allocator,
 * configure under the VF's lock with a start id of its own. */

/* The ports the other nics of @plan's bond already hold (their leases). */
static gboolean
attach_bond_ports (Operation *op, NicPlan *plan, VfpBondPorts *bonds, GError **error)
{
  g_autoptr (GPtrArray) mine = NULL;

  if (!vfp_lease_list_owner (op->ctx->state_dir, op->uuid, &mine, NULL, error))
    return FALSE;
  vfp_lease_drop_ports (mine);
  for (guint i = 0; i < mine->len; i++)
    {
      VfpLease *lease = mine->pdata[i];
      VfpNicRequest *other;
      VfpVf *vf = NULL;

      if (lease->nic == plan->nic->index)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY,
                       "domain '%s' nic %u: the domain still holds VF %s for nic %u; "
                       "`vfpoolctl detach %s --nic %u` gives it back (or release end)",
                       op->name, plan->nic->index, lease->vf_pci, lease->nic, op->name,
                       lease->nic);
          return FALSE;
        }
      if (plan->nic->bond == NULL || lease->nic >= op->request->nics->len)
        continue;
      other = op->request->nics->pdata[lease->nic];
      if (g_strcmp0 (other->bond, plan->nic->bond) == 0
          && vfp_config_find_vf (op->config, lease->vf_pci, &vf) != NULL)
        vfp_bond_ports_add (bonds, other->bond, other->index, vf->pf);
    }
  return TRUE;
}

gboolean
vfp_lifecycle_attach_nic (VfpContext *ctx, VfpDomXml *dom, guint nic, VfpLease **lease,
                          GError **error)
{
  g_auto (Operation) op = { ctx, dom };
  g_autoptr (GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (VfpBondPorts) bonds = vfp_bond_ports_new ();
  gboolean has_request = FALSE;
  NicPlan plan = { NULL };
  guint slots;

  op.is_prepare = TRUE;
  op.raw_name = vfp_domxml_get_name (dom);
  op.name = vfp_error_quote (op.raw_name);
  op.uuid = vfp_domxml_get_uuid (dom);
  if (!vfp_request_read (dom, &op.request, error))
    return FALSE;
  has_request = op.request != NULL && nic < op.request->nics->len;
  if (!has_request)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                   "domain '%s' has no nic %u in its request", op.name, nic);
      return FALSE;
    }
  /* Checked before anything is leased: a VF with nowhere to go is not taken. */
  slots = vfp_domxml_count_free_hotplug_slots (dom);
  if (slots == 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NO_HOTPLUG_SLOT,
                   "domain '%s': no free pcie-root-port to hot-plug nic %u into; add "
                   "<controller type='pci' model='pcie-root-port'/> to the domain "
                   "(takes effect at its next start)", op.name, nic);
      return FALSE;
    }
  if (!vfp_config_load (ctx->config_dir, ctx->sysfs_root, &op.config, error))
    {
      g_prefix_error (error, "domain '%s': ", op.name);
      return FALSE;
    }
  if (!vfp_lease_store_open (ctx->state_dir, error))
    {
      g_prefix_error (error, "domain '%s': lease store: ", op.name);
      return FALSE;
    }
  op.boot_id = vfp_context_read_boot_id (ctx, NULL);
  op.start_id = vfp_lease_new_start_id ();
  op.plans = g_array_sized_new (FALSE, TRUE, sizeof (NicPlan), 1);
  g_array_set_clear_func (op.plans, (GDestroyNotify) nic_plan_clear);
  plan.nic = op.request->nics->pdata[nic];
  if (!plan_nic_pool (&op, &plan, error))
    return FALSE;
  if (slots < slots_needed (&plan))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NO_HOTPLUG_SLOT,
                   "domain '%s': failover nic %u needs 2 free pcie-root-ports (its virtio "
                   "standby and the VF), %u free; add <controller type='pci' "
                   "model='pcie-root-port'/> to the domain (takes effect at its next start)",
                   op.name, nic, slots);
      return FALSE;
    }
  g_array_append_val (op.plans, plan);
  if (!attach_bond_ports (&op, &g_array_index (op.plans, NicPlan, 0), bonds, error)
      || !claim_free_vf (&op, &g_array_index (op.plans, NicPlan, 0), FALSE, taken, bonds,
                         error))
    goto unwind;
  if (!configure_vf (&op, &g_array_index (op.plans, NicPlan, 0), error))
    {
      g_prefix_error (error, "domain '%s' nic %u (pool '%s'): ", op.name, nic,
                      g_array_index (op.plans, NicPlan, 0).pool->name);
      goto unwind;
    }
  /* The QEMU that runs the domain now, as started records it for the
   * others: reconcile then knows the lease is in use. */
  g_array_index (op.plans, NicPlan, 0).lease->qemu_pid
    = vfp_liveness_read_qemu_pid (ctx, op.raw_name);
  if (g_array_index (op.plans, NicPlan, 0).lease->qemu_pid > 0
      && !vfp_lease_update (ctx->state_dir, g_array_index (op.plans, NicPlan, 0).lease, NULL,
                            error))
    goto unwind;
  record_history (&op);
  *lease = g_steal_pointer (&g_array_index (op.plans, NicPlan, 0).lease);
  return TRUE;

unwind:
  operation_rollback (&op);
  return FALSE;
}
