/* vfpoolctl-release.c: release, reconcile and quarantine subcommands. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-json.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-lease.h"
#include "vfp-lifecycle.h"
#include "vfp-release.h"
#include "vfp-liveness.h"
#include "vfp-quarantine.h"
#include "vfp-state-dir.h"

#include <stdio.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* DOMAIN may be a UUID or the name the leases record; @name is the name a
 * lease of that owner records (what an operator recognises), else DOMAIN. */
static gboolean
resolve_owner (VfpCtl *ctl, const char *domain, char **uuid, char **name, GError **error)
{
  g_autoptr (GPtrArray) leases = NULL;
  g_autofree char *shown = NULL;

  if (!vfp_lease_list (ctl->ctx->state_dir, &leases, NULL, error))
    return FALSE;
  if (g_uuid_string_is_valid (domain))
    {
      *uuid = g_ascii_strdown (domain, -1);
      for (guint i = 0; i < leases->len; i++)
        if (g_ascii_strcasecmp (((VfpLease *) leases->pdata[i])->owner_uuid, domain) == 0
            && ((VfpLease *) leases->pdata[i])->owner_name != NULL)
          {
            *name = g_strdup (((VfpLease *) leases->pdata[i])->owner_name);
            return TRUE;
          }
      *name = g_strdup (domain);
      return TRUE;
    }
  for (guint i = 0; i < leases->len; i++)
    if (g_strcmp0 (((VfpLease *) leases->pdata[i])->owner_name, domain) == 0)
      {
        *uuid = g_strdup (((VfpLease *) leases->pdata[i])->owner_uuid);
        *name = g_strdup (domain);
        return TRUE;
      }
  shown = vfp_error_quote (domain);
  g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "domain '%s' holds no VF", shown);
  return FALSE;
}

/* Liveness from libvirt itself, when it can be reached (the CLI may call
 * libvirt; the hook never does). */
static VfpOwnerState
probe_libvirt (const char *uuid, const char *name, gpointer data)
{
  virConnectPtr conn = data;
  virDomainPtr dom;
  int active;

  if (conn == NULL)
    return VFP_OWNER_UNKNOWN;
  dom = virDomainLookupByUUIDString (conn, uuid);
  if (dom == NULL)
    return VFP_OWNER_GONE;
  active = virDomainIsActive (dom);
  virDomainFree (dom);
  return active == 1 ? VFP_OWNER_ALIVE : active == 0 ? VFP_OWNER_GONE : VFP_OWNER_UNKNOWN;
}

static void
silence_libvirt (void *data, virErrorPtr err)
{
}

/* Whether domain @uuid may still run, decided as reconcile decides
 * (vfp_liveness_combine over each of its leases, the most alive wins):
 * releasing a running domain's VF would leave the guest with a device
 * vfpool then hands to someone else.  *@asked: whether libvirt answered. */
static VfpOwnerState
owner_state (VfpCtl *ctl, const char *uuid, gboolean *asked)
{
  g_autoptr (GPtrArray) leases = NULL;
  g_autofree char *boot_id = vfp_context_read_boot_id (ctl->ctx, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  virConnectPtr conn = NULL;
  VfpOwnerState state = VFP_OWNER_GONE;

  if (!g_str_has_prefix (ctl->ctx->libvirt_uri, "record:"))
    {
      virSetErrorFunc (NULL, silence_libvirt);
      conn = virConnectOpenReadOnly (ctl->ctx->libvirt_uri);
    }
  *asked = conn != NULL;
  if (vfp_lease_list (ctl->ctx->state_dir, &leases, NULL, NULL))
    for (guint i = 0; i < leases->len && state != VFP_OWNER_ALIVE; i++)
      {
        VfpLease *lease = leases->pdata[i];
        VfpOwnerState one;

        if (strcmp (lease->owner_uuid, uuid) != 0)
          continue;
        one = vfp_liveness_combine (vfp_liveness_check (ctl->ctx, lease, boot_id, now),
                                    probe_libvirt (uuid, lease->owner_name, conn));
        if (one != VFP_OWNER_GONE)
          state = one;
      }
  if (conn != NULL)
    virConnectClose (conn);
  return state;
}

/* release --injected FILE: give back what `inject` reserved for FILE. */
static int
release_injected (VfpCtl *ctl, const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (VfpDomXml) dom = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  guint released = 0;

  if (!g_file_get_contents (file, &data, &len, &error)
      || !vfp_domxml_parse (data, len, &dom, &error))
    {
      g_prefix_error (&error, "%s: ", file);
      return vfpctl_fail (error);
    }
  if (!vfp_lifecycle_release_injected (ctl->ctx, dom, warnings, &released, &error))
    return vfpctl_fail (error);
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "vfpoolctl: warning: %s\n", (char *) warnings->pdata[i]);
  printf ("released %u reserved VF%s of domain '%s'\n", released, released == 1 ? "" : "s",
          vfp_domxml_get_name (dom));
  return 0;
}

/* What went back of @held (the domain's leases before the release): a VF
 * that could not be restored is quarantined, not free, and "released every
 * VF" would tell the operator otherwise.  Exit 1 then. */
static int
report_released (VfpCtl *ctl, const char *shown, GPtrArray *held)
{
  g_autoptr (GHashTable) quarantined = vfp_quarantine_list (ctl->ctx->state_dir);
  guint set_aside = 0;

  for (guint i = 0; i < held->len; i++)
    if (g_hash_table_contains (quarantined, ((VfpLease *) held->pdata[i])->vf_pci))
      set_aside++;
  if (set_aside == 0)
    {
      printf ("released every VF of domain '%s'\n", shown);
      return 0;
    }
  printf ("released %u VF%s of domain '%s'; %u could not be restored and %s quarantined "
          "(vfpoolctl quarantine list)\n", held->len - set_aside, held->len - set_aside == 1 ? "" : "s",
          shown, set_aside, set_aside == 1 ? "is" : "are");
  return 1;
}

int
vfpctl_release (VfpCtl *ctl, int argc, char **argv)
{
  const char *domain;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *uuid = NULL;
  g_autofree char *name = NULL;
  g_autofree char *shown = NULL;
  g_autoptr (GPtrArray) held = NULL;
  gboolean force = FALSE, injected = FALSE;
  const GOptionEntry entries[] = {
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      "release even if the domain may be running or starting", NULL },
    { "injected", 0, 0, G_OPTION_ARG_NONE, &injected,
      "the argument is the FILE `inject` wrote: give back what it reserved", NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, "DOMAIN|UUID | --injected FILE",
                             "Restore and free the VFs of a stopped domain.", 1, &error))
    return vfpctl_usage_fail (argv[0], error);
  domain = argc > 1 ? argv[1] : NULL;
  if (injected)
    {
      if (domain == NULL)
        return vfpctl_usage (argv[0], "--injected needs the FILE inject wrote");
      return release_injected (ctl, domain);
    }
  if (domain == NULL)
    return vfpctl_usage (argv[0], "needs a DOMAIN name or UUID");
  if (!vfp_state_dir_check (ctl->ctx->state_dir, &error)
      || !resolve_owner (ctl, domain, &uuid, &name, &error))
    return vfpctl_fail (error);
  shown = vfp_error_quote (name);
  if (!force)
    {
      gboolean asked;
      VfpOwnerState state = owner_state (ctl, uuid, &asked);

      if (!asked)
        fprintf (stderr, "vfpoolctl: libvirt (%s) could not be asked whether domain '%s' "
                         "runs; deciding from its leases alone\n", ctl->ctx->libvirt_uri, shown);
      if (state == VFP_OWNER_ALIVE)
        {
          fprintf (stderr, "vfpoolctl: domain '%s' is running; stop it first "
                           "(or use --force to take its VFs away anyway)\n", shown);
          return 1;
        }
      if (state == VFP_OWNER_UNKNOWN)
        {
          fprintf (stderr, "vfpoolctl: domain '%s' may be starting (a lease younger than %d s "
                           "without a QEMU); not released (use --force to release it anyway)\n",
                   shown, VFP_LIVENESS_GRACE_SECONDS);
          return 1;
        }
    }
  if (!vfp_release_list_owner (ctl->ctx, uuid, &held, NULL, &error)
      || !vfp_lifecycle_release (ctl->ctx, uuid, warnings, &error))
    return vfpctl_fail (error);
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "vfpoolctl: warning: %s\n", (char *) warnings->pdata[i]);
  return report_released (ctl, shown, held);
}

/* {"version": 1, "vfs": [{"vf", "domain", "uuid", "action", "reason",
 * "warnings"}...], "ok", "error"} (vfpoolctl(8) JSON OUTPUT). */
static void
print_reconcile_json (GPtrArray *report, const GError *error)
{
  g_autoptr (JsonBuilder) b = vfpctl_json_begin ();

  json_builder_set_member_name (b, "vfs");
  json_builder_begin_array (b);
  for (guint i = 0; i < report->len; i++)
    {
      VfpReconcileEntry *entry = report->pdata[i];

      json_builder_begin_object (b);
      vfpctl_json_string (b, "vf", entry->vf);
      vfpctl_json_string (b, "domain", entry->domain);
      vfpctl_json_string (b, "uuid", entry->uuid);
      vfpctl_json_string (b, "action", vfp_reconcile_action_to_string (entry->action));
      vfpctl_json_string (b, "reason", entry->reason);
      vfpctl_json_strings (b, "warnings", entry->warnings);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  vfpctl_json_bool (b, "ok", error == NULL);
  vfpctl_json_string (b, "error", error != NULL ? error->message : NULL);
  vfpctl_json_print (b);
}

int
vfpctl_reconcile (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) report
    = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_reconcile_entry_free);
  virConnectPtr conn = NULL;
  gboolean ok;
  const GOptionEntry entries[] = { VFPCTL_JSON_ENTRY (ctl), G_OPTION_ENTRY_NULL };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, NULL,
                             "Free the leases of domains that are gone (never one of a "
                             "running domain).", 0, &error))
    return vfpctl_usage_fail (argv[0], error);

  if (!g_str_has_prefix (ctl->ctx->libvirt_uri, "record:"))
    {
      virSetErrorFunc (NULL, silence_libvirt);
      conn = virConnectOpenReadOnly (ctl->ctx->libvirt_uri);
    }
  ok = vfp_lifecycle_reconcile (ctl->ctx, probe_libvirt, conn, report, &error);
  if (conn != NULL)
    virConnectClose (conn);
  if (ctl->json)
    print_reconcile_json (report, ok ? NULL : error);
  else
    for (guint i = 0; i < report->len; i++)
      {
        VfpReconcileEntry *entry = report->pdata[i];

        for (guint w = 0; w < entry->warnings->len; w++)
          printf ("%s\n", (char *) entry->warnings->pdata[w]);
        printf ("%s\n", entry->text);
      }
  return ok ? 0 : vfpctl_fail (error);
}

int
vfpctl_quarantine (VfpCtl *ctl, int argc, char **argv)
{
  const char *what;
  g_autofree char *vf = NULL;
  g_autoptr (GError) error = NULL;
  const GOptionEntry entries[] = { VFPCTL_JSON_ENTRY (ctl), G_OPTION_ENTRY_NULL };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, "[list] | clear VF",
                             "List the VFs set aside because restoring them failed, or clear "
                             "one (VF as 0000:01:10.2 or 01:10.2) so it can be leased again.",
                             2, &error))
    return vfpctl_usage_fail (argv[0], error);
  what = argc > 1 ? argv[1] : NULL;
  if (what != NULL && strcmp (what, "list") != 0 && strcmp (what, "clear") != 0)
    return vfpctl_usage (argv[0], "unknown action '%s' (list or clear VF)", what);
  if (what != NULL && strcmp (what, "clear") == 0 && argc < 3)
    return vfpctl_usage (argv[0], "clear needs a VF PCI address");
  if (what != NULL && strcmp (what, "list") == 0 && argc > 2)
    return vfpctl_usage (argv[0], "list takes no argument ('%s' is extra)", argv[2]);
  /* Listing trusts the reasons, clearing hands a VF out again: both only
   * in a state dir nobody else can write. */
  if (!vfp_state_dir_check (ctl->ctx->state_dir, &error))
    return vfpctl_json_fail (ctl, error);

  if (what == NULL || strcmp (what, "list") == 0)
    {
      g_autoptr (GHashTable) q = vfp_quarantine_list (ctl->ctx->state_dir);
      g_autoptr (GList) vfs = g_list_sort (g_hash_table_get_keys (q), (GCompareFunc) strcmp);
      g_autoptr (JsonBuilder) b = NULL;

      if (ctl->json)
        {
          b = vfpctl_json_begin ();
          json_builder_set_member_name (b, "vfs");
          json_builder_begin_array (b);
        }
      for (GList *l = vfs; l != NULL; l = l->next)
        {
          const char *reason = g_hash_table_lookup (q, l->data);

          if (b == NULL)
            {
              printf ("%s %s\n", (char *) l->data, reason);
              continue;
            }
          json_builder_begin_object (b);
          vfpctl_json_string (b, "vf", l->data);
          vfpctl_json_string (b, "reason", reason);
          json_builder_end_object (b);
        }
      if (b != NULL)
        {
          json_builder_end_array (b);
          vfpctl_json_print (b);
        }
      return 0;
    }
  vf = vfpctl_vf_address (argv[2]);
  if (!vfp_quarantine_clear (ctl->ctx->state_dir, vf, &error))
    return vfpctl_fail (error);
  printf ("VF %s can be leased again\n", vf);
  return 0;
}
