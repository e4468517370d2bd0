/* vfpoolctl-migrations.c: which way a lease holder is migrating, as libvirt
 * tells it.  The hooks cannot know: libvirt runs none on the source when a
 * migration starts, and on the destination the lease is taken at `prepare`
 * before the incoming domain ever runs; only libvirt's job says it. */
#include "config.h"
#include "vfpoolctl-migrations.h"
#include "vfpoolctl-record.h"

#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static void
ignore_libvirt_error (void *data, virErrorPtr err)
{
}

/* The record seam: FILE.migrating, "NAME in|out" per line. */
static GHashTable *
ask_record (const char *file, GHashTable *owners)
{
  g_autofree char *path = g_strconcat (file, ".migrating", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  gpointer uuid, name;

  if (g_file_get_contents (path, &text, NULL, NULL))
    lines = g_strsplit (text, "\n", -1);
  g_hash_table_iter_init (&it, owners);
  while (g_hash_table_iter_next (&it, &uuid, &name))
    {
      const char *way = "none";

      for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
        {
          g_auto (GStrv) f = g_strsplit (lines[i], " ", 2);
          if (f[0] != NULL && f[1] != NULL && g_strcmp0 (f[0], name) == 0)
            way = strcmp (f[1], "in") == 0 ? "in" : strcmp (f[1], "out") == 0 ? "out" : way;
        }
      g_hash_table_insert (out, g_strdup (uuid), (gpointer) way);
    }
  return out;
}

static const char *
ask_domain (virDomainPtr dom)
{
  virTypedParameterPtr params = NULL;
  int type = VIR_DOMAIN_JOB_NONE, nparams = 0, op = 0, state = 0, reason = 0;
  const char *way = "none";

  if (virDomainGetJobStats (dom, &type, &params, &nparams, 0) == 0)
    {
      if (type != VIR_DOMAIN_JOB_NONE
          && virTypedParamsGetInt (params, nparams, VIR_DOMAIN_JOB_OPERATION, &op) == 1)
        way = op == VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT  ? "out"
              : op == VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN ? "in"
                                                            : "none";
      virTypedParamsFree (params, nparams);
      return way;
    }
  /* libvirt's QEMU driver refuses job statistics on the destination of a
   * migration ("available only on the source host"); the incoming domain
   * is paused for it meanwhile. */
  if (virGetLastErrorCode () == VIR_ERR_OPERATION_UNSUPPORTED
      && virDomainGetState (dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED
      && (reason == VIR_DOMAIN_PAUSED_MIGRATION || reason == VIR_DOMAIN_PAUSED_STARTING_UP))
    return "in";
  return "none";
}

GHashTable *
vfpctl_migrations_ask (VfpCtl *ctl, GHashTable *owners)
{
  const char *uri = ctl->ctx->libvirt_uri;
  GHashTable *out;
  GHashTableIter it;
  gpointer uuid;
  virConnectPtr conn;

  if (g_hash_table_size (owners) == 0)
    return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_str_has_prefix (uri, VFPCTL_RECORD_PREFIX))
    return ask_record (uri + strlen (VFPCTL_RECORD_PREFIX), owners);
  virSetErrorFunc (NULL, ignore_libvirt_error);
  /* Read-only: status needs no root, and asks nothing a read-only
   * connection may not (job statistics, state). */
  if ((conn = virConnectOpenReadOnly (uri)) == NULL)
    return NULL;
  out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&it, owners);
  while (g_hash_table_iter_next (&it, &uuid, NULL))
    {
      virDomainPtr dom = virDomainLookupByUUIDString (conn, uuid);

      g_hash_table_insert (out, g_strdup (uuid),
                           (gpointer) (dom != NULL ? ask_domain (dom) : "none"));
      if (dom != NULL)
        virDomainFree (dom);
    }
  virConnectClose (conn);
  return out;
}
