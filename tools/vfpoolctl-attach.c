/* vfpoolctl-attach.c: "attach" and "detach" — hot add / remove a pool VF on
 * a running domain.  The lease follows the rules of a start (the library's
 * vfp_lifecycle_attach_nic); this file makes the libvirt calls, through
 * vfpoolctl-domain.h so the record:FILE seam can stand in for libvirt. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-domain.h"
#include "vfp-attach.h"
#include "vfp-error.h"
#include "vfp-lifecycle.h"
#include "vfp-request-edit.h"
#include "vfp-vf-config.h"

#include <stdio.h>
#include <string.h>

/* How often detach looks whether the guest let the device go. */
#define DETACH_POLL_USEC (G_USEC_PER_SEC / 5)
#define DETACH_DEFAULT_TIMEOUT 30

/* Parse argv with @entries; *@domain gets the one positional argument (a
 * copy).  Returns -1 to go on, else the exit status (a usage error: 2). */
static int
parse_options (const char *cmd, const char *summary, GOptionEntry *entries, int argc,
               char **argv, char **domain)
{
  g_autoptr (GOptionContext) oc = g_option_context_new ("DOMAIN");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) args = g_new0 (char *, argc + 1);
  gboolean json = FALSE;
  GOptionEntry json_entry[] = {
    { "json", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &json, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autofree char *prog = g_strconcat ("vfpoolctl ", cmd, NULL);

  for (int i = 0; i < argc; i++)
    args[i] = g_strdup (i == 0 ? prog : argv[i]);
  g_option_context_set_summary (oc, summary);
  g_option_context_add_main_entries (oc, entries, NULL);
  g_option_context_add_main_entries (oc, json_entry, NULL);
  if (!g_option_context_parse_strv (oc, &args, &error))
    {
      fprintf (stderr, "vfpoolctl: %s: %s (see vfpoolctl %s --help)\n", cmd, error->message,
               cmd);
      return 2;
    }
  if (args[1] == NULL || args[2] != NULL)
    {
      fprintf (stderr, "vfpoolctl: %s: %s (see vfpoolctl %s --help)\n", cmd,
               args[1] == NULL ? "needs a DOMAIN" : "one DOMAIN only", cmd);
      return 2;
    }
  *domain = g_strdup (args[1]);
  return -1;
}

/* ---- attach --------------------------------------------------------------- */

typedef struct {
  char *pool, *bond;
  char *knobs[9];       /* in the order of knob_names */
  gboolean config;
} AttachOpts;

static const char *const knob_names[] = {
  VFP_ATTR_VLAN, VFP_ATTR_QOS, VFP_ATTR_VLAN_PROTO, VFP_ATTR_MAC, VFP_ATTR_SPOOFCHK,
  VFP_ATTR_TRUST, VFP_ATTR_MIN_TX_RATE, VFP_ATTR_MAX_TX_RATE, VFP_ATTR_LINK_STATE,
};
G_STATIC_ASSERT (G_N_ELEMENTS (knob_names) == G_N_ELEMENTS (((AttachOpts *) 0)->knobs));

static void
attach_opts_clear (AttachOpts *o)
{
  g_free (o->pool);
  g_free (o->bond);
  for (guint i = 0; i < G_N_ELEMENTS (o->knobs); i++)
    g_free (o->knobs[i]);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AttachOpts, attach_opts_clear)

/* The request attributes, in the order `vfpoolctl request` writes them. */
static GPtrArray *
attach_attrs (AttachOpts *o)
{
  GPtrArray *attrs = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (attrs, g_strdup ("pool"));
  g_ptr_array_add (attrs, g_strdup (o->pool));
  if (o->bond != NULL)
    {
      g_ptr_array_add (attrs, g_strdup ("bond"));
      g_ptr_array_add (attrs, g_strdup (o->bond));
    }
  for (guint i = 0; i < G_N_ELEMENTS (knob_names); i++)
    if (o->knobs[i] != NULL)
      {
        g_ptr_array_add (attrs, g_strdup (knob_names[i]));
        g_ptr_array_add (attrs, g_strdup (o->knobs[i]));
      }
  return attrs;
}

/* *@plugged: whether the live XML of @d has the device of nic @nic.  FALSE
 * when that cannot be told (the domain stopped, its XML unreadable). */
static gboolean
read_plugged (VfpctlDomain *d, guint nic, gboolean *plugged)
{
  g_autoptr (VfpDomXml) live = NULL;
  g_autoptr (GPtrArray) devices = NULL;

  *plugged = FALSE;
  if (!vfpctl_domain_is_running (d) || !vfpctl_domain_get_xml (d, TRUE, &live, NULL))
    return FALSE;
  devices = vfp_domxml_list_devices (live);
  for (guint i = 0; i < devices->len; i++)
    *plugged |= ((VfpDomDevice *) devices->pdata[i])->nic == nic;
  return TRUE;
}

/* Ask libvirt to remove ua-vfpool-@nic, then wait until the live XML no
 * longer has it: libvirt's success means only that the guest was asked.
 * *@gone = FALSE after @timeout seconds (the guest never let it go). */
static gboolean
detach_and_wait (VfpctlDomain *d, guint nic, guint timeout, gboolean *gone, GError **error)
{
  g_autofree char *alias = g_strdup_printf ("%s%u", VFP_ALIAS_PREFIX, nic);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC;

  *gone = FALSE;
  if (!vfpctl_domain_detach_alias (d, alias, error))
    return FALSE;
  for (;;)
    {
      gboolean plugged = TRUE;

      /* A domain that stopped meanwhile has no device left: release end
       * returns its VFs, not us. */
      if (!vfpctl_domain_is_running (d))
        return TRUE;
      /* An unreadable live XML is not a removal: keep looking till the end. */
      if (read_plugged (d, nic, &plugged) && !plugged)
        {
          *gone = TRUE;
          return TRUE;
        }
      if (g_get_monotonic_time () >= deadline)
        return TRUE;
      g_usleep (DETACH_POLL_USEC);
    }
}

/* Give back the VF of a nic whose device left the guest — if the lease is
 * still the one read before the detach (VF, owner, start id). */
static gboolean
release_detached (VfpCtl *ctl, const char *name, const VfpLease *seen, gboolean *released,
                  GError **error)
{
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (VfpLease) now = NULL;

  *released = vfp_lease_read (ctl->ctx->state_dir, seen->vf_pci, &now, NULL)
              && strcmp (now->owner_uuid, seen->owner_uuid) == 0
              && g_strcmp0 (now->start_id, seen->start_id) == 0;
  if (*released
      && !vfp_lifecycle_release_vf (ctl->ctx, seen->owner_uuid, seen->vf_pci, seen->start_id,
                                    warnings, error))
    return FALSE;
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "vfpoolctl: warning: domain '%s': %s\n", name,
             (const char *) warnings->pdata[i]);
  return TRUE;
}

/* Undo an attach whose device is in the guest but could not be recorded:
 * the device goes out the way detach takes it. */
static void
attach_unplug (VfpCtl *ctl, VfpctlDomain *d, const char *name, const VfpLease *lease)
{
  g_autoptr (GError) error = NULL;
  gboolean gone = FALSE, released = FALSE;

  if (detach_and_wait (d, lease->nic, DETACH_DEFAULT_TIMEOUT, &gone, &error) && gone
      && release_detached (ctl, name, lease, &released, &error))
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

/* One line naming domain, pool and why (the library's messages name the
 * domain already). */
static int
attach_fail (const char *name, const char *pool, const GError *error)
{
  if (g_str_has_prefix (error->message, "domain '"))
    fprintf (stderr, "vfpoolctl: attach (pool '%s'): %s\n", pool, error->message);
  else
    fprintf (stderr, "vfpoolctl: attach: domain '%s' pool '%s': %s\n", name, pool,
             error->message);
  return 1;
}

int
vfpctl_attach (VfpCtl *ctl, int argc, char **argv)
{
  g_auto (AttachOpts) o = { NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpctlDomain) d = NULL;
  g_autoptr (VfpDomXml) live = NULL;
  g_autoptr (VfpLease) lease = NULL;
  g_autoptr (GPtrArray) attrs = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autofree char *name = NULL;
  g_autofree char *device = NULL;
  g_autofree char *live_meta = NULL;
  g_autofree char *config_meta = NULL;
  GOptionEntry entries[] = {
    { "pool", 0, 0, G_OPTION_ARG_STRING, &o.pool, "pool to lease the VF from (required)", "P" },
    { "bond", 0, 0, G_OPTION_ARG_STRING, &o.bond, "bond of the request the nic joins", "NAME" },
    { "vlan", 0, 0, G_OPTION_ARG_STRING, &o.knobs[0], "VLAN id 0-4094", "N" },
    { "qos", 0, 0, G_OPTION_ARG_STRING, &o.knobs[1], "VLAN priority 0-7", "N" },
    { "vlan-proto", 0, 0, G_OPTION_ARG_STRING, &o.knobs[2], "802.1Q or 802.1ad", "P" },
    { "mac", 0, 0, G_OPTION_ARG_STRING, &o.knobs[3], "MAC (default: derived)", "M" },
    { "spoofchk", 0, 0, G_OPTION_ARG_STRING, &o.knobs[4], "on or off", "on|off" },
    { "trust", 0, 0, G_OPTION_ARG_STRING, &o.knobs[5], "on or off", "on|off" },
    { "min-tx-rate", 0, 0, G_OPTION_ARG_STRING, &o.knobs[6], "Mbit/s", "N" },
    { "max-tx-rate", 0, 0, G_OPTION_ARG_STRING, &o.knobs[7], "Mbit/s", "N" },
    { "link-state", 0, 0, G_OPTION_ARG_STRING, &o.knobs[8], "auto, enable or disable", "S" },
    { "config", 0, 0, G_OPTION_ARG_NONE, &o.config, "also add the nic to the persistent "
      "request", NULL },
    G_OPTION_ENTRY_NULL
  };
  guint nic;
  int rc;

  rc = parse_options ("attach", "Lease a VF of a pool and hot-plug it into a running domain.",
                      entries, argc, argv, &name);
  if (rc >= 0)
    return rc;
  if (o.pool == NULL)
    {
      fprintf (stderr, "vfpoolctl: attach: --pool P is required (see vfpoolctl attach "
               "--help)\n");
      return 2;
    }
  attrs = attach_attrs (&o);
  if (!vfpctl_domain_open (ctl, name, &d, &error))
    return attach_fail (name, o.pool, error);
  if (!vfpctl_domain_is_running (d))
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "the domain is not running; `vfpoolctl request` adds a nic for its next "
                   "start");
      return attach_fail (name, o.pool, error);
    }
  if (!vfpctl_domain_get_xml (d, TRUE, &live, &error)
      || !vfp_request_edit_append (live, attrs, &nic, &error)
      || (o.config && !attach_persistent (d, attrs, &config_meta, &error)))
    return attach_fail (name, o.pool, error);
  /* The alias must be new to this run: QEMU refuses a second device of it. */
  devices = vfp_domxml_list_devices (live);
  for (guint i = 0; i < devices->len; i++)
    if (((VfpDomDevice *) devices->pdata[i])->nic == nic)
      {
        g_set_error (&error, VFP_ERROR, VFP_ERROR_BUSY,
                     "device %s%u is in the guest but nic %u is not in its request; detach "
                     "it first", VFP_ALIAS_PREFIX, nic, nic);
        return attach_fail (name, o.pool, error);
      }
  if (!vfp_lifecycle_attach_nic (ctl->ctx, live, nic, &lease, &error))
    return attach_fail (name, o.pool, error);
  device = vfp_domxml_device_to_string_full (nic, lease->vf_pci, lease->form, lease->managed,
                                             &lease->applied);
  live_meta = vfp_request_edit_metadata (live);
  if (!vfpctl_domain_attach (d, device, &error))
    {
      g_autoptr (GError) release_error = NULL;
      g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
      gboolean restored, plugged = FALSE;

      /* The device reached the guest after all (libvirt's answer was lost
       * or late): restoring the VF now would reset it under the guest. */
      if (read_plugged (d, nic, &plugged) && plugged)
        {
          g_prefix_error (&error, "libvirt reported a failure but device %s%u is in the "
                          "guest; VF %s stays leased until release end: ", VFP_ALIAS_PREFIX,
                          nic, lease->vf_pci);
          return attach_fail (name, o.pool, error);
        }
      restored = vfp_lifecycle_release_vf (ctl->ctx, lease->owner_uuid, lease->vf_pci,
                                           lease->start_id, warnings, &release_error);
      g_prefix_error (&error, "hot-plug of VF %s failed (%s): ", lease->vf_pci,
                      restored ? "VF restored and released" : release_error->message);
      for (guint i = 0; i < warnings->len; i++)
        fprintf (stderr, "vfpoolctl: warning: %s\n", (const char *) warnings->pdata[i]);
      return attach_fail (name, o.pool, error);
    }
  if (!vfpctl_domain_set_request (d, TRUE, live_meta, &error))
    {
      g_prefix_error (&error, "recording nic %u in the live request failed: ", nic);
      attach_fail (name, o.pool, error);
      attach_unplug (ctl, d, name, lease);
      return 1;
    }
  if (o.config && !vfpctl_domain_set_request (d, FALSE, config_meta, &error))
    {
      g_prefix_error (&error, "nic %u is attached, but the persistent request is unchanged: ",
                      nic);
      return attach_fail (name, o.pool, error);
    }
  printf ("domain '%s': nic %u attached: VF %s from pool '%s'%s\n", name, nic, lease->vf_pci,
          lease->pool, o.config ? " (also in the persistent request)" : "");
  return 0;
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
detach_fail (const char *name, const GError *error)
{
  if (g_str_has_prefix (error->message, "domain '"))
    fprintf (stderr, "vfpoolctl: detach: %s\n", error->message);
  else
    fprintf (stderr, "vfpoolctl: detach: domain '%s': %s\n", name, error->message);
  return 1;
}

int
vfpctl_detach (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpctlDomain) d = NULL;
  g_autoptr (VfpDomXml) live = NULL;
  g_autoptr (GPtrArray) leases = NULL;
  g_autofree char *name = NULL;
  g_autofree char *nic_opt = NULL;
  const VfpLease *lease;
  gboolean config = FALSE, gone = FALSE, released = FALSE, changed = FALSE, plugged = FALSE;
  int timeout = DETACH_DEFAULT_TIMEOUT;
  guint64 want = 0;
  GOptionEntry entries[] = {
    { "nic", 0, 0, G_OPTION_ARG_STRING, &nic_opt, "the vfpool nic to detach (needed when "
      "the domain has several)", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "seconds to wait for the guest to let "
      "the device go (default 30)", "SECONDS" },
    { "config", 0, 0, G_OPTION_ARG_NONE, &config, "also remove the nic from the persistent "
      "request", NULL },
    G_OPTION_ENTRY_NULL
  };
  guint nic;
  int rc;

  rc = parse_options ("detach", "Hot-unplug a pool VF from a running domain, then restore "
                      "the VF and free its lease.", entries, argc, argv, &name);
  if (rc >= 0)
    return rc;
  if (nic_opt != NULL
      && !g_ascii_string_to_unsigned (nic_opt, 10, 0, G_MAXUINT, &want, NULL))
    {
      fprintf (stderr, "vfpoolctl: detach: --nic '%s' is not a nic index\n", nic_opt);
      return 2;
    }
  if (timeout < 0)
    {
      fprintf (stderr, "vfpoolctl: detach: --timeout %d is negative\n", timeout);
      return 2;
    }
  if (!vfpctl_domain_open (ctl, name, &d, &error))
    return detach_fail (name, error);
  if (!vfpctl_domain_is_running (d))
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "the domain is not running (a stopped domain's VFs went back at its "
                   "release end); `vfpoolctl unrequest` edits its request");
      return detach_fail (name, error);
    }
  if (!vfpctl_domain_get_xml (d, TRUE, &live, &error)
      || !vfp_lease_list_owner (ctl->ctx->state_dir, vfp_domxml_get_uuid (live), &leases, NULL,
                                &error)
      || !vfp_attach_pick_nic (live, leases, nic_opt != NULL, (guint) want, &nic, &plugged,
                               &error))
    return detach_fail (name, error);
  /* Read before the detach: what the release must find unchanged after. */
  lease = vfp_attach_find_lease (leases, nic);
  /* Not plugged: an earlier detach timed out and the guest let go since. */
  gone = !plugged;
  if (plugged && !detach_and_wait (d, nic, (guint) timeout, &gone, &error))
    return detach_fail (name, error);
  if (!gone && vfpctl_domain_is_running (d))
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_FAILED,
                   "nic %u: the guest did not release device %s%u within %d s; VF %s stays "
                   "leased and unchanged (QEMU may still use it): run detach again, or it "
                   "goes back when the domain stops", nic, VFP_ALIAS_PREFIX, nic, timeout,
                   lease != NULL ? lease->vf_pci : "(none)");
      return detach_fail (name, error);
    }
  if (!gone)
    {
      printf ("domain '%s' stopped while nic %u was being detached; its VFs go back at its "
              "release end\n", name, nic);
      return 1;
    }
  if (lease != NULL && !release_detached (ctl, name, lease, &released, &error))
    return detach_fail (name, error);
  if (!detach_from_request (d, TRUE, nic, &changed, &error))
    return detach_fail (name, error);
  if (config && !detach_from_request (d, FALSE, nic, &changed, &error))
    return detach_fail (name, error);
  if (config && !changed)
    fprintf (stderr, "vfpoolctl: detach: warning: domain '%s': the persistent request has no "
             "nic %u; left as it is\n", name, nic);
  if (lease == NULL)
    printf ("domain '%s': nic %u detached (it held no lease)\n", name, nic);
  else if (released)
    printf ("domain '%s': nic %u detached; VF %s restored and released\n", name, nic,
            lease->vf_pci);
  else
    printf ("domain '%s': nic %u detached; VF %s is no longer the lease it had (another "
            "start took it over) and is left alone\n", name, nic, lease->vf_pci);
  return 0;
}
