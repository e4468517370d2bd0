/* vfpoolctl-unplug.c: take a vfpool device out of a running guest and give
 * its VF back — what detach and managedsave share.  libvirt's success at a
 * detach means only that the guest was asked; the VF is given back once the
 * device has left the live XML, and only if its lease is unchanged. */
#include "config.h"
#include "vfpoolctl-unplug.h"
#include "vfp-attach.h"
#include "vfp-error.h"
#include "vfp-lifecycle.h"

#include <stdio.h>
#include <string.h>

/* How often the live XML is looked at while the guest lets a device go. */
#define DETACH_POLL_USEC (G_USEC_PER_SEC / 5)

/* *@plugged: whether the live XML of @d has the device of nic @nic.  FALSE
 * when that cannot be told (the domain stopped, its XML unreadable). */
gboolean
vfpctl_nic_plugged (VfpctlDomain *d, guint nic, gboolean *plugged)
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
gboolean
vfpctl_detach_and_wait (VfpctlDomain *d, guint nic, guint timeout, gboolean *gone, GError **error)
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
      if (vfpctl_nic_plugged (d, nic, &plugged) && !plugged)
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
gboolean
vfpctl_release_detached (VfpCtl *ctl, const char *name, const VfpLease *seen, gboolean *released,
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


/* Take the vfpool devices of @d out of the guest one by one and give their
 * VFs back, with those of leased nics whose device already left (a detach
 * that timed out, and a guest that let go since).  Stops at the first
 * device the guest keeps: FALSE with @error naming that nic; *@returned
 * counts the VFs given back before it, @given_back (unless NULL) takes
 * their leases.  With @keep_failover a failover pair's VF stays in the
 * guest (migrate: QEMU unplugs it itself and the destination re-points
 * it). */
gboolean
vfpctl_unplug_all (VfpCtl *ctl, VfpctlDomain *d, const char *name, guint timeout,
                   gboolean keep_failover, GPtrArray *given_back, guint *returned,
                   GError **error)
{
  g_autoptr (VfpDomXml) live = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GPtrArray) leases = NULL;
  g_autoptr (GArray) nics = NULL;

  *returned = 0;
  if (!vfpctl_domain_get_xml (d, TRUE, &live, error)
      || !vfp_lease_list_owner (ctl->ctx->state_dir, vfp_domxml_get_uuid (live), &leases, NULL,
                                error))
    return FALSE;
  /* A network pool's VF (a port libvirt allocated) is libvirt's to unplug. */
  vfp_lease_drop_ports (leases);
  devices = vfp_domxml_list_devices (live);
  nics = vfp_attach_list_nics (devices, leases);
  for (guint i = 0; i < nics->len; i++)
    {
      guint nic = g_array_index (nics, guint, i);
      VfpLease *lease = vfp_attach_find_lease (leases, nic);
      const VfpDomDevice *device = vfp_attach_find_device (devices, nic);
      gboolean gone = device == NULL, released = FALSE;
      guint at;

      if (keep_failover && device != NULL && device->failover)
        continue;

      if (!gone && !vfpctl_detach_and_wait (d, nic, timeout, &gone, error))
        return FALSE;
      if (!gone)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                       "nic %u: the guest did not release device %s%u within %u s", nic,
                       VFP_ALIAS_PREFIX, nic, timeout);
          return FALSE;
        }
      if (lease != NULL && !vfpctl_release_detached (ctl, name, lease, &released, error))
        return FALSE;
      *returned += released;
      if (released && given_back != NULL && g_ptr_array_find (leases, lease, &at))
        g_ptr_array_add (given_back, g_ptr_array_steal_index (leases, at));
    }
  return TRUE;
}

int
vfpctl_unplug_timeout (const char *command, const char *option, guint *timeout)
{
  guint64 value;

  if (option == NULL)
    return VFPCTL_EXIT_OK;
  if (!g_ascii_string_to_unsigned (option, 10, 0, DETACH_MAX_TIMEOUT, &value, NULL))
    return vfpctl_usage (command, "--timeout '%s' is not a number of seconds (0-%d)", option,
                         DETACH_MAX_TIMEOUT);
  *timeout = (guint) value;
  return VFPCTL_EXIT_OK;
}
