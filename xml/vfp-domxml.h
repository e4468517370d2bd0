/* vfp-domxml.h: a libvirt domain XML document, parsed safely (no network, no
 * DTD, no entities, size cap), and the edits vfpool makes to it: add, list,
 * remove and re-point its devices (alias "ua-vfpool-N"). */
#pragma once

#include <glib.h>
#include "vfp-vf-config.h"

G_BEGIN_DECLS

/* Hard cap on the size of a domain XML we parse (bytes). */
#define VFP_DOMXML_MAX_SIZE (4 * 1024 * 1024)
/* Longest domain name (bytes) vfpool serves: libvirt keeps RUNDIR/NAME.pid,
 * which must fit NAME_MAX (255), so a longer name cannot run anyway. */
#define VFP_DOMAIN_NAME_MAX 250
#define VFP_ALIAS_PREFIX "ua-vfpool-"
/* The virtio standby vfpool adds for a failover nic: "ua-vfpool-sbN".  Not a
 * vfpool device in the sense of list_devices (N is not a number there). */
#define VFP_STANDBY_ALIAS_PREFIX "ua-vfpool-sb"
#define VFP_REQUEST_NS "urn:vfpool:domain:1"

typedef enum {
  VFP_FORM_HOSTDEV,     /* <hostdev mode='subsystem' type='pci' managed='yes'|'no'> */
  VFP_FORM_INTERFACE,   /* <interface type='hostdev' managed='yes'> with mac/vlan */
} VfpDeviceForm;

/* failover= of a request nic or a pool: UNSET leaves it to the other side
 * (a pool's UNSET means no). */
typedef enum {
  VFP_FAILOVER_UNSET = 0,
  VFP_FAILOVER_NO,
  VFP_FAILOVER_YES,
} VfpFailover;

typedef struct _VfpDomXml VfpDomXml;

/* A vfpool device found in the XML. */
typedef struct {
  guint nic;            /* N of ua-vfpool-N */
  char *pci;            /* source address as "DDDD:BB:SS.F" */
  VfpDeviceForm form;
  gboolean failover;    /* has <teaming type='transient'/>: QEMU unplugs it to save */
} VfpDomDevice;

/* Cheap pre-check on raw text: TRUE if @data may concern vfpool (mentions the
 * request namespace or a vfpool alias).  Lets the hook leave other domains
 * alone without parsing. */
gboolean vfp_domxml_mentions_vfpool (const char *data, gsize len);
/* Cheaper still: the UUID of the first <uuid> element of raw domain XML
 * (libvirt writes <name> and <uuid> first, ahead of any metadata), in the
 * canonical form, or NULL.  For release end, which must find a domain's
 * leases even when its XML no longer mentions vfpool. */
char *vfp_domxml_peek_uuid (const char *data, gsize len);

/* Parse.  Refuses: more than VFP_DOMXML_MAX_SIZE bytes, malformed XML, any
 * DTD/internal subset/entity, a root other than <domain>, a missing <name>
 * or malformed <uuid>.  Errors are VFP_ERROR_INVALID_REQUEST. */
gboolean vfp_domxml_parse (const char *data, gsize len, VfpDomXml **out, GError **error);

const char *vfp_domxml_get_name (VfpDomXml *dom);
const char *vfp_domxml_get_uuid (VfpDomXml *dom);   /* lower-case, dashed */
/* libvirt's id of a running instance (<domain id='N'> of a live XML), 0 when
 * the XML has none (inactive XML). */
guint vfp_domxml_get_id (VfpDomXml *dom);
/* First host NUMA node of <numatune><memory nodeset=…>, -1 when none. */
int vfp_domxml_get_numa_node (VfpDomXml *dom);
/* Number of free hot-plug slots: on q35, pcie-root-port controllers no device
 * sits on; G_MAXUINT for machine types that hot-plug on the root bus (pc). */
guint vfp_domxml_count_free_hotplug_slots (VfpDomXml *dom);
/* The lowest-numbered pcie-root-port no device sits on, -1 when none (where
 * libvirt puts a hot-plugged device; the CLI's record seam plays that). */
int vfp_domxml_first_free_hotplug_port (VfpDomXml *dom);

/* The vfpool devices (VfpDomDevice*, sorted by nic). */
GPtrArray *vfp_domxml_list_devices (VfpDomXml *dom);

/* Append a device for nic @nic on VF @vf_pci.  For VFP_FORM_INTERFACE @cfg's
 * MAC and VLAN go into <mac>/<vlan>.  Fails if alias ua-vfpool-@nic exists. */
gboolean vfp_domxml_add_device (VfpDomXml *dom, guint nic, const char *vf_pci,
                                VfpDeviceForm form, const VfpVfConfig *cfg,
                                GError **error);
/* The same with managed='no' when !@managed: libvirt then leaves the VF's
 * driver alone, so it must already be bound to vfio-pci (vfpoolctl vfio-bind). */
gboolean vfp_domxml_add_device_full (VfpDomXml *dom, guint nic, const char *vf_pci,
                                     VfpDeviceForm form, gboolean managed,
                                     const VfpVfConfig *cfg, GError **error);
/* Change the source address of ua-vfpool-@nic to @vf_pci (restore/migrate). */
gboolean vfp_domxml_repoint_device (VfpDomXml *dom, guint nic, const char *vf_pci,
                                    GError **error);
/* Failover (docs/GUIDE.md "Host shutdown and VFs"): nic @nic as
 * <interface type='hostdev'> with <teaming type='transient'> pointing at a
 * virtio standby with the same MAC (@cfg must set one).  A standby already in
 * the XML (vfp_domxml_find_standby) is used; otherwise one on libvirt network
 * @network, alias ua-vfpool-sbN, is added after the VF. */
gboolean vfp_domxml_add_failover_device (VfpDomXml *dom, guint nic, const char *vf_pci,
                                         gboolean managed, const VfpVfConfig *cfg,
                                         const char *network, GError **error);
/* What counts as the standby already present for MAC @mac: an <interface>
 * other than type='hostdev' with that MAC, <teaming type='persistent'/> and
 * a user alias ("ua-…", which the VF's teaming names).  *@alias = its alias,
 * or NULL when no interface has the MAC.  An interface with the MAC that is
 * not such a standby fails (VFP_ERROR_INVALID_REQUEST naming the MAC; the
 * caller adds domain and nic). */
gboolean vfp_domxml_find_standby (VfpDomXml *dom, const guint8 mac[6], char **alias,
                                  GError **error);
/* Remove every vfpool device and every standby vfpool added (alias
 * ua-vfpool-sbN); returns how many elements were removed. */
guint vfp_domxml_remove_devices (VfpDomXml *dom);

/* Remove the vfpool device of nic @nic; FALSE when there is none. */
gboolean vfp_domxml_remove_device (VfpDomXml *dom, guint nic);

/* The standalone device element, for virDomainAttachDeviceFlags. */
char *vfp_domxml_device_to_string (guint nic, const char *vf_pci, VfpDeviceForm form,
                                   const VfpVfConfig *cfg);
char *vfp_domxml_device_to_string_full (guint nic, const char *vf_pci, VfpDeviceForm form,
                                        gboolean managed, const VfpVfConfig *cfg);

/* The failover VF (teaming transient, persistent=@standby_alias) and its
 * standby, standalone, for the hot-plug worker (standby first). */
char *vfp_domxml_failover_device_to_string (guint nic, const char *vf_pci, gboolean managed,
                                            const VfpVfConfig *cfg, const char *standby_alias);
char *vfp_domxml_standby_to_string (guint nic, const VfpVfConfig *cfg, const char *network);

/* Serialise the (edited) document. */
char *vfp_domxml_to_string (VfpDomXml *dom);

/* Internal to xml/: the libxml2 document, for vfp-request.c. */
struct _xmlDoc *vfp_domxml_get_doc (VfpDomXml *dom);

void vfp_domxml_free (VfpDomXml *dom);
void vfp_dom_device_free (VfpDomDevice *dev);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpDomXml, vfp_domxml_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpDomDevice, vfp_dom_device_free)

G_END_DECLS
