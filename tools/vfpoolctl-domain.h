/* vfpoolctl-domain.h: the few things attach / detach ask of libvirt about one
 * domain, from libvirt or (VFPOOL_LIBVIRT_URI=record:FILE) from the test
 * seam in vfpoolctl-record.c. */
#pragma once

#include <glib.h>
#include "vfpoolctl.h"
#include "vfp-domxml.h"

G_BEGIN_DECLS

typedef struct _VfpctlDomain VfpctlDomain;

/* Look domain @name up (VFP_ERROR_NOT_FOUND: no such domain). */
gboolean vfpctl_domain_open (VfpCtl *ctl, const char *name, VfpctlDomain **out,
                             GError **error);
void vfpctl_domain_free (VfpctlDomain *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpctlDomain, vfpctl_domain_free)

gboolean vfpctl_domain_is_running (VfpctlDomain *d);
/* The live (@live) or the persistent XML, parsed with the hook's parser. */
gboolean vfpctl_domain_get_xml (VfpctlDomain *d, gboolean live, VfpDomXml **out,
                                GError **error);
/* virDomainAttachDeviceFlags (AFFECT_LIVE). */
gboolean vfpctl_domain_attach (VfpctlDomain *d, const char *device_xml, GError **error);
/* virDomainDetachDeviceAlias (AFFECT_LIVE): asks the guest; returns before
 * the device is gone. */
gboolean vfpctl_domain_detach_alias (VfpctlDomain *d, const char *alias, GError **error);
/* virDomainSetMetadata of the vfpool request (@metadata NULL: remove it) in
 * the live or the persistent definition. */
gboolean vfpctl_domain_set_request (VfpctlDomain *d, gboolean live, const char *metadata,
                                    GError **error);

/* virDomainManagedSave: the domain stops, its state in libvirt's image. */
gboolean vfpctl_domain_managed_save (VfpctlDomain *d, GError **error);

/* The flags of vfpctl_domain_migrate beside VIR_MIGRATE_LIVE. */
#define VFPCTL_MIGRATE_PERSISTENT 1      /* VIR_MIGRATE_PERSIST_DEST */
#define VFPCTL_MIGRATE_UNDEFINE_SOURCE 2 /* VIR_MIGRATE_UNDEFINE_SOURCE */

/* Connect to @dest_uri, as `virsh migrate` (without --p2p) does before it
 * migrates: *@dest is that connection, with no domain yet.  The error is
 * libvirt's reason alone. */
gboolean vfpctl_domain_connect_dest (VfpctlDomain *d, const char *dest_uri,
                                     VfpctlDomain **dest, GError **error);
/* virDomainMigrate3 of @d to @dest (from vfpctl_domain_connect_dest), live,
 * @migrate_uri (NULL: libvirt's choice) as VIR_MIGRATE_PARAM_URI: the
 * domain runs on @dest after, and @dest names it.  The error is libvirt's
 * reason alone (the domain still runs here then). */
gboolean vfpctl_domain_migrate (VfpctlDomain *d, VfpctlDomain *dest, const char *migrate_uri,
                                guint flags, GError **error);

G_END_DECLS
