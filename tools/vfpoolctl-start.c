/* vfpoolctl-start.c: the boot-time path — "start" (lease, add the devices,
 * virDomainCreateXML) and "inject" (the same as an XML filter). */
#include "config.h"
#include "vfpoolctl.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-lifecycle.h"

#include <stdio.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static gboolean
libvirt_error (GError **error, const char *what)
{
  g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s: %s", what, virGetLastErrorMessage ());
  return FALSE;
}

static void
print_devices (VfpDomXml *dom, FILE *out)
{
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (dom);

  for (guint i = 0; i < devices->len; i++)
    {
      VfpDomDevice *dev = devices->pdata[i];
      fprintf (out, "  nic %u: VF %s (%s)\n", dev->nic, dev->pci,
               dev->form == VFP_FORM_INTERFACE ? "interface" : "hostdev");
    }
}

static void
silence_libvirt (void *data, virErrorPtr err)
{
}

static gboolean
start_domain (VfpCtl *ctl, const char *name, GError **error)
{
  virConnectPtr conn = NULL;
  virDomainPtr dom = NULL, started = NULL;
  g_autoptr (VfpDomXml) xml = NULL;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) held = NULL;
  g_autofree char *live = NULL;
  char *persistent = NULL;
  gboolean ok = FALSE;

  virSetErrorFunc (NULL, silence_libvirt);
  if ((conn = virConnectOpen (ctl->ctx->libvirt_uri)) == NULL)
    return libvirt_error (error, ctl->ctx->libvirt_uri);
  if ((dom = virDomainLookupByName (conn, name)) == NULL)
    {
      libvirt_error (error, name);
      goto out;
    }
  if (virDomainIsActive (dom) == 1)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY, "domain '%s' is already running", name);
      goto out;
    }
  persistent = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE);
  if (persistent == NULL)
    {
      libvirt_error (error, name);
      goto out;
    }
  if (!vfp_domxml_parse (persistent, strlen (persistent), &xml, error))
    {
      g_prefix_error (error, "domain '%s': ", name);
      goto out;
    }
  if (!vfp_lifecycle_inject_held (ctl->ctx, xml, FALSE, &held, error))
    goto out;
  live = vfp_domxml_to_string (xml);
  /* Same name + UUID as the defined domain: libvirt starts it with this XML
   * as the live config and leaves the persistent one untouched. */
  started = virDomainCreateXML (conn, live, 0);
  if (started == NULL)
    {
      libvirt_error (error, name);
      g_prefix_error (error, "starting domain '%s' failed: ", name);
      /* Only what this inject reserved and nobody took over since: if a
       * concurrent `virsh start` of the domain won, its prepare took these
       * leases over and the running instance keeps them; if our own start
       * got as far as prepare, libvirt's release end has freed them. */
      vfp_lifecycle_release_held (ctl->ctx, held, warnings, NULL);
      goto out;
    }
  printf ("domain '%s' started with:\n", name);
  print_devices (xml, stdout);
  ok = TRUE;

out:
  free (persistent);
  if (started != NULL)
    virDomainFree (started);
  if (dom != NULL)
    virDomainFree (dom);
  virConnectClose (conn);
  return ok;
}

int
vfpctl_start (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  const GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  const char *domain;
  int status;

  if ((status = vfpctl_parse_domain_options (&argc, &argv, entries, NULL,
                                             "Start a defined domain with its VFs present from "
                                             "boot (leases them, adds the devices, starts it).",
                                             &domain)) != VFPCTL_EXIT_OK)
    return status;
  if (!start_domain (ctl, domain, &error))
    return vfpctl_fail (error);
  return 0;
}

int
vfpctl_inject (VfpCtl *ctl, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VfpDomXml) dom = NULL;
  g_autofree char *data = NULL;
  g_autofree char *out = NULL;
  const char *file = NULL;
  gboolean dry_run = FALSE;
  gsize len = 0;
  const GOptionEntry entries[] = {
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "show the devices, lease nothing", NULL },
    G_OPTION_ENTRY_NULL
  };

  if (!vfpctl_parse_options (&argc, &argv, entries, NULL, "[FILE|-]",
                             "Lease VFs for a domain XML (FILE, or standard input) and print "
                             "it with the devices added.", 1, &error))
    return vfpctl_usage_fail (argv[0], error);
  if (argc > 1)
    file = argv[1];
  if (file == NULL || strcmp (file, "-") == 0)
    {
      g_autoptr (GIOChannel) in = g_io_channel_unix_new (0);
      g_io_channel_set_encoding (in, NULL, NULL);
      if (g_io_channel_read_to_end (in, &data, &len, &error) != G_IO_STATUS_NORMAL)
        return vfpctl_fail (error);
      file = "standard input";
    }
  else if (!g_file_get_contents (file, &data, &len, &error))
    return vfpctl_fail (error);

  if (!vfp_domxml_parse (data, len, &dom, &error))
    {
      g_prefix_error (&error, "%s: ", file);
      return vfpctl_fail (error);
    }
  if (!vfp_lifecycle_inject (ctl->ctx, dom, dry_run, &error))
    return vfpctl_fail (error);
  out = vfp_domxml_to_string (dom);
  fputs (out, stdout);
  if (out[0] != '\0' && out[strlen (out) - 1] != '\n')
    fputc ('\n', stdout);
  return 0;
}
