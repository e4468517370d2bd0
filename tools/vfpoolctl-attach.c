/* vfpoolctl-attach.c: "attach" and "detach" — hot add / remove a pool VF on
 * a running domain.  The lease and the plug are vfpoolctl-plug.c's; this
 * file edits the request around them, through vfpoolctl-domain.h so the
 * record:FILE seam can stand in for libvirt. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-domain.h"
#include "vfpoolctl-json.h"
#include "vfpoolctl-nic-options.h"
#include "vfpoolctl-plug.h"
#include "vfpoolctl-unplug.h"
#include "vfp-attach.h"
#include "vfp-error.h"
#include "vfp-lifecycle.h"
#include "vfp-request-edit.h"
#include "vfp-vf-config.h"

#include <stdio.h>
#include <string.h>


/* The --json document of attach and detach (vfpoolctl(8) JSON OUTPUT),
 * open for the members only one of them has. */
static JsonBuilder *
json_nic_begin (const char *domain, guint nic, const VfpLease *lease, const char *action)
{
  JsonBuilder *builder = vfpctl_json_begin ();

  vfpctl_json_string (builder, "domain", domain);
  vfpctl_json_int (builder, "nic", nic);
  vfpctl_json_string (builder, "vf", lease != NULL ? lease->vf_pci : NULL);
  vfpctl_json_string (builder, "pool", lease != NULL ? lease->pool : NULL);
  vfpctl_json_string (builder, "action", action);
  return builder;
}

/* @error as the one line of @command: it names the domain (and the pool,
 * @pool unless NULL) once, whether or not the library's message does. */
static GError *
nic_error (const char *command, const char *name, const char *pool, const GError *error)
{
  g_autofree char *what = pool != NULL ? g_strdup_printf (" (pool '%s')", pool) : g_strdup ("");

  if (g_str_has_prefix (error->message, "domain '"))
    return g_error_new (error->domain, error->code, "%s%s: %s", command, what, error->message);
  return g_error_new (error->domain, error->code, "%s: domain '%s'%s: %s", command, name, what,
                      error->message);
}

/* ---- attach --------------------------------------------------------------- */

/* Undo an attach whose device is in the guest but could not be recorded:
 * the device goes out the way detach takes it. */
static void
attach_unplug (VfpCtl *ctl, VfpctlDomain *d, const char *name, const VfpLease *lease)
{
  g_autoptr (GError) error = NULL;
  gboolean gone = FALSE, released = FALSE;

  if (vfpctl_detach_and_wait (d, lease->nic, DETACH_DEFAULT_TIMEOUT, &gone, &error) && gone
      && vfpctl_release_detached (ctl, name, lease, &released, &error))
    return;
  fprintf (stderr, "vfpoolctl: warning: domain '%s': nic %u could not be unplugged again (%s); "
           "VF %s stays leased to the domain until release end\n", name, lease->nic,
           error != NULL ? error->message : "the guest did not let it go", lease->vf_pci);
}

/* The persistent request with @attrs appended (--config), checked before
 * anything is leased. */
static gboolean
attach_persistent (VfpctlDomain *d, GPtrArray *attrs, char **metadata, GError **error)
{
  g_autoptr (VfpDomXml) persistent = NULL;
  guint index;

  if (!vfpctl_domain_get_xml (d, FALSE, &persistent, error)
      || !vfp_request_edit_append (persistent, attrs, &index, error))
    return FALSE;
  *metadata = vfp_request_edit_metadata (persistent);
  return TRUE;
}

/* One line naming domain, pool and why (with --json: the error document
 * too); exit status 1. */
static int
attach_fail (VfpCtl *ctl, const char *name, const char *pool, const GError *error)
{
  g_autoptr (GError) line = nic_error ("attach", name, pool, error);

  return vfpctl_json_fail (ctl, line);
}

int
vfpctl_attach (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpctlDomain) d = NULL;
  g_autoptr (VfpDomXml) live = NULL;
  g_autoptr (VfpLease) lease = NULL;
  g_autoptr (GPtrArray) attrs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) devices = NULL;
  g_autofree char *live_meta = NULL;
  g_autofree char *config_meta = NULL;
  const char *name, *pool;
  gboolean config = FALSE;
  const GOptionEntry entries[] = {
    VFPCTL_NIC_ENTRIES,
    { "config", 0, 0, G_OPTION_ARG_NONE, &config,
      "also add the nic to the persistent request (the next start leases it again)", NULL },
    VFPCTL_JSON_ENTRY (ctl),
    G_OPTION_ENTRY_NULL
  };
  guint nic;
  int status;

  if ((status = vfpctl_parse_domain_options (&argc, &argv, entries, attrs,
                                             "Lease a VF of a pool and hot-plug it into a "
                                             "running domain (live; the nic options are those "
                                             "of request).", &name)) != VFPCTL_EXIT_OK)
    return status;
  /* a bad value is a usage error, as for request: nothing was touched yet */
  if (!vfpctl_nic_check_attrs (name, attrs, &error))
    return vfpctl_usage_fail (argv[0], error);
  pool = vfpctl_nic_attr (attrs, "pool");
  if (!vfpctl_domain_open (ctl, name, &d, &error))
    return attach_fail (ctl, name, pool, error);
  if (!vfpctl_domain_is_running (d))
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "the domain is not running; `vfpoolctl request` adds a nic for its next "
                   "start");
      return attach_fail (ctl, name, pool, error);
    }
  if (!vfpctl_domain_get_xml (d, TRUE, &live, &error)
      || !vfp_request_edit_append (live, attrs, &nic, &error)
      || (config && !attach_persistent (d, attrs, &config_meta, &error)))
    return attach_fail (ctl, name, pool, error);
  /* The alias must be new to this run: QEMU refuses a second device of it. */
  devices = vfp_domxml_list_devices (live);
  for (guint i = 0; i < devices->len; i++)
    if (((VfpDomDevice *) devices->pdata[i])->nic == nic)
      {
        g_set_error (&error, VFP_ERROR, VFP_ERROR_BUSY,
                     "device %s%u is in the guest but nic %u is not in its request; detach "
                     "it first", VFP_ALIAS_PREFIX, nic, nic);
        return attach_fail (ctl, name, pool, error);
      }
  if (!vfpctl_plug_nic (ctl, d, live, nic, &lease, &error))
    return attach_fail (ctl, name, pool, error);
  live_meta = vfp_request_edit_metadata (live);
  if (!vfpctl_domain_set_request (d, TRUE, live_meta, &error))
    {
      g_prefix_error (&error, "recording nic %u in the live request failed: ", nic);
      attach_fail (ctl, name, pool, error);
      attach_unplug (ctl, d, name, lease);
      return 1;
    }
  if (config && !vfpctl_domain_set_request (d, FALSE, config_meta, &error))
    {
      g_prefix_error (&error, "nic %u is attached, but the persistent request is unchanged: ",
                      nic);
      return attach_fail (ctl, name, pool, error);
    }
  if (ctl->json)
    {
      g_autoptr (JsonBuilder) builder = json_nic_begin (name, nic, lease, "attached");

      vfpctl_json_bool (builder, "config", config);
      vfpctl_json_print (builder);
    }
  else
    printf ("domain '%s': nic %u attached: VF %s from pool '%s'%s\n", name, nic,
            lease->vf_pci, lease->pool, config ? " (also in the persistent request)" : "");
  return VFPCTL_EXIT_OK;
}

/* ---- detach --------------------------------------------------------------- */

/* Drop nic @nic from the live (@live) or persistent request of @d, when the
 * request has it as its last nic (detach refused any other). */
static gboolean
detach_from_request (VfpctlDomain *d, gboolean live, guint nic, gboolean *changed,
                     GError **error)
{
  g_autoptr (VfpDomXml) dom = NULL;
  g_autofree char *metadata = NULL;

  *changed = FALSE;
  if (!vfpctl_domain_get_xml (d, live, &dom, error))
    return FALSE;
  if (!vfp_request_edit_remove (dom, nic, NULL))
    return TRUE;
  metadata = vfp_request_edit_metadata (dom);
  if (!vfpctl_domain_set_request (d, live, metadata, error))
    return FALSE;
  *changed = TRUE;
  return TRUE;
}

static int
detach_fail (VfpCtl *ctl, const char *name, const GError *error)
{
  g_autoptr (GError) line = nic_error ("detach", name, NULL, error);

  return vfpctl_json_fail (ctl, line);
}

/* What detach did, as text or (--json) a document: the device left the
 * guest ("detached", with the VF @released or not), or it did not:
 * "timeout" and "stopped" come with @error (text: on stderr) and exit 1. */
static int
detach_report (VfpCtl *ctl, const char *name, guint nic, const VfpLease *lease,
               const char *action, gboolean released, const GError *error)
{
  g_autoptr (GError) line = error != NULL ? nic_error ("detach", name, NULL, error) : NULL;

  if (ctl->json)
    {
      g_autoptr (JsonBuilder) builder = json_nic_begin (name, nic, lease, action);
      g_autofree char *plain = line != NULL ? vfpctl_plain_quotes (line->message) : NULL;

      vfpctl_json_bool (builder, "released", released);
      vfpctl_json_string (builder, "error", plain);
      vfpctl_json_print (builder);
    }
  else if (line == NULL && lease == NULL)
    printf ("domain '%s': nic %u detached (it held no lease)\n", name, nic);
  else if (line == NULL && released)
    printf ("domain '%s': nic %u detached; VF %s restored and released\n", name, nic,
            lease->vf_pci);
  else if (line == NULL)
    printf ("domain '%s': nic %u detached; VF %s is no longer the lease it had (another "
            "start took it over) and is left alone\n", name, nic, lease->vf_pci);
  return line != NULL ? vfpctl_fail (line) : VFPCTL_EXIT_OK;
}

/* A failover nic's virtio standby that vfpool plugged (alias
 * ua-vfpool-sbN; one the domain brought is the domain's): asked to leave
 * too, without waiting — it is a virtio NIC, no VF, and the guest lets it
 * go when it acknowledges.  A failure is a warning: the VF is back already. */
static void
detach_standby (VfpctlDomain *d, VfpDomXml *live, const char *name, const VfpLease *lease)
{
  g_autofree char *standby = NULL;
  g_autoptr (GError) error = NULL;

  if (lease == NULL || lease->failover_network == NULL
      || !vfp_domxml_find_standby (live, lease->applied.mac, &standby, NULL)
      || standby == NULL || !g_str_has_prefix (standby, VFP_STANDBY_ALIAS_PREFIX))
    return;
  if (!vfpctl_domain_detach_alias (d, standby, &error))
    fprintf (stderr, "vfpoolctl: detach: warning: domain '%s': its virtio standby %s stays: "
             "%s\n", name, standby, error->message);
}

int
vfpctl_detach (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpctlDomain) d = NULL;
  g_autoptr (VfpDomXml) live = NULL;
  g_autoptr (GPtrArray) leases = NULL;
  g_autofree char *nic_opt = NULL;
  g_autofree char *timeout_opt = NULL;
  const VfpLease *lease;
  const char *name;
  gboolean config = FALSE, gone = FALSE, released = FALSE, changed = FALSE, plugged = FALSE;
  guint timeout = DETACH_DEFAULT_TIMEOUT;
  guint want = 0;
  const GOptionEntry entries[] = {
    { "nic", 0, 0, G_OPTION_ARG_STRING, &nic_opt,
      "the vfpool nic to detach (needed when the domain has several)", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_opt,
      "seconds (0-3600, default 30) to wait for the guest to let the device go", "SECONDS" },
    { "config", 0, 0, G_OPTION_ARG_NONE, &config,
      "also remove the nic from the persistent request", NULL },
    VFPCTL_JSON_ENTRY (ctl),
    G_OPTION_ENTRY_NULL
  };
  guint nic;
  int status;

  if ((status = vfpctl_parse_domain_options (&argc, &argv, entries, NULL,
                                             "Hot-unplug a pool VF from a running domain, then "
                                             "restore the VF and free its lease.", &name))
      != VFPCTL_EXIT_OK)
    return status;
  if (nic_opt != NULL && !vfpctl_nic_parse_index (nic_opt, &want, &error))
    return vfpctl_usage_fail (argv[0], error);
  if ((status = vfpctl_unplug_timeout (argv[0], timeout_opt, &timeout)) != VFPCTL_EXIT_OK)
    return status;
  if (!vfpctl_domain_open (ctl, name, &d, &error))
    return detach_fail (ctl, name, error);
  if (!vfpctl_domain_is_running (d))
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "the domain is not running (a stopped domain's VFs went back at its "
                   "release end); `vfpoolctl unrequest` edits its request");
      return detach_fail (ctl, name, error);
    }
  if (!vfpctl_domain_get_xml (d, TRUE, &live, &error)
      || !vfp_lease_list_owner (ctl->ctx->state_dir, vfp_domxml_get_uuid (live), &leases, NULL,
                                &error))
    return detach_fail (ctl, name, error);
  vfp_lease_drop_ports (leases);   /* a network port's VF is libvirt's to unplug */
  if (!vfp_attach_pick_nic (live, leases, nic_opt != NULL, want, &nic, &plugged, &error))
    return detach_fail (ctl, name, error);
  /* Read before the detach: what the release must find unchanged after. */
  lease = vfp_attach_find_lease (leases, nic);
  /* Not plugged: an earlier detach timed out and the guest let go since. */
  gone = !plugged;
  if (plugged && !vfpctl_detach_and_wait (d, nic, timeout, &gone, &error))
    return detach_fail (ctl, name, error);
  if (!gone && vfpctl_domain_is_running (d))
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_FAILED,
                   "nic %u: the guest did not release device %s%u within %u s; VF %s stays "
                   "leased and unchanged (QEMU may still use it): run detach again, or it "
                   "goes back when the domain stops", nic, VFP_ALIAS_PREFIX, nic,
                   timeout, lease != NULL ? lease->vf_pci : "(none)");
      return detach_report (ctl, name, nic, lease, "timeout", FALSE, error);
    }
  if (!gone)
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_FAILED,
                   "the domain stopped while nic %u was being detached; its VFs go back at "
                   "its release end", nic);
      return detach_report (ctl, name, nic, lease, "stopped", FALSE, error);
    }
  if (lease != NULL && !vfpctl_release_detached (ctl, name, lease, &released, &error))
    return detach_fail (ctl, name, error);
  if (!detach_from_request (d, TRUE, nic, &changed, &error))
    return detach_fail (ctl, name, error);
  if (config && !detach_from_request (d, FALSE, nic, &changed, &error))
    return detach_fail (ctl, name, error);
  if (config && !changed)
    fprintf (stderr, "vfpoolctl: detach: warning: domain '%s': the persistent request has no "
             "nic %u; left as it is\n", name, nic);
  detach_standby (d, live, name, lease);
  return detach_report (ctl, name, nic, lease, "detached", released, NULL);
}
