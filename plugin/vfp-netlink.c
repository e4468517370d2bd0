/* vfp-netlink.c: choosing a VF backend from its spec, and the calls every caller goes through. */
#include "config.h"

#include "vfp-netlink.h"
#include "vfp-error.h"

#include <string.h>

#define VFP_NETLINK_FAKE_PREFIX "fake:"

VfpNetlink *
vfp_netlink_open (const char *spec, GError **error)
{
  if (spec == NULL || strcmp (spec, "kernel") == 0)
    return vfp_netlink_kernel_new (error);

  if (g_str_has_prefix (spec, VFP_NETLINK_FAKE_PREFIX)
      && spec[strlen (VFP_NETLINK_FAKE_PREFIX)] != '\0')
    return vfp_netlink_fake_new (spec + strlen (VFP_NETLINK_FAKE_PREFIX), error);

  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
               "VFPOOL_NETLINK '%s' is not 'kernel' or 'fake:FILE'", spec);
  return NULL;
}

/* A knob argument with several or no bits would make a backend send several
 * attributes in one request (or none), which the design forbids. */
static gboolean
vfp_netlink_check_knob (VfpKnob knob, GError **error)
{
  guint k = (guint) knob;

  if (k == 0 || (k & ~(guint) VFP_KNOB_ALL) != 0 || (k & (k - 1)) != 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "internal error: VF knob mask 0x%x is not exactly one knob", k);
      return FALSE;
    }
  return TRUE;
}

gboolean
vfp_netlink_get_vf (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
                    VfpVfConfig *out, GError **error)
{
  VfpVfConfig tmp = { 0 };

  /* read into a temporary so @out stays untouched on failure whatever the
   * backend does */
  if (!nl->ops->get_vf (nl, pf_netdev, vf_index, &tmp, error))
    return FALSE;
  *out = tmp;
  return TRUE;
}

gboolean
vfp_netlink_set_vf (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
                    VfpKnob knob, const VfpVfConfig *cfg, GError **error)
{
  if (!vfp_netlink_check_knob (knob, error))
    return FALSE;
  return nl->ops->set_vf (nl, pf_netdev, vf_index, knob, cfg, error);
}

void
vfp_netlink_free (VfpNetlink *nl)
{
  if (nl == NULL)
    return;
  nl->ops->free (nl);
}
