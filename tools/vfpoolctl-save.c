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
#include "vfp-attach.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-lease.h"

#include <stdio.h>
#include <string.h>

/* Take the vfpool devices of @live out of the guest one by one and give
 * their VFs back.  FALSE with @error naming the nic that did not leave. */
static gboolean
unplug_all (VfpCtl *ctl, VfpctlDomain *d, const char *name, VfpDomXml *live, guint timeout,
            guint *returned, GError **error)
{
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (live);
  g_autoptr (GPtrArray) leases = NULL;
  const char *uuid = vfp_domxml_get_uuid (live);

  *returned = 0;
  if (!vfp_lease_list_owner (ctl->ctx->state_dir, uuid, &leases, NULL, error))
    return FALSE;
  vfp_lease_drop_ports (leases);
  for (guint i = 0; i < devices->len; i++)
    {
      guint nic = ((VfpDomDevice *) devices->pdata[i])->nic;
      const VfpLease *lease = vfp_attach_find_lease (leases, nic);
      gboolean gone = FALSE, released = FALSE;

      if (!vfpctl_detach_and_wait (d, nic, timeout, &gone, error))
        return FALSE;
      if (!gone)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                       "nic %u: the guest did not release device %s%u within %u s; not saved "
                       "(%u VF%s already given back: the domain runs without %s until it "
                       "restarts)", nic, VFP_ALIAS_PREFIX, nic, timeout, *returned,
                       *returned == 1 ? "" : "s", *returned == 1 ? "it" : "them");
          return FALSE;
        }
      if (lease != NULL && !vfpctl_release_detached (ctl, name, lease, &released, error))
        return FALSE;
      *returned += released;
    }
  return TRUE;
}

int
vfpctl_managedsave (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpctlDomain) d = NULL;
  g_autoptr (VfpDomXml) live = NULL;
  const char *name = NULL;
  g_autofree char *timeout_opt = NULL;
  guint64 timeout = DETACH_DEFAULT_TIMEOUT;
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
  if (timeout_opt != NULL
      && !g_ascii_string_to_unsigned (timeout_opt, 10, 0, DETACH_MAX_TIMEOUT, &timeout, NULL))
    return vfpctl_usage (argv[0], "--timeout '%s' is not a number of seconds (0-%d)",
                         timeout_opt, DETACH_MAX_TIMEOUT);
  if (!vfpctl_domain_open (ctl, name, &d, &error))
    goto fail;
  if (!vfpctl_domain_is_running (d))
    {
      g_set_error (&error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "the domain is not running");
      goto fail;
    }
  if (!vfpctl_domain_get_xml (d, TRUE, &live, &error)
      || !unplug_all (ctl, d, name, live, (guint) timeout, &returned, &error)
      || !vfpctl_domain_managed_save (d, &error))
    goto fail;
  printf ("domain '%s': %u VF%s given back, saved; its next start restores it and leases "
          "VFs again\n", name, returned, returned == 1 ? "" : "s");
  return VFPCTL_EXIT_OK;

fail:
  fprintf (stderr, "vfpoolctl: managedsave: domain '%s': %s\n", name, error->message);
  return 1;
}
