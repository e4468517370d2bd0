/* vfp-netlink.h: the kernel interface for VF state, as a small vtable with a
 * libnl implementation and a recording fake, so the same callers and tests run
 * on both (NetworkManager's platform pattern). */
#pragma once

#include <glib.h>
#include "vfp-vf-config.h"

G_BEGIN_DECLS

typedef struct _VfpNetlink VfpNetlink;

typedef struct {
  /* Read every knob of VF @vf_index of @pf_netdev into @out (out->set gets
   * every knob the backend could read).  @out is untouched on failure. */
  gboolean (*get_vf) (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
                      VfpVfConfig *out, GError **error);
  /* Apply exactly one knob (@knob, a single VfpKnob bit) from @cfg.  A driver
   * refusal is VFP_ERROR_UNSUPPORTED for EOPNOTSUPP/EPROTONOSUPPORT/EINVAL
   * (other errnos are G_FILE_ERROR),
   * with the kernel's errno text in the message. */
  gboolean (*set_vf) (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
                      VfpKnob knob, const VfpVfConfig *cfg, GError **error);
  void (*free) (VfpNetlink *nl);
} VfpNetlinkOps;

struct _VfpNetlink {
  const VfpNetlinkOps *ops;
};

/* Open a backend from its spec: NULL or "kernel" for libnl, "fake:FILE" for
 * the recording fake (see vfp-netlink-fake.c for the file formats). */
VfpNetlink *vfp_netlink_open (const char *spec, GError **error);

VfpNetlink *vfp_netlink_kernel_new (GError **error);
VfpNetlink *vfp_netlink_fake_new (const char *record_path, GError **error);

gboolean vfp_netlink_get_vf (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
                             VfpVfConfig *out, GError **error);
gboolean vfp_netlink_set_vf (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
                             VfpKnob knob, const VfpVfConfig *cfg, GError **error);
void vfp_netlink_free (VfpNetlink *nl);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpNetlink, vfp_netlink_free)

G_END_DECLS
