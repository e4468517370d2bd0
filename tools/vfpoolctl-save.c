/* vfpoolctl-save.c: "managedsave" — save a running domain that holds pool
 * VFs.  libvirt cannot save a domain with a passed-through VF, and with a
 * failover pair the save hung in the e2e fixture (docs/e2e.md); a domain
 * whose VFs left first saves like any other.  So: take every vfpool device
 * out of the guest (waiting until each has left), give the VFs back, then
 * virDomainManagedSave.  The request stays in the saved XML, so the start
 * that restores the domain leases VFs again and hot-plugs them, as a plain
 * start does. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-domain.h"
#include "vfpoolctl-unplug.h"
#include "vfp-error.h"

#include <stdio.h>
#include <string.h>

int
vfpctl_managedsave (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpctlDomain) d = NULL;
  const char *name = NULL;
  g_autofree char *timeout_opt = NULL;
  guint timeout = DETACH_DEFAULT_TIMEOUT;
  guint returned = 0;
  int status;
  const GOptionEntry entries[] = {
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_opt,
      "seconds to wait for the guest to let each VF go (default 30)", "SECONDS" },
    G_OPTION_ENTRY_NULL
  };

  if ((status = vfpctl_parse_domain_options (&argc, &argv, entries, NULL,
                                             "Take the domain's pool VFs out of the guest, give "
                                             "them back, then managed-save it; the start that "
                                             "restores it leases VFs again.", &name))
      != VFPCTL_EXIT_OK)
    return status;
  if ((status = vfpctl_unplug_timeout (argv[0], timeout_opt, &timeout)) != VFPCTL_EXIT_OK)
    return status;
  if (!vfpctl_domain_open (ctl, name, &d, &error))
    goto fail;
  if (!vfpctl_domain_is_running (d))
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "the domain is not running");
      goto fail;
    }
  if (!vfpctl_unplug_all (ctl, d, name, timeout, FALSE, NULL, &returned, &error))
    {
      fprintf (stderr, "vfpoolctl: managedsave: domain '%s': %s; not saved (%u VF%s already "
               "given back: the domain runs without %s until it restarts)\n", name,
               error->message, returned, returned == 1 ? "" : "s",
               returned == 1 ? "it" : "them");
      return 1;
    }
  if (!vfpctl_domain_managed_save (d, &error))
    goto fail;
  printf ("domain '%s': %u VF%s given back, saved; its next start restores it and leases "
          "VFs again\n", name, returned, returned == 1 ? "" : "s");
  return VFPCTL_EXIT_OK;

fail:
  fprintf (stderr, "vfpoolctl: managedsave: domain '%s': %s\n", name, error->message);
  return 1;
}
