/* vfpoolctl-plug.c: lease a VF for one nic of a running domain and hot-plug
 * it — the core of attach, and how migrate puts a VF back after a failed
 * migration.  The lease follows the rules of a start (the library's
 * vfp_lifecycle_attach_nic); the libvirt calls go through
 * vfpoolctl-domain.h so the record:FILE seam can stand in for libvirt. */
#include "config.h"
#include "vfpoolctl-plug.h"
#include "vfpoolctl-unplug.h"
#include "vfp-error.h"
#include "vfp-lifecycle.h"

#include <stdio.h>

/* A failover nic (the lease names its standby's network): plug the virtio
 * standby first unless the live XML has one for the MAC — the VF's teaming
 * names it, and libvirt refuses the VF without it — as the hot-plug worker
 * does.  *@device gets the VF's XML.  A standby plugged before a VF that
 * then fails stays in the guest until it stops (a virtio NIC, no VF). */
static gboolean
plug_standby (VfpctlDomain *d, VfpDomXml *live, guint nic, const VfpLease *lease,
              char **device, GError **error)
{
  g_autofree char *standby = NULL;
  g_autofree char *standby_xml = NULL;

  if (lease->failover_network == NULL)
    {
      *device = vfp_domxml_device_to_string_full (nic, lease->vf_pci, lease->form,
                                                  lease->managed, &lease->applied);
      return TRUE;
    }
  if (!vfp_domxml_find_standby (live, lease->applied.mac, &standby, error))
    return FALSE;
  if (standby == NULL)
    {
      standby = g_strdup_printf (VFP_STANDBY_ALIAS_PREFIX "%u", nic);
      standby_xml = vfp_domxml_standby_to_string (nic, &lease->applied,
                                                  lease->failover_network);
      if (!vfpctl_domain_attach (d, standby_xml, error))
        {
          g_prefix_error (error, "virtio standby on network '%s': ", lease->failover_network);
          return FALSE;
        }
    }
  *device = vfp_domxml_failover_device_to_string (nic, lease->vf_pci, lease->managed,
                                                  &lease->applied, standby);
  return TRUE;
}

gboolean
vfpctl_plug_nic (VfpCtl *ctl, VfpctlDomain *d, VfpDomXml *live, guint nic, VfpLease **out,
                 GError **error)
{
  g_autoptr (VfpLease) lease = NULL;
  g_autoptr (GError) release_error = NULL;
  g_autoptr (GPtrArray) warnings = NULL;
  g_autofree char *device = NULL;
  gboolean restored, plugged = FALSE;

  if (!vfp_lifecycle_attach_nic (ctl->ctx, live, nic, &lease, error))
    return FALSE;
  if (plug_standby (d, live, nic, lease, &device, error)
      && vfpctl_domain_attach (d, device, error))
    {
      *out = g_steal_pointer (&lease);
      return TRUE;
    }
  /* The device reached the guest after all (libvirt's answer was lost or
   * late): restoring the VF now would reset it under the guest. */
  if (vfpctl_nic_plugged (d, nic, &plugged) && plugged)
    {
      g_prefix_error (error, "libvirt reported a failure but device %s%u is in the guest; "
                      "VF %s stays leased until release end: ", VFP_ALIAS_PREFIX, nic,
                      lease->vf_pci);
      return FALSE;
    }
  warnings = g_ptr_array_new_with_free_func (g_free);
  restored = vfp_lifecycle_release_vf (ctl->ctx, lease->owner_uuid, lease->vf_pci,
                                       lease->start_id, warnings, &release_error);
  g_prefix_error (error, "hot-plug of VF %s failed (%s): ", lease->vf_pci,
                  restored ? "VF restored and released" : release_error->message);
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, "vfpoolctl: warning: %s\n", (const char *) warnings->pdata[i]);
  return FALSE;
}
