/* vfpoolctl-migrate.c: "migrate" — live-migrate a running domain that holds
 * plain pool VFs.  libvirt refuses to migrate a domain with a passed-through
 * VF, so its vfpool devices leave the guest first and their VFs go back
 * (as managedsave takes them: vfpctl_unplug_all), except a failover pair's
 * VF, which QEMU unplugs itself during the migration and the destination's
 * migrate begin re-points.  The request travels in the live XML: the
 * destination's prepare begin leases VFs of its same-named pools and its
 * hot-plug worker plugs them, as for a plain start there.  A migration that
 * fails leaves the domain here: each VF given back is leased and plugged
 * again (vfpoolctl-plug.c), with the nic's knobs from the live request. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-domain.h"
#include "vfpoolctl-json.h"
#include "vfpoolctl-plug.h"
#include "vfpoolctl-unplug.h"
#include "vfp-attach.h"
#include "vfp-error.h"

#include <stdio.h>

/* How often the destination's live XML is looked at for the devices. */
#define MIGRATE_POLL_USEC (G_USEC_PER_SEC / 5)

/* One nic taken out of the guest for the migration. */
typedef struct {
  guint nic;
  char *source_vf;   /* the VF it had here */
  char *dest_vf;     /* its VF on the destination; NULL: none (yet) */
  char *back_vf;     /* migration failed: the VF it is back on here */
} MigrateNic;

static void
migrate_nic_free (MigrateNic *m)
{
  g_free (m->source_vf);
  g_free (m->dest_vf);
  g_free (m->back_vf);
  g_free (m);
}

/* Put every nic of @nics back into the guest (the migration did not
 * happen); what became of each is appended to @what ("; nic N is back on
 * VF X" or why it stays without one). */
static void
replug (VfpCtl *ctl, VfpctlDomain *d, GPtrArray *nics, GString *what)
{
  for (guint i = 0; i < nics->len; i++)
    {
      MigrateNic *m = nics->pdata[i];
      g_autoptr (VfpDomXml) live = NULL;
      g_autoptr (VfpLease) lease = NULL;
      g_autoptr (GError) error = NULL;

      /* Read afresh for each nic: the one plugged before took a root port. */
      if (vfpctl_domain_get_xml (d, TRUE, &live, &error)
          && vfpctl_plug_nic (ctl, d, live, m->nic, &lease, &error))
        {
          m->back_vf = g_strdup (lease->vf_pci);
          g_string_append_printf (what, "; nic %u is back on VF %s", m->nic, lease->vf_pci);
        }
      else
        g_string_append_printf (what, "; nic %u stays without a VF until the domain "
                                "restarts (%s)", m->nic, error->message);
    }
}

/* Wait up to @timeout seconds for the destination's hot-plug worker to put
 * each nic of @nics into the domain's live XML there.  TRUE when all are. */
static gboolean
wait_dest (VfpctlDomain *dest, GPtrArray *nics, guint timeout)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (VfpDomXml) live = NULL;
      guint missing = 0;

      /* An unreadable live XML is no answer yet: keep looking till the end. */
      if (vfpctl_domain_get_xml (dest, TRUE, &live, NULL))
        {
          g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (live);

          for (guint i = 0; i < nics->len; i++)
            {
              MigrateNic *m = nics->pdata[i];
              const VfpDomDevice *device = vfp_attach_find_device (devices, m->nic);

              if (m->dest_vf == NULL && device != NULL)
                m->dest_vf = g_strdup (device->pci);
              missing += m->dest_vf == NULL;
            }
        }
      else
        missing = nics->len;
      if (missing == 0)
        return TRUE;
      if (g_get_monotonic_time () >= deadline || !vfpctl_domain_is_running (dest))
        return FALSE;
      g_usleep (MIGRATE_POLL_USEC);
    }
}

/* The nics missing on the destination, as "nic 1, nic 3". */
static char *
missing_nics (GPtrArray *nics)
{
  g_autoptr (GString) list = g_string_new (NULL);

  for (guint i = 0; i < nics->len; i++)
    if (((MigrateNic *) nics->pdata[i])->dest_vf == NULL)
      g_string_append_printf (list, "%snic %u", list->len > 0 ? ", " : "",
                              ((MigrateNic *) nics->pdata[i])->nic);
  return g_string_free (g_steal_pointer (&list), FALSE);
}

/* What migrate did: text lines, or (--json) the document of vfpoolctl(8)
 * JSON OUTPUT; @error (NULL: none) also as one line on stderr, exit 1. */
static int
report (VfpCtl *ctl, const char *name, const char *dest_uri, gboolean migrated,
        GPtrArray *nics, const char *error)
{
  /* the domain named once, whether or not @error names it already */
  g_autofree char *line = error == NULL ? NULL
                          : g_str_has_prefix (error, "domain '")
                          ? g_strdup_printf ("migrate: %s", error)
                          : g_strdup_printf ("migrate: domain '%s': %s", name, error);
  g_autofree char *plain = line != NULL ? vfpctl_plain_quotes (line) : NULL;

  if (ctl->json)
    {
      g_autoptr (JsonBuilder) builder = vfpctl_json_begin ();

      vfpctl_json_string (builder, "domain", name);
      vfpctl_json_string (builder, "dest", dest_uri);
      vfpctl_json_bool (builder, "migrated", migrated);
      json_builder_set_member_name (builder, "nics");
      json_builder_begin_array (builder);
      for (guint i = 0; i < nics->len; i++)
        {
          MigrateNic *m = nics->pdata[i];

          json_builder_begin_object (builder);
          vfpctl_json_int (builder, "nic", m->nic);
          vfpctl_json_string (builder, "source_vf", m->source_vf);
          vfpctl_json_string (builder, "dest_vf", m->dest_vf);
          vfpctl_json_string (builder, "back_vf", m->back_vf);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      vfpctl_json_string (builder, "error", plain);
      vfpctl_json_print (builder);
    }
  else if (migrated)
    {
      printf ("domain '%s' migrated to %s\n", name, dest_uri);
      for (guint i = 0; i < nics->len; i++)
        {
          MigrateNic *m = nics->pdata[i];

          printf ("domain '%s': nic %u: VF %s here, %s%s on %s\n", name, m->nic, m->source_vf,
                  m->dest_vf != NULL ? "VF " : "no VF yet", m->dest_vf != NULL ? m->dest_vf : "",
                  dest_uri);
        }
    }
  if (plain != NULL)
    fprintf (stderr, "vfpoolctl: %s\n", plain);
  return plain != NULL ? VFPCTL_EXIT_FAILED : VFPCTL_EXIT_OK;
}

int
vfpctl_migrate (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpctlDomain) d = NULL;
  g_autoptr (VfpctlDomain) dest = NULL;
  g_autoptr (GPtrArray) leases = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_lease_free);
  g_autoptr (GPtrArray) nics = g_ptr_array_new_with_free_func ((GDestroyNotify) migrate_nic_free);
  g_autoptr (GString) what = g_string_new (NULL);
  g_autofree char *migrate_uri = NULL;
  g_autofree char *timeout_opt = NULL;
  g_autofree char *missing = NULL;
  gboolean persistent = FALSE, undefine_source = FALSE;
  guint timeout = DETACH_DEFAULT_TIMEOUT, returned = 0;
  const char *name, *dest_uri;
  const GOptionEntry entries[] = {
    { "migrateuri", 0, 0, G_OPTION_ARG_STRING, &migrate_uri,
      "the migration data's URI (virsh migrate --migrateuri)", "URI" },
    { "persistent", 0, 0, G_OPTION_ARG_NONE, &persistent,
      "define the domain on the destination too", NULL },
    { "undefinesource", 0, 0, G_OPTION_ARG_NONE, &undefine_source,
      "undefine the domain here once it runs there", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_opt,
      "seconds (0-3600, default 30) to wait for the guest to let each VF go, and for the "
      "destination to plug its VFs", "SECONDS" },
    VFPCTL_JSON_ENTRY (ctl),
    G_OPTION_ENTRY_NULL
  };
  int status;

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, "DOMAIN DEST-URI",
                             "Live-migrate a running domain that holds pool VFs: its VFs "
                             "leave the guest and go back here, the destination leases and "
                             "plugs VFs of its same-named pools (failover pairs stay: QEMU "
                             "moves them).", 2, &error))
    return vfpctl_usage_fail (argv[0], error);
  if (argc < 3)
    return vfpctl_usage (argv[0], "needs a DOMAIN name and a DEST-URI");
  name = argv[1];
  dest_uri = argv[2];
  if ((status = vfpctl_unplug_timeout (argv[0], timeout_opt, &timeout)) != VFPCTL_EXIT_OK)
    return status;
  if (!vfpctl_domain_open (ctl, name, &d, &error))
    return report (ctl, name, dest_uri, FALSE, nics, error->message);
  if (!vfpctl_domain_is_running (d))
    return report (ctl, name, dest_uri, FALSE, nics,
                   "the domain is not running (virsh migrate --offline moves a stopped one)");
  /* Before any VF leaves the guest: an unreachable destination costs nothing. */
  if (!vfpctl_domain_connect_dest (d, dest_uri, &dest, &error))
    {
      g_autofree char *why = g_strdup_printf ("cannot connect to %s: %s; nothing done",
                                              dest_uri, error->message);
      return report (ctl, name, dest_uri, FALSE, nics, why);
    }
  if (!vfpctl_unplug_all (ctl, d, name, timeout, TRUE, leases, &returned, &error))
    g_string_printf (what, "%s; not migrated", error->message);
  for (guint i = 0; i < leases->len; i++)
    {
      MigrateNic *m = g_new0 (MigrateNic, 1);

      m->nic = ((VfpLease *) leases->pdata[i])->nic;
      m->source_vf = g_strdup (((VfpLease *) leases->pdata[i])->vf_pci);
      g_ptr_array_add (nics, m);
    }
  if (what->len == 0 && !vfpctl_domain_migrate (d, dest, migrate_uri,
                                                (persistent ? VFPCTL_MIGRATE_PERSISTENT : 0)
                                                | (undefine_source
                                                   ? VFPCTL_MIGRATE_UNDEFINE_SOURCE : 0),
                                                &error))
    g_string_printf (what, "migration to %s failed: %s", dest_uri, error->message);
  if (what->len > 0)
    {
      /* The domain still runs here: what it gave up comes back. */
      replug (ctl, d, nics, what);
      return report (ctl, name, dest_uri, FALSE, nics, what->str);
    }
  if (wait_dest (dest, nics, timeout))
    return report (ctl, name, dest_uri, TRUE, nics, NULL);
  missing = missing_nics (nics);
  g_string_printf (what, "migrated to %s, but %s got no VF there within %u s (the "
                   "destination's vfpool hook logs why to its syslog)", dest_uri, missing, timeout);
  return report (ctl, name, dest_uri, TRUE, nics, what->str);
}
