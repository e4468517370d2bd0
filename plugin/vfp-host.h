/* vfp-host.h: SR-IOV host discovery from sysfs under a configurable root.
 * Knows PFs, their VFs and the facts allocation and safety checks need; knows
 * nothing about pools or leases. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VfpPf VfpPf;

/* A PF's link as sysfs reports it (net/NETDEV/operstate and carrier). */
typedef enum {
  VFP_LINK_UNKNOWN,     /* no netdev, or neither file says (fake trees, some drivers) */
  VFP_LINK_UP,
  VFP_LINK_DOWN,        /* operstate other than up/unknown, or carrier 0 */
} VfpLink;

typedef struct {
  VfpPf *pf;            /* weak back pointer to the owning PF */
  guint index;          /* N of virtfnN */
  char *pci;            /* "0000:01:10.0" */
} VfpVf;

struct _VfpPf {
  char *pci;            /* "0000:01:00.0" */
  char *netdev;         /* "ens1f0", NULL when the PF has no netdev */
  char *driver;         /* "igb", NULL when unbound (or not read yet:
                         * vfp_pf_driver() knows) */
  gboolean driver_unread; /* VFP_PF_FACT_DRIVER was skipped (and nobody
                         * has asked vfp_pf_driver() since) */
  int numa_node;        /* -1 when unknown or not read (VFP_PF_FACT_NUMA) */
  guint num_vfs;        /* sriov_numvfs (enabled) */
  GPtrArray *vfs;       /* VfpVf*, index i = virtfn i, length num_vfs */
  /* VF i is at PCI domain vf_domain, routing ID vf_rid0 + i * vf_stride,
   * when vf_stride > 0 (the addresses were computed from sriov_offset and
   * sriov_stride); 0: no such rule, compare the vfs' pci strings. */
  guint vf_domain, vf_rid0, vf_stride;
  VfpVf *vf_block;      /* storage of the vfs, one allocation per PF */
  char *pci_block;      /* storage of their pci strings */
  char *phys_port_id;   /* net/NETDEV/phys_port_id, NULL when absent or empty */
  VfpLink link;         /* vfp_pf_link() when it may not have been read */
  char *operstate;      /* as read, for messages; NULL when unreadable */
  gboolean link_unread; /* VFP_PF_FACT_LINK was skipped (and nobody has
                         * asked vfp_pf_link() since) */
};

/* The index of the VF of @pf at PCI address @pci, or -1 when it is not
 * one of @pf's VFs.  Arithmetic on the routing ID when @pf has a stride
 * rule, so a lookup costs the same for 8 VFs or 256. */
int vfp_pf_vf_index (const VfpPf *pf, const char *pci);
/* The same for an address already split by vfp_pci_address_rid(); -1 also
 * when @pf has no stride rule (then only vfp_pf_vf_index() can tell). */
int vfp_pf_vf_index_at (const VfpPf *pf, guint domain, guint rid);

/* Details of one VF read on demand (allocation reads them only for the
 * candidate it picks, so a 1024-VF pool costs one readlink per VF). */
typedef struct {
  char *pci;
  char *netdev;         /* NULL when bound to vfio-pci or unbound */
  char *driver;         /* "igbvf", "vfio-pci", NULL */
  guint vendor, device;
  int numa_node;
  int iommu_group;      /* -1 without IOMMU */
  GStrv iommu_peers;    /* other PCI devices in the same group */
  GStrv iommu_foreign;  /* peers that are not VFs of any PF (unsafe to pass) */
} VfpVfInfo;

/* Resolve @name (a netdev name or a PCI address "DDDD:BB:SS.F") under
 * @sysfs_root and read the PF and its enabled VFs.  VFP_ERROR_NOT_FOUND when
 * there is no such device; VFP_ERROR_INVALID_CONFIG when it is not an SR-IOV
 * PF or SR-IOV is off (num_vfs = 0).  Names with '/' or ".." are refused. */
gboolean vfp_host_read_pf (const char *sysfs_root, const char *name,
                           VfpPf **out, GError **error);
/* The PCI address of PF @name (a netdev name or a PCI address) — one
 * readlink, nothing else read — or NULL when there is no such PCI device
 * (vfp_host_read_pf() says why). */
char *vfp_host_pf_address (const char *sysfs_root, const char *name);

/* Facts about a PF that not every reader needs.  Each costs syscalls per
 * PF on every hook call, so a start leaves out what its request never
 * looks at (VfpSysfs.skip). */
typedef enum {
  VFP_PF_FACT_NUMA = 1 << 0,    /* numa_node (left -1): ranking compares it
                                 * only with a domain's own node */
  VFP_PF_FACT_PORT = 1 << 1,    /* phys_port_id (left NULL, so the port key
                                 * is the PCI address): only bonds compare ports */
  VFP_PF_FACT_DRIVER = 1 << 2,  /* driver: read by vfp_pf_driver() for the
                                 * one PF a start configures a VF of */
  VFP_PF_FACT_LINK = 1 << 3,    /* link and operstate: read by vfp_pf_link()
                                 * for the PFs ranking gets to */
} VfpPfFacts;

/* sysfs for reading many PFs (a pool config of 16 PFs on every start):
 * ROOT/class/net and ROOT/bus/pci/devices are opened on first use and
 * each PF is looked up relative to them, a component or two walked per
 * lookup instead of the whole root.  A directory that cannot be opened
 * (fd -1) means whole paths, as vfp_host_read_pf() uses. */
typedef struct {
  const char *root;     /* vfp_host_root(), borrowed */
  int net_fd;           /* -2: not opened yet */
  int pci_fd;
  VfpPfFacts skip;      /* facts not read; 0: all of them */
} VfpSysfs;

void vfp_sysfs_init (VfpSysfs *sys, const char *sysfs_root);
void vfp_sysfs_clear (VfpSysfs *sys);
/* vfp_host_read_pf() and vfp_host_pf_address() through @sys. */
gboolean vfp_host_read_pf_in (VfpSysfs *sys, const char *name, VfpPf **out, GError **error);
char *vfp_host_pf_address_in (VfpSysfs *sys, const char *name);

gboolean vfp_host_read_vf_info (const char *sysfs_root, const char *vf_pci,
                                VfpVfInfo **out, GError **error);

/* The physical port @pf is a function of: its phys_port_id when the driver
 * reports one (multi-host and NPAR functions share it), else its PCI
 * address.  Two PFs with the same key are one port. */
const char *vfp_pf_port_key (const VfpPf *pf);
/* The driver @pf is bound to (NULL when unbound), read from sysfs under
 * @sysfs_root now if the read that made @pf skipped it. */
const char *vfp_pf_driver (VfpPf *pf, const char *sysfs_root);
/* @pf's link, read from sysfs under @sysfs_root now if the read that made
 * @pf skipped it. */
VfpLink vfp_pf_link (VfpPf *pf, const char *sysfs_root);
/* The link of interface @netdev under @sysfs_root, as host discovery reads
 * it for a PF; *@operstate gets the operstate text (NULL when unreadable). */
VfpLink vfp_host_read_link (const char *sysfs_root, const char *netdev, char **operstate);
/* "up", "down" or "unknown". */
const char *vfp_link_to_string (VfpLink link);

/* @sysfs_root, or "/sys" when it is NULL or empty. */
const char *vfp_host_root (const char *sysfs_root);

/* TRUE for a well-formed "DDDD:BB:SS.F" (lower-case hex). */
gboolean vfp_pci_address_is_valid (const char *text);
/* Split into numbers (for domain XML <address>). */
gboolean vfp_pci_address_parse (const char *text, guint *domain, guint *bus,
                                guint *slot, guint *function);
/* The same as domain and 16-bit routing ID (bus << 8 | slot << 3 | function). */
gboolean vfp_pci_address_rid (const char *text, guint *domain, guint *rid);

void vfp_pf_free (VfpPf *pf);
void vfp_vf_info_free (VfpVfInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpPf, vfp_pf_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpVfInfo, vfp_vf_info_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VfpSysfs, vfp_sysfs_clear)

G_END_DECLS
