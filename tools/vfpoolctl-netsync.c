/* vfpoolctl-netsync.c: "vfpoolctl net-sync": define, start and autostart the
 * libvirt network "vfpool-POOL" of every network-backed pool (network=yes)
 * with exactly the pool's VFs; retire vfpool's networks of pools that no
 * longer are.  Idempotent; networks without vfpool's marker are never
 * touched.  Also the network drift checks of `vfpoolctl doctor`. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-netsync.h"
#include "vfp-error.h"
#include "vfp-netsync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static void
silence_libvirt (void *data, virErrorPtr err)
{
}

static void
net_state_clear (VfpNetState *state)
{
  g_clear_pointer (&state->config, vfp_net_info_free);
  g_clear_pointer (&state->live, vfp_net_info_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VfpNetState, net_state_clear)

static VfpNetInfo *
read_info (virNetworkPtr net, unsigned int flags)
{
  char *xml = virNetworkGetXMLDesc (net, flags);
  VfpNetInfo *info = NULL;

  if (xml != NULL)
    vfp_net_info_parse (xml, strlen (xml), &info, NULL);
  free (xml);
  return info;
}

/* What libvirt has under @name; *@net_out the handle (NULL: none). */
static void
read_state (virConnectPtr conn, const char *name, VfpNetState *state, virNetworkPtr *net_out)
{
  virNetworkPtr net = virNetworkLookupByName (conn, name);
  int autostart = 0;

  *net_out = net;
  if (net == NULL)
    return;
  state->exists = TRUE;
  state->persistent = virNetworkIsPersistent (net) == 1;
  state->active = virNetworkIsActive (net) == 1;
  state->autostart = virNetworkGetAutostart (net, &autostart) == 0 && autostart;
  if (state->persistent)
    state->config = read_info (net, VIR_NETWORK_XML_INACTIVE);
  if (state->active)
    state->live = read_info (net, 0);
}

static gboolean
libvirt_fail (const char *network, const char *what, GError **error)
{
  g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "network '%s': %s: %s", network, what,
               virGetLastErrorMessage ());
  return FALSE;
}

/* Carry out @plan; @done gets what was done, for the one line printed. */
static gboolean
apply_plan (virConnectPtr conn, virNetworkPtr *net, VfpNetPlan *plan, GString *done,
            GError **error)
{
  if (plan->retire)
    {
      if (virNetworkIsActive (*net) == 1 && virNetworkDestroy (*net) < 0)
        return libvirt_fail (plan->network, "destroy", error);
      if (virNetworkIsPersistent (*net) == 1 && virNetworkUndefine (*net) < 0)
        return libvirt_fail (plan->network, "undefine", error);
      g_string_append (done, " retired (stopped, undefined)");
      return TRUE;
    }
  if (plan->define)
    {
      virNetworkPtr defined = virNetworkDefineXML (conn, plan->xml);
      if (defined == NULL)
        return libvirt_fail (plan->network, "define", error);
      if (*net != NULL)
        virNetworkFree (*net);
      *net = defined;
      g_string_append (done, " defined");
    }
  if (plan->restart)
    {
      if (virNetworkDestroy (*net) < 0)
        return libvirt_fail (plan->network, "destroy (to restart with the pool's VFs)", error);
      g_string_append (done, " restarted");
    }
  if ((plan->start || plan->restart) && virNetworkCreate (*net) < 0)
    return libvirt_fail (plan->network, "start", error);
  if (plan->start)
    g_string_append (done, " started");
  if (plan->autostart)
    {
      if (virNetworkSetAutostart (*net, 1) < 0)
        return libvirt_fail (plan->network, "autostart", error);
      g_string_append (done, " autostart");
    }
  return TRUE;
}

/* Call @fn for the plan of every network-backed pool and of every network
 * vfpool owns whose pool is gone or no longer network=yes.  Broken pools
 * are skipped (their networks stay until the pool file is fixed). */
typedef gboolean (*PlanFunc) (virConnectPtr conn, virNetworkPtr *net, VfpNetPlan *plan,
                              gpointer data);

static gboolean
foreach_plan (virConnectPtr conn, VfpConfig *config, GPtrArray *leases, PlanFunc fn,
              gpointer data)
{
  virNetworkPtr *nets = NULL;
  gboolean ok = TRUE;
  int n;

  for (guint i = 0; i < config->pools->len; i++)
    {
      VfpPool *pool = config->pools->pdata[i];
      g_autofree char *name = NULL;
      g_auto (VfpNetState) state = { 0 };
      g_autoptr (VfpNetPlan) plan = NULL;
      virNetworkPtr net = NULL;

      if (!pool->network)
        continue;
      name = g_strconcat (VFP_NETWORK_PREFIX, pool->name, NULL);
      read_state (conn, name, &state, &net);
      plan = vfp_net_plan_pool (pool, leases, &state);
      ok &= fn (conn, &net, plan, data);
      if (net != NULL)
        virNetworkFree (net);
    }
  n = virConnectListAllNetworks (conn, &nets, 0);
  for (int i = 0; i < n; i++)
    {
      g_auto (VfpNetState) state = { 0 };
      g_autoptr (VfpNetPlan) plan = NULL;
      const char *pool_name = NULL;
      VfpPool *pool;
      virNetworkPtr net = NULL;

      read_state (conn, virNetworkGetName (nets[i]), &state, &net);
      if (state.config != NULL)
        pool_name = vfp_net_info_owner_pool (state.config);
      else if (state.live != NULL)
        pool_name = vfp_net_info_owner_pool (state.live);
      pool = pool_name != NULL ? vfp_config_find_pool (config, pool_name) : NULL;
      if (pool_name != NULL && (pool == NULL || !pool->network)
          && vfp_config_find_broken (config, pool_name) == NULL)
        {
          plan = vfp_net_plan_retire (pool_name, leases, &state);
          ok &= fn (conn, &net, plan, data);
        }
      if (net != NULL)
        virNetworkFree (net);
      virNetworkFree (nets[i]);
    }
  free (nets);
  return ok;
}

static gboolean
sync_one (virConnectPtr conn, virNetworkPtr *net, VfpNetPlan *plan, gpointer data)
{
  g_autoptr (GString) done = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  if (plan->refusal != NULL)
    {
      fprintf (stderr, "vfpoolctl: net-sync: %s\n", plan->refusal);
      return FALSE;
    }
  if (!apply_plan (conn, net, plan, done, &error))
    {
      fprintf (stderr, "vfpoolctl: net-sync: %s\n", error->message);
      return FALSE;
    }
  printf ("%s:%s\n", plan->network, done->len > 0 ? done->str : " in step");
  return TRUE;
}

static gboolean
load (VfpCtl *ctl, VfpConfig **config, GPtrArray **leases, GError **error)
{
  return vfp_config_load (ctl->ctx->config_dir, ctl->ctx->sysfs_root, config, error)
         && vfp_lease_list (ctl->ctx->state_dir, leases, NULL, error);
}

int
vfpctl_net_sync (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GPtrArray) leases = NULL;
  GOptionEntry entries[] = { { NULL } };
  virConnectPtr conn;
  gboolean ok;

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, "",
                             "Keep the libvirt network vfpool-POOL of each network=yes pool "
                             "in step with the pool.", 0, &error))
    return vfpctl_usage_fail ("net-sync", error);
  if (!load (ctl, &config, &leases, &error))
    return vfpctl_fail (error);
  vfpctl_report_broken (config);
  virSetErrorFunc (NULL, silence_libvirt);
  if ((conn = virConnectOpen (ctl->ctx->libvirt_uri)) == NULL)
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_FAILED, "net-sync: %s: %s",
                   ctl->ctx->libvirt_uri, virGetLastErrorMessage ());
      return vfpctl_fail (error);
    }
  ok = foreach_plan (conn, config, leases, sync_one, NULL);
  virConnectClose (conn);
  return ok ? VFPCTL_EXIT_OK : VFPCTL_EXIT_FAILED;
}

static gboolean
check_one (virConnectPtr conn, virNetworkPtr *net, VfpNetPlan *plan, gpointer data)
{
  GPtrArray *report = data;
  g_autofree char *id = g_strconcat ("network:", plan->network, NULL);

  if (plan->refusal != NULL)
    vfp_doctor_add (report, id, VFP_CHECK_FAIL, "rename or remove the network, or stop the "
                    "domains named, then vfpoolctl net-sync", "%s", plan->refusal);
  else if (plan->drift->len > 0)
    {
      g_autofree char *saw = NULL;

      g_ptr_array_add (plan->drift, NULL);
      saw = g_strjoinv ("; ", (char **) plan->drift->pdata);
      vfp_doctor_add (report, id, VFP_CHECK_FAIL, "vfpoolctl net-sync", "%s", saw);
    }
  else
    vfp_doctor_add (report, id, VFP_CHECK_PASS, NULL,
                    "defined, running, autostarted, lists the pool's VFs");
  return TRUE;
}

void
vfpctl_net_check (VfpCtl *ctl, virConnectPtr conn, VfpConfig *config, GPtrArray *report)
{
  g_autoptr (GPtrArray) leases = NULL;
  g_autoptr (GError) error = NULL;

  if (!vfp_lease_list (ctl->ctx->state_dir, &leases, NULL, &error))
    {
      vfp_doctor_add (report, "network", VFP_CHECK_WARN, NULL,
                      "cannot read the leases (%s): network checks skipped", error->message);
      return;
    }
  foreach_plan (conn, config, leases, check_one, report);
}
