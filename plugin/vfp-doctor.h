/* vfp-doctor.h: host, pool and domain checks as data (for "vfpoolctl
 * doctor"). */
#pragma once

#include <glib.h>
#include "vfp-config.h"
#include "vfp-context.h"
#include "vfp-domxml.h"

G_BEGIN_DECLS

typedef enum {
  VFP_CHECK_PASS,
  VFP_CHECK_WARN,
  VFP_CHECK_FAIL,
} VfpCheckStatus;

/* One finding: what was checked, how it went, what was seen, and the exact
 * command or setting that fixes it (NULL when there is nothing to fix). */
typedef struct {
  char *id;               /* "iommu", "pf-sriov:ens1f0", "domain-hotplug:web1" */
  VfpCheckStatus status;
  char *saw;
  char *fix;
} VfpCheck;

/* Where the host facts the context does not carry live.  Every path is
 * absolute; tests point them into a scratch tree. */
typedef struct {
  const char *sysfs_root;   /* "/sys" */
  const char *proc_root;    /* "/proc" */
  const char *config_dir;   /* "/etc/vfpool" */
  const char *hook_path;    /* "/etc/libvirt/hooks/qemu.d/vfpool" */
  const char *run_root;     /* "/run": NetworkManager's runtime directory */
  const char *etc_root;     /* "/etc": NetworkManager's configuration */
  const char *guests_script;/* "/usr/lib/libvirt/libvirt-guests.sh" (its own
                             * defaults); NULL: not looked at */
} VfpDoctorPaths;

/* A list of VfpCheck*, in the order they were made. */
GPtrArray *vfp_doctor_report_new (void);
void vfp_doctor_add (GPtrArray *report, const char *id, VfpCheckStatus status,
                     const char *fix, const char *saw_format, ...) G_GNUC_PRINTF (5, 6);

/* Every check that needs no libvirt connection: IOMMU, kernel command line,
 * vfio-pci, pool config, each pool PF (SR-IOV, link, driver, VF driver
 * autoprobe), IOMMU groups of pool VFs, idle VFs, NetworkManager, the hook
 * file, AppArmor, the libvirt daemon's start time.  Each broken pool (and an
 * unsafe pools.d) fails "config".  *@config_out (if not NULL) gets the loaded
 * config (broken pools included), or NULL when pools.d cannot be read. */
void vfp_doctor_check_host (const VfpDoctorPaths *paths, GPtrArray *report,
                            VfpConfig **config_out);

/* The state dir (leases) and the history dir: FAIL when either, or a
 * subdirectory, is a symlink, someone else's, or group or world writable
 * (vfp_state_dir_check(), vfp_history_dir_check()), with the fix. */
void vfp_doctor_check_state (const char *state_dir, const char *history_dir,
                             GPtrArray *report);

/* The libvirt library version (virConnectGetLibVersion: major * 1000000 +
 * minor * 1000 + micro) against the 6.5 that qemu.d/ hooks need. */
void vfp_doctor_check_libvirt_version (gulong version, GPtrArray *report);

/* A domain's request: valid, its pools exist and allow it (@config NULL =
 * invalid config, already reported), and on q35 a free pcie-root-port per
 * nic for the plain-start path.  Domains without a request add nothing. */
void vfp_doctor_check_domain (VfpConfig *config, VfpDomXml *dom, GPtrArray *report);

/* Host shutdown: libvirt-guests managed-saves running domains when
 * ON_SHUTDOWN is suspend (vfp-guests-conf.h says how that is read), and a
 * domain holding a pool VF cannot be saved while the VF is in it — a plain
 * VF is refused, and a failover pair's save hung in the e2e fixture — unless
 * vfpool-guests.service (enabled: linked in ETC/systemd/system/
 * multi-user.target.wants) takes the VFs out first.  @running: live
 * VfpDomXml* of the running domains; @leases: every lease (VfpLease*, may
 * be NULL), for the network hook's.  WARN (never FAIL) listing the domains
 * and nics when suspend, the unit is not enabled and a domain holds VFs,
 * or when a running domain holds a VF through a vfpool network (libvirt's
 * port: the unit leaves it in, and libvirt refuses the save), unit or not;
 * PASS otherwise (with the fix as advice when no domain holds VFs now). */
void vfp_doctor_check_shutdown (const VfpDoctorPaths *paths, GPtrArray *running,
                                GPtrArray *leases, GPtrArray *report);

/* The worst status in @report (PASS when empty). */
VfpCheckStatus vfp_doctor_worst (GPtrArray *report);
/* The first check with @id, or NULL (tests). */
VfpCheck *vfp_doctor_find (GPtrArray *report, const char *id);

const char *vfp_check_status_to_string (VfpCheckStatus status);
void vfp_check_free (VfpCheck *check);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpCheck, vfp_check_free)

G_END_DECLS
