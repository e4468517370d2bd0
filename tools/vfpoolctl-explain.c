/* vfpoolctl-explain.c: "vfpoolctl explain": which VF each nic of a domain
 * would get and why, or why none is free — without claiming anything. */
#include "config.h"
#include "vfpoolctl.h"
#include "vfpoolctl-json.h"
#include "vfp-doctor.h"
#include "vfp-explain.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static void
silence_libvirt (void *data, virErrorPtr err)
{
}

/* The persistent XML: what the next start of the domain works from. */
static gboolean
read_domain_xml (VfpCtl *ctl, const char *name, char **out, GError **error)
{
  virConnectPtr conn;
  virDomainPtr dom;
  char *xml = NULL;

  virSetErrorFunc (NULL, silence_libvirt);
  conn = virConnectOpenReadOnly (ctl->ctx->libvirt_uri);
  if (conn == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s: %s (or use --xml FILE)",
                   ctl->ctx->libvirt_uri, virGetLastErrorMessage ());
      return FALSE;
    }
  dom = virDomainLookupByName (conn, name);
  if (dom != NULL)
    xml = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_INACTIVE);
  if (xml == NULL)
    g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "domain '%s': %s", name,
                 virGetLastErrorMessage ());
  else
    {
      *out = g_strdup (xml);
      free (xml);
    }
  if (dom != NULL)
    virDomainFree (dom);
  virConnectClose (conn);
  return *out != NULL;
}

static gboolean
read_xml_file (const char *path, char **out, GError **error)
{
  gsize len = 0;

  if (strcmp (path, "-") == 0)
    {
      g_autoptr (GString) buf = g_string_new (NULL);
      char chunk[4096];
      size_t n;

      while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
        {
          /* The parser refuses oversize documents; stop reading early. */
          if (buf->len + n > VFP_DOMXML_MAX_SIZE + 1)
            break;
          g_string_append_len (buf, chunk, n);
        }
      *out = g_string_free (g_steal_pointer (&buf), FALSE);
      return TRUE;
    }
  return g_file_get_contents (path, out, &len, error);
}

/* vfp_lifecycle_inject (dry run) is what "vfpoolctl start" runs: if it picks
 * something else than the explanation, say so rather than mislead. */
static void
cross_check (VfpCtl *ctl, const char *xml, GPtrArray *nics)
{
  g_autoptr (VfpDomXml) copy = NULL;
  g_autoptr (GPtrArray) devices = NULL;

  if (!vfp_domxml_parse (xml, strlen (xml), &copy, NULL))
    return;
  /* The dry run claims the VFs an XML already names, so only XML without
   * vfpool devices is safe to dry-run. */
  devices = vfp_domxml_list_devices (copy);
  if (devices->len > 0 || !vfp_lifecycle_inject (ctl->ctx, copy, TRUE, NULL))
    return;
  g_clear_pointer (&devices, g_ptr_array_unref);
  devices = vfp_domxml_list_devices (copy);
  for (guint d = 0; d < devices->len; d++)
    {
      VfpDomDevice *dev = devices->pdata[d];
      for (guint i = 0; i < nics->len; i++)
        {
          VfpExplainNic *nic = nics->pdata[i];
          if (nic->nic == dev->nic && g_strcmp0 (nic->vf_pci, dev->pci) != 0)
            g_ptr_array_add (nic->notes,
                             g_strdup_printf ("the start path would pick VF %s instead "
                                              "(explain and the allocator disagree: please "
                                              "report)", dev->pci));
        }
    }
}

static void
print_text (VfpDomXml *dom, GPtrArray *nics)
{
  g_autofree char *name = vfp_error_quote (vfp_domxml_get_name (dom));

  printf ("domain '%s' (%s)\n", name, vfp_domxml_get_uuid (dom));
  if (nics->len == 0)
    printf ("  no vfpool request: vfpool leaves this domain alone\n");
  for (guint i = 0; i < nics->len; i++)
    {
      VfpExplainNic *nic = nics->pdata[i];

      if (nic->vf_pci != NULL && nic->pf != NULL)
        printf ("  nic %u (pool %s): VF %s (%s VF %u) [%s]\n", nic->nic, nic->pool, nic->vf_pci,
                nic->pf, nic->vf_index, nic->reason);
      else
        printf ("  nic %u (pool %s): no VF [%s]\n", nic->nic, nic->pool, nic->reason);
      printf ("    why: %s\n", nic->why);
      for (guint n = 0; n < nic->notes->len; n++)
        printf ("    note: %s\n", (char *) nic->notes->pdata[n]);
    }
}

static void
print_json (VfpDomXml *dom, GPtrArray *nics)
{
  g_autoptr (JsonBuilder) b = vfpctl_json_begin ();

  vfpctl_json_string (b, "domain", vfp_domxml_get_name (dom));
  vfpctl_json_string (b, "uuid", vfp_domxml_get_uuid (dom));
  json_builder_set_member_name (b, "nics");
  json_builder_begin_array (b);
  for (guint i = 0; i < nics->len; i++)
    {
      VfpExplainNic *nic = nics->pdata[i];

      json_builder_begin_object (b);
      vfpctl_json_int (b, "nic", nic->nic);
      vfpctl_json_string (b, "pool", nic->pool);
      vfpctl_json_string (b, "vf", nic->vf_pci);
      vfpctl_json_string (b, "pf", nic->pf);
      if (nic->pf != NULL)
        vfpctl_json_int (b, "vf_index", nic->vf_index);
      else
        vfpctl_json_null (b, "vf_index");
      vfpctl_json_string (b, "reason", nic->reason);
      vfpctl_json_bool (b, "refused", nic->refused);
      vfpctl_json_string (b, "why", nic->why);
      vfpctl_json_strings (b, "notes", nic->notes);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  vfpctl_json_print (b);
}

int
vfpctl_explain (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpDomXml) dom = NULL;
  g_autoptr (GPtrArray) nics = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *file = NULL;
  const char *name;
  gboolean all_found = TRUE;
  const GOptionEntry entries[] = {
    VFPCTL_JSON_ENTRY (ctl),
    { "xml", 0, 0, G_OPTION_ARG_FILENAME, &file,
      "explain this domain XML (- for standard input) instead of a defined domain", "FILE" },
    G_OPTION_ENTRY_NULL
  };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, "DOMAIN | --xml FILE",
                             "Which VF each nic of a domain would get and why (or why none); "
                             "claims nothing.  Exit 1 when a start would be refused.",
                             1, &error))
    return vfpctl_usage_fail (argv[0], error);
  name = argc > 1 ? argv[1] : NULL;
  if ((file == NULL) == (name == NULL))
    return vfpctl_usage (argv[0], "name a DOMAIN or give --xml FILE");
  if (file != NULL ? !read_xml_file (file, &xml, &error)
                   : !read_domain_xml (ctl, name, &xml, &error))
    return vfpctl_json_fail (ctl, error);
  if (!vfp_domxml_parse (xml, strlen (xml), &dom, &error)
      || !vfp_explain_domain (ctl->ctx, dom, &nics, &error))
    return vfpctl_json_fail (ctl, error);
  cross_check (ctl, xml, nics);

  if (ctl->json)
    print_json (dom, nics);
  else
    print_text (dom, nics);
  for (guint i = 0; i < nics->len; i++)
    if (((VfpExplainNic *) nics->pdata[i])->refused)
      all_found = FALSE;
  /* 1 when a start would be refused, so scripts can ask before starting. */
  return all_found ? 0 : 1;
}
