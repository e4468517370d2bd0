/* vfp-netsync.c: net-sync's and doctor's view of a network-backed pool's
 * libvirt network (see vfp-netsync.h). */
#include "config.h"
#include "vfp-netsync.h"
#include "vfp-error.h"
#include "vfp-lease.h"

#include <string.h>

void
vfp_net_plan_free (VfpNetPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->network);
  g_free (plan->refusal);
  g_free (plan->xml);
  g_clear_pointer (&plan->drift, g_ptr_array_unref);
  g_free (plan);
}

static VfpNetPlan *
plan_new (const char *pool)
{
  VfpNetPlan *plan = g_new0 (VfpNetPlan, 1);

  plan->network = g_strconcat (VFP_NETWORK_PREFIX, pool, NULL);
  plan->drift = g_ptr_array_new_with_free_func (g_free);
  return plan;
}

/* Leases of @pool: through network ports (*@ports) and through requests;
 * *@holder: a domain holding one of the latter. */
static guint
count_leases (GPtrArray *leases, const char *pool, guint *ports, const char **holder)
{
  guint requests = 0;

  *ports = 0;
  *holder = NULL;
  for (guint i = 0; i < leases->len; i++)
    {
      const VfpLease *lease = leases->pdata[i];

      if (strcmp (lease->pool, pool) != 0)
        continue;
      if (lease->port != NULL)
        (*ports)++;
      else
        {
          requests++;
          *holder = lease->owner_name;
        }
    }
  return requests;
}

/* "" when @info lists exactly @want (sorted) with @managed, else what
 * differs, e.g. "lists 3 VFs, the pool 4 (first missing 0000:01:10.6)". */
static char *
describe_difference (const VfpNetInfo *info, GPtrArray *want, gboolean managed)
{
  if (g_strcmp0 (info->forward_mode, "hostdev") != 0)
    return g_strdup_printf ("forward mode is '%s', not hostdev",
                            info->forward_mode ? info->forward_mode : "none");
  if (info->managed != managed)
    return g_strdup_printf ("managed='%s', the pool's is '%s'", info->managed ? "yes" : "no",
                            managed ? "yes" : "no");
  for (guint i = 0; i < want->len; i++)
    if (i >= info->vfs->len || strcmp (want->pdata[i], info->vfs->pdata[i]) != 0)
      {
        gboolean listed = FALSE;

        for (guint j = 0; j < info->vfs->len; j++)
          listed |= strcmp (want->pdata[i], info->vfs->pdata[j]) == 0;
        if (!listed)
          return g_strdup_printf ("lists %u VFs, the pool %u (first missing %s)",
                                  info->vfs->len, want->len, (char *) want->pdata[i]);
        return g_strdup_printf ("lists %u VFs, the pool %u (first extra %s)", info->vfs->len,
                                want->len, (char *) info->vfs->pdata[i]);
      }
  if (info->vfs->len != want->len)
    return g_strdup_printf ("lists %u VFs, the pool %u (first extra %s)", info->vfs->len,
                            want->len, (char *) info->vfs->pdata[want->len]);
  return g_strdup ("");
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

VfpNetPlan *
vfp_net_plan_pool (const VfpPool *pool, GPtrArray *leases, const VfpNetState *state)
{
  g_autoptr (VfpNetPlan) plan = plan_new (pool->name);
  g_autoptr (GPtrArray) want = g_ptr_array_new ();
  const VfpNetInfo *seen = state->config != NULL ? state->config : state->live;
  const char *holder = NULL;
  guint requests = count_leases (leases, pool->name, &plan->ports, &holder);

  if (state->exists && (seen == NULL || vfp_net_info_owner_pool (seen) == NULL
                        || strcmp (vfp_net_info_owner_pool (seen), pool->name) != 0))
    {
      plan->refusal = g_strdup_printf ("network '%s' exists without vfpool's marker (<metadata> "
                                       "<vfpool:network xmlns:vfpool='%s' pool='%s'/>): not "
                                       "vfpool's, left alone; rename or remove it",
                                       plan->network, VFP_NETWORK_NS, pool->name);
      return g_steal_pointer (&plan);
    }
  if (requests > 0)
    {
      g_autofree char *shown = vfp_error_quote (holder);
      plan->refusal = g_strdup_printf ("pool '%s' is network=yes but %u of its VFs %s leased "
                                       "through vfpool requests (domain '%s'); stop those "
                                       "domains first", pool->name, requests,
                                       requests == 1 ? "is" : "are", shown);
      return g_steal_pointer (&plan);
    }
  for (guint i = 0; i < pool->members->len; i++)
    g_ptr_array_add (want, ((VfpVf *) pool->members->pdata[i])->pci);
  g_ptr_array_sort (want, compare_strings);
  plan->xml = vfp_net_xml_build (pool->name, pool->managed, want,
                                 seen != NULL ? seen->uuid : NULL);
  if (!state->exists)
    {
      plan->define = plan->start = plan->autostart = TRUE;
      g_ptr_array_add (plan->drift, g_strdup_printf ("network '%s' is missing", plan->network));
      return g_steal_pointer (&plan);
    }
  if (state->config == NULL)
    {
      plan->define = TRUE;
      g_ptr_array_add (plan->drift, g_strdup_printf ("network '%s' is not persistent",
                                                     plan->network));
    }
  else
    {
      g_autofree char *diff = describe_difference (state->config, want, pool->managed);
      if (diff[0] != '\0')
        {
          plan->define = TRUE;
          g_ptr_array_add (plan->drift, g_strdup_printf ("network '%s' definition %s",
                                                         plan->network, diff));
        }
    }
  if (!state->active || state->live == NULL)
    {
      plan->start = TRUE;
      g_ptr_array_add (plan->drift, g_strdup_printf ("network '%s' is not running",
                                                     plan->network));
    }
  else
    {
      g_autofree char *diff = describe_difference (state->live, want, pool->managed);
      if (diff[0] != '\0')
        {
          /* Destroying a network under running domains' ports would leave
           * libvirt's accounting and theirs apart: only while none is used. */
          plan->restart = plan->ports == 0;
          g_ptr_array_add (plan->drift,
                           g_strdup_printf ("running network '%s' %s%s", plan->network, diff,
                                            plan->ports > 0 ? "; its ports are in use: "
                                            "net-sync restarts it once they are gone" : ""));
        }
    }
  if (!state->autostart)
    {
      plan->autostart = TRUE;
      g_ptr_array_add (plan->drift, g_strdup_printf ("network '%s' does not autostart",
                                                     plan->network));
    }
  return g_steal_pointer (&plan);
}

VfpNetPlan *
vfp_net_plan_retire (const char *pool_name, GPtrArray *leases, const VfpNetState *state)
{
  g_autoptr (VfpNetPlan) plan = plan_new (pool_name);
  const char *holder = NULL;

  count_leases (leases, pool_name, &plan->ports, &holder);
  g_ptr_array_add (plan->drift, g_strdup_printf ("network '%s' is vfpool's but pool '%s' is "
                                                 "gone or no longer network=yes",
                                                 plan->network, pool_name));
  if (plan->ports > 0)
    plan->refusal = g_strdup_printf ("network '%s': pool '%s' is no longer network=yes but %u "
                                     "of its VFs %s leased through its ports; stop those "
                                     "domains first", plan->network, pool_name, plan->ports,
                                     plan->ports == 1 ? "is" : "are");
  else
    plan->retire = state->exists;
  return g_steal_pointer (&plan);
}
