/* vfpoolctl-shutdown.c: "host-shutdown" — run by vfpool-guests.service at
 * host shutdown, before libvirt-guests.  When libvirt-guests is set to save
 * running domains (ON_SHUTDOWN=suspend), a domain holding a pool VF cannot
 * be saved: libvirt refuses a plain passed-through VF, and with a failover
 * pair the save hung in the e2e fixture (the save pauses the guest, which
 * then cannot let its VF go).  So every running domain holding pool VFs
 * gets them taken out first (as managedsave does), and libvirt-guests then
 * saves it like any other; the start that restores it at boot leases VFs
 * again.  With ON_SHUTDOWN=shutdown the guests stop and release end frees
 * their VFs, so nothing is done. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-domain.h"
#include "vfpoolctl-json.h"
#include "vfpoolctl-unplug.h"
#include "vfp-error.h"
#include "vfp-guests-conf.h"
#include "vfp-lease.h"

#include <stdio.h>
#include <string.h>

/* What became of one domain. */
typedef struct {
  char *name;
  guint returned;
  char *error;            /* NULL: every VF given back */
} ShutdownEntry;

static void
shutdown_entry_free (ShutdownEntry *entry)
{
  g_free (entry->name);
  g_free (entry->error);
  g_free (entry);
}

/* The names of the domains the lease store says hold VFs, each once, in the
 * order of their first VF.
 * The lease store rather than libvirt's domain list: it is what says which
 * domains hold pool VFs, and it names them. */
static gboolean
lease_owners (VfpCtl *ctl, GPtrArray **out, GError **error)
{
  g_autoptr (GPtrArray) leases = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (!vfp_lease_list (ctl->ctx->state_dir, &leases, NULL, error))
    return FALSE;
  /* A network pool's VF is libvirt's: nothing here would take it out. */
  vfp_lease_drop_ports (leases);
  for (guint i = 0; i < leases->len; i++)
    {
      const char *name = ((VfpLease *) leases->pdata[i])->owner_name;

      if (name != NULL && !g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
        g_ptr_array_add (names, g_strdup (name));
    }
  *out = g_steal_pointer (&names);
  return TRUE;
}

/* Take the VFs out of domain @name if it runs; NULL if it does not. */
static ShutdownEntry *
unplug_domain (VfpCtl *ctl, const char *name, guint timeout)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpctlDomain) d = NULL;
  ShutdownEntry *entry;

  /* A domain that is gone or stopped holds stale leases: reconcile's job. */
  if (!vfpctl_domain_open (ctl, name, &d, NULL) || !vfpctl_domain_is_running (d))
    return NULL;
  entry = g_new0 (ShutdownEntry, 1);
  entry->name = g_strdup (name);
  if (!vfpctl_unplug_all (ctl, d, name, timeout, FALSE, NULL, &entry->returned, &error))
    entry->error = g_strdup (error->message);
  return entry;
}

static void
print_json (const char *mode, const char *setting, gboolean acted, GPtrArray *entries)
{
  g_autoptr (JsonBuilder) builder = vfpctl_json_begin ();

  vfpctl_json_string (builder, "on_shutdown", mode);
  vfpctl_json_string (builder, "setting", setting);
  vfpctl_json_bool (builder, "acted", acted);
  json_builder_set_member_name (builder, "domains");
  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      ShutdownEntry *entry = entries->pdata[i];

      json_builder_begin_object (builder);
      vfpctl_json_string (builder, "domain", entry->name);
      vfpctl_json_int (builder, "returned", entry->returned);
      vfpctl_json_string (builder, "error", entry->error);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  vfpctl_json_print (builder);
}

int
vfpctl_host_shutdown (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) shutdown_entry_free);
  g_autofree char *timeout_opt = NULL;
  g_autofree char *root = NULL;
  g_autofree char *defaults_file = NULL;
  g_autofree char *script = NULL;
  g_autofree char *setting = NULL;
  g_autofree char *mode = NULL;
  gboolean force = FALSE, acted;
  guint timeout = DETACH_DEFAULT_TIMEOUT;
  guint failed = 0;
  int status;
  const GOptionEntry entries_opt[] = {
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_opt,
      "seconds to wait for a guest to let each VF go (default 30)", "SECONDS" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      "take the VFs out whatever ON_SHUTDOWN says", NULL },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root,
      "read libvirt-guests' settings under DIR (a chroot, tests)", "DIR" },
    VFPCTL_JSON_ENTRY (ctl),
    G_OPTION_ENTRY_NULL
  };

  if (!vfpctl_parse_options (&argc, &argv, entries_opt, NULL, NULL,
                             "At host shutdown, before libvirt-guests saves the running "
                             "domains (ON_SHUTDOWN=suspend): take the pool VFs out of every "
                             "running domain and give them back, so the saves succeed; the "
                             "starts that restore the domains lease VFs again.  Run by "
                             "vfpool-guests.service.", 0, &error))
    return vfpctl_usage_fail (argv[0], error);
  if ((status = vfpctl_unplug_timeout (argv[0], timeout_opt, &timeout)) != VFPCTL_EXIT_OK)
    return status;

  defaults_file = g_build_filename (root ? root : "/", "etc", "default", "libvirt-guests", NULL);
  script = g_build_filename (root ? root : "/", "usr", "lib", "libvirt", "libvirt-guests.sh",
                             NULL);
  mode = vfp_guests_on_shutdown (defaults_file, script, &setting);
  acted = force || g_strcmp0 (mode, "suspend") == 0;
  if (acted)
    {
      if (!lease_owners (ctl, &names, &error))
        return ctl->json ? vfpctl_json_fail (ctl, error) : vfpctl_fail (error);
      for (guint i = 0; i < names->len; i++)
        {
          ShutdownEntry *entry = unplug_domain (ctl, names->pdata[i], timeout);

          if (entry == NULL)
            continue;
          g_ptr_array_add (entries, entry);
          failed += entry->error != NULL;
        }
    }

  if (ctl->json)
    print_json (mode, setting, acted, entries);
  else if (!acted)
    printf ("%s: libvirt-guests does not save domains; nothing to take out\n", setting);
  else if (entries->len == 0)
    printf ("%s: no running domain holds pool VFs\n", setting);
  for (guint i = 0; i < entries->len; i++)
    {
      ShutdownEntry *entry = entries->pdata[i];

      if (entry->error != NULL)
        fprintf (stderr, "vfpoolctl: host-shutdown: domain '%s': %s (%u VF%s given back); "
                 "libvirt-guests cannot save it\n", entry->name, entry->error, entry->returned,
                 entry->returned == 1 ? "" : "s");
      else if (!ctl->json)
        printf ("domain '%s': %u VF%s given back; libvirt-guests can save it, and its "
                "restore leases VFs again\n", entry->name, entry->returned,
                entry->returned == 1 ? "" : "s");
    }
  return failed > 0 ? VFPCTL_EXIT_FAILED : VFPCTL_EXIT_OK;
}
