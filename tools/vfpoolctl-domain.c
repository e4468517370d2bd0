/* vfpoolctl-domain.c: one domain as attach / detach see it — libvirt, or the
 * record:FILE seam. */
#include "config.h"
#include "vfpoolctl-domain.h"
#include "vfpoolctl-record.h"
#include "vfp-error.h"

#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* The prefix libvirt gives the request element (as `vfpoolctl request`). */
#define VFP_REQUEST_KEY "vfpool"

struct _VfpctlDomain {
  char *name;
  gboolean record;
  VfpctlRecord rec;     /* record: the seam's files */
  char *dest_uri;       /* a destination (vfpctl_domain_connect_dest): its URI */
  char *rec_file;       /* record destination: the strings rec points to */
  char *rec_run_dir;
  virConnectPtr conn;
  virDomainPtr dom;
};

static void
silence_libvirt (void *data, virErrorPtr err)
{
}

static gboolean
domain_error (VfpctlDomain *d, GError **error)
{
  g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "domain '%s': %s", d->name,
               virGetLastErrorMessage ());
  return FALSE;
}

gboolean
vfpctl_domain_open (VfpCtl *ctl, const char *name, VfpctlDomain **out, GError **error)
{
  g_autoptr (VfpctlDomain) d = g_new0 (VfpctlDomain, 1);
  const char *uri = ctl->ctx->libvirt_uri;

  d->name = g_strdup (name);
  if (g_str_has_prefix (uri, VFPCTL_RECORD_PREFIX))
    {
      d->record = TRUE;
      d->rec.file = uri + strlen (VFPCTL_RECORD_PREFIX);
      d->rec.run_dir = ctl->ctx->libvirt_run_dir;
      d->rec.name = d->name;
      if (!vfpctl_record_exists (&d->rec))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "domain '%s': no such domain",
                       name);
          return FALSE;
        }
      *out = g_steal_pointer (&d);
      return TRUE;
    }
  virSetErrorFunc (NULL, silence_libvirt);
  if ((d->conn = virConnectOpen (uri)) == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s: %s", uri, virGetLastErrorMessage ());
      return FALSE;
    }
  if ((d->dom = virDomainLookupByName (d->conn, name)) == NULL)
    return domain_error (d, error);
  *out = g_steal_pointer (&d);
  return TRUE;
}

void
vfpctl_domain_free (VfpctlDomain *d)
{
  if (d == NULL)
    return;
  if (d->dom != NULL)
    virDomainFree (d->dom);
  if (d->conn != NULL)
    virConnectClose (d->conn);
  g_free (d->name);
  g_free (d->dest_uri);
  g_free (d->rec_file);
  g_free (d->rec_run_dir);
  g_free (d);
}

gboolean
vfpctl_domain_is_running (VfpctlDomain *d)
{
  return d->record ? vfpctl_record_is_running (&d->rec) : virDomainIsActive (d->dom) == 1;
}

gboolean
vfpctl_domain_get_xml (VfpctlDomain *d, gboolean live, VfpDomXml **out, GError **error)
{
  g_autofree char *text = NULL;

  if (d->record)
    {
      if (!vfpctl_record_get_xml (&d->rec, live, &text, error))
        return FALSE;
    }
  else
    {
      char *got;

      if (!live && virDomainIsPersistent (d->dom) != 1)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                       "domain '%s' is transient: it has no persistent definition for "
                       "--config", d->name);
          return FALSE;
        }
      if ((got = virDomainGetXMLDesc (d->dom, live ? 0 : VIR_DOMAIN_XML_INACTIVE)) == NULL)
        return domain_error (d, error);
      text = g_strdup (got);
      free (got);
    }
  if (!vfp_domxml_parse (text, strlen (text), out, error))
    {
      g_prefix_error (error, "domain '%s' %s XML: ", d->name, live ? "live" : "persistent");
      return FALSE;
    }
  return TRUE;
}

gboolean
vfpctl_domain_attach (VfpctlDomain *d, const char *device_xml, GError **error)
{
  if (d->record)
    return vfpctl_record_attach (&d->rec, device_xml, error);
  return virDomainAttachDeviceFlags (d->dom, device_xml, VIR_DOMAIN_AFFECT_LIVE) == 0
         || domain_error (d, error);
}

gboolean
vfpctl_domain_detach_alias (VfpctlDomain *d, const char *alias, GError **error)
{
  if (d->record)
    return vfpctl_record_detach_alias (&d->rec, alias, error);
  return virDomainDetachDeviceAlias (d->dom, alias, VIR_DOMAIN_AFFECT_LIVE) == 0
         || domain_error (d, error);
}

gboolean
vfpctl_domain_set_request (VfpctlDomain *d, gboolean live, const char *metadata,
                           GError **error)
{
  if (d->record)
    return vfpctl_record_set_request (&d->rec, live, metadata, error);
  return virDomainSetMetadata (d->dom, VIR_DOMAIN_METADATA_ELEMENT, metadata,
                               metadata != NULL ? VFP_REQUEST_KEY : NULL, VFP_REQUEST_NS,
                               live ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG) == 0
         || domain_error (d, error);
}

gboolean
vfpctl_domain_managed_save (VfpctlDomain *d, GError **error)
{
  if (d->record)
    return vfpctl_record_managed_save (&d->rec, error);
  return virDomainManagedSave (d->dom, 0) == 0 || domain_error (d, error);
}

gboolean
vfpctl_domain_connect_dest (VfpctlDomain *d, const char *dest_uri, VfpctlDomain **dest,
                            GError **error)
{
  g_autoptr (VfpctlDomain) out = g_new0 (VfpctlDomain, 1);

  out->name = g_strdup (d->name);
  out->dest_uri = g_strdup (dest_uri);
  if (d->record)
    {
      g_autofree char *fail = g_strconcat (d->rec.file, ".fail-connect", NULL);
      g_autofree char *why = NULL;

      if (g_file_get_contents (fail, &why, NULL, NULL))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", g_strstrip (why));
          return FALSE;
        }
      out->record = TRUE;
      out->rec_file = g_strconcat (d->rec.file, VFPCTL_RECORD_DEST, NULL);
      out->rec_run_dir = g_strconcat (out->rec_file, ".run", NULL);
      out->rec = (VfpctlRecord) { out->rec_file, out->rec_run_dir, out->name };
      *dest = g_steal_pointer (&out);
      return TRUE;
    }
  /* virsh connects to the destination this way (virshConnect): the default
   * authentication callback asks for what a remote URI needs. */
  if ((out->conn = virConnectOpenAuth (dest_uri, virConnectAuthPtrDefault, 0)) == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", virGetLastErrorMessage ());
      return FALSE;
    }
  *dest = g_steal_pointer (&out);
  return TRUE;
}

gboolean
vfpctl_domain_migrate (VfpctlDomain *d, VfpctlDomain *dest, const char *migrate_uri,
                       guint flags, GError **error)
{
  virTypedParameterPtr params = NULL;
  int nparams = 0, maxparams = 0;
  unsigned int vflags = VIR_MIGRATE_LIVE;

  if (d->record)
    return vfpctl_record_migrate (&d->rec, &dest->rec, dest->dest_uri, migrate_uri,
                                  (flags & VFPCTL_MIGRATE_PERSISTENT) != 0,
                                  (flags & VFPCTL_MIGRATE_UNDEFINE_SOURCE) != 0, error);
  if (flags & VFPCTL_MIGRATE_PERSISTENT)
    vflags |= VIR_MIGRATE_PERSIST_DEST;
  if (flags & VFPCTL_MIGRATE_UNDEFINE_SOURCE)
    vflags |= VIR_MIGRATE_UNDEFINE_SOURCE;
  /* `virsh migrate --live DOMAIN DEST-URI [--migrateuri URI]` without --p2p:
   * virDomainMigrate3 over both connections, the URI as a parameter. */
  if (migrate_uri != NULL
      && virTypedParamsAddString (&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_URI,
                                  migrate_uri) < 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", virGetLastErrorMessage ());
      return FALSE;
    }
  dest->dom = virDomainMigrate3 (d->dom, dest->conn, params, nparams, vflags);
  virTypedParamsFree (params, nparams);
  if (dest->dom == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", virGetLastErrorMessage ());
      return FALSE;
    }
  return TRUE;
}
