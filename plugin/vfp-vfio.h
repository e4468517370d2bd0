/* vfp-vfio.h: hand VFs to vfio-pci ahead of time (pools with managed=no) and
 * back to their host driver, through driver_override — never new_id. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bind VF @vf_pci (under @sysfs_root, NULL = /sys) to vfio-pci: write
 * "vfio-pci" to its driver_override, unbind it from its current driver and
 * ask the kernel to probe it again.  Already on vfio-pci: TRUE, nothing
 * written.  The caller makes sure the VF is not leased: rebinding a VF a
 * domain uses pulls the device from under it.
 *
 * The result is checked afterwards: a VF on any driver but vfio-pci (the
 * one it was on included) is an error naming that driver; unbound, one with
 * the hint to load vfio-pci. */
gboolean vfp_vfio_bind (const char *sysfs_root, const char *vf_pci, GError **error);

/* The reverse: clear driver_override, unbind from vfio-pci and probe, so the
 * VF's host driver (igbvf, iavf…) takes it back.  A VF not on vfio-pci only
 * gets its override cleared.  The host driver not probing it (module not
 * loaded) is not an error: the VF is then unbound, which callers can read. */
gboolean vfp_vfio_unbind (const char *sysfs_root, const char *vf_pci, GError **error);

/* A managed='no' device makes libvirt use the VF as it is: on any driver but
 * vfio-pci QEMU fails late and obscurely.  TRUE if VF @vf_pci is on
 * vfio-pci; else an error naming the VF, its driver, pool @pool and the
 * fix.  Prepare refuses with it before any change, and explain predicts
 * that refusal with the same call. */
gboolean vfp_vfio_check_bound (const char *sysfs_root, const char *vf_pci, const char *pool,
                               GError **error);

G_END_DECLS
