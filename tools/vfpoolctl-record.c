/* vfpoolctl-record.c: the record:FILE seam of attach / detach (see
 * vfpoolctl-record.h).  Only the CLI links it; the hook's worker has its own
 * few lines for the attach it makes. */
#include "config.h"
#include "vfpoolctl-record.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-request-edit.h"
#include "vfp-xml-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *
live_path (const VfpctlRecord *rec)
{
  g_autofree char *base = g_strconcat (rec->name, ".xml", NULL);
  return g_build_filename (rec->run_dir, base, NULL);
}

static char *
config_path (const VfpctlRecord *rec)
{
  g_autofree char *dir = g_strconcat (rec->file, ".config", NULL);
  g_autofree char *base = g_strconcat (rec->name, ".xml", NULL);
  return g_build_filename (dir, base, NULL);
}

static char *
side_file (const VfpctlRecord *rec, const char *suffix)
{
  return g_strconcat (rec->file, suffix, NULL);
}

/* One line in FILE: newlines of the XML become blanks. */
static gboolean
record_line (const VfpctlRecord *rec, const char *what, const char *arg, GError **error)
{
  g_autofree char *line = g_strdup_printf ("%s %s %s\n", what, rec->name, arg ? arg : "-");
  gboolean ok;
  int fd;

  for (char *p = line; p[1] != '\0'; p++)
    if (*p == '\n')
      *p = ' ';
  fd = open (rec->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", rec->file,
                   g_strerror (errno));
      return FALSE;
    }
  ok = write (fd, line, strlen (line)) == (ssize_t) strlen (line);
  close (fd);
  if (!ok)
    g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s: short write", rec->file);
  return ok;
}

static gboolean
load (const char *path, VfpDomXml **dom, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  return g_file_get_contents (path, &text, &len, error)
         && vfp_domxml_parse (text, len, dom, error);
}

static gboolean
save (const char *path, VfpDomXml *dom, GError **error)
{
  g_autofree char *text = vfp_domxml_to_string (dom);
  return g_file_set_contents (path, text, -1, error);
}

gboolean
vfpctl_record_exists (const VfpctlRecord *rec)
{
  g_autofree char *live = live_path (rec);
  g_autofree char *config = config_path (rec);

  return g_file_test (live, G_FILE_TEST_EXISTS) || g_file_test (config, G_FILE_TEST_EXISTS);
}

gboolean
vfpctl_record_is_running (const VfpctlRecord *rec)
{
  g_autofree char *live = live_path (rec);
  return g_file_test (live, G_FILE_TEST_EXISTS);
}

/* The guest acknowledges: the devices asked away leave the live XML. */
static gboolean
apply_unplugs (const VfpctlRecord *rec, GError **error)
{
  g_autofree char *ack = side_file (rec, ".ack-unplug");
  g_autofree char *pending = side_file (rec, ".unplug-pending");
  g_autofree char *keep_file = side_file (rec, ".keep-unplug");
  g_autofree char *path = live_path (rec);
  g_autofree char *aliases = NULL;
  g_autofree char *keep = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) kept = NULL;
  g_autoptr (GString) still = g_string_new (NULL);
  g_autoptr (VfpDomXml) dom = NULL;

  if (!g_file_test (ack, G_FILE_TEST_EXISTS) || !g_file_test (pending, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!g_file_get_contents (pending, &aliases, NULL, error) || !load (path, &dom, error))
    return FALSE;
  kept = g_strsplit (g_file_get_contents (keep_file, &keep, NULL, NULL) ? keep : "", "\n", -1);
  lines = g_strsplit (aliases, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 nic;
      if (*lines[i] != '\0' && g_strv_contains ((const char *const *) kept, lines[i]))
        g_string_append_printf (still, "%s\n", lines[i]);
      else if (g_str_has_prefix (lines[i], VFP_ALIAS_PREFIX)
               && g_ascii_string_to_unsigned (lines[i] + strlen (VFP_ALIAS_PREFIX), 10, 0,
                                              G_MAXUINT, &nic, NULL))
        vfp_domxml_remove_device (dom, (guint) nic);
    }
  if (still->len > 0 ? !g_file_set_contents (pending, still->str, -1, error)
                     : unlink (pending) != 0 && errno != ENOENT)
    return FALSE;
  return save (path, dom, error);
}

gboolean
vfpctl_record_get_xml (const VfpctlRecord *rec, gboolean live, char **out, GError **error)
{
  g_autofree char *path = live ? live_path (rec) : config_path (rec);

  if (live && !apply_unplugs (rec, error))
    return FALSE;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "domain '%s' %s", rec->name,
                   live ? "is not running" : "is transient (no persistent definition)");
      return FALSE;
    }
  return g_file_get_contents (path, out, NULL, error);
}

gboolean
vfpctl_record_attach (const VfpctlRecord *rec, const char *device_xml, GError **error)
{
  g_autofree char *fail = side_file (rec, ".fail-attach");
  g_autofree char *late = side_file (rec, ".fail-attach-plugged");
  g_autofree char *path = live_path (rec);
  g_autofree char *why = NULL;
  g_autoptr (VfpDomXml) dom = NULL;
  g_autoptr (xmlDoc) dev = NULL;
  g_autofree char *bus = NULL;
  xmlNode *root, *added, *address;
  int port;

  if (g_file_get_contents (fail, &why, NULL, NULL))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", g_strstrip (why));
      return FALSE;
    }
  if (!load (path, &dom, error))
    return FALSE;
  dev = xmlReadMemory (device_xml, (int) strlen (device_xml), NULL, NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (dev == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "device XML is not well-formed");
      return FALSE;
    }
  /* libvirt puts the device on a free pcie-root-port, and says so in the
   * live XML; without one QEMU has nowhere to plug it. */
  port = vfp_domxml_first_free_hotplug_port (dom);
  if (port < 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "internal error: No more available PCI slots");
      return FALSE;
    }
  added = xmlDocCopyNode (xmlDocGetRootElement (dev), vfp_domxml_get_doc (dom), 1);
  address = xmlNewChild (added, NULL, (const xmlChar *) "address", NULL);
  bus = g_strdup_printf ("0x%02x", port);
  xmlSetProp (address, (const xmlChar *) "type", (const xmlChar *) "pci");
  xmlSetProp (address, (const xmlChar *) "bus", (const xmlChar *) bus);
  xmlSetProp (address, (const xmlChar *) "slot", (const xmlChar *) "0x00");
  root = xmlDocGetRootElement (vfp_domxml_get_doc (dom));
  for (xmlNode *node = root->children; node != NULL; node = node->next)
    if (node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, (const xmlChar *) "devices"))
      {
        xmlAddChild (node, added);
        if (!record_line (rec, "attach-live", device_xml, error) || !save (path, dom, error))
          return FALSE;
        /* libvirt's answer lost after QEMU took the device */
        if (g_file_get_contents (late, &why, NULL, NULL))
          {
            g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", g_strstrip (why));
            return FALSE;
          }
        return TRUE;
      }
  xmlFreeNode (added);
  g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s has no <devices>", path);
  return FALSE;
}

gboolean
vfpctl_record_detach_alias (const VfpctlRecord *rec, const char *alias, GError **error)
{
  g_autofree char *pending = side_file (rec, ".unplug-pending");
  g_autofree char *line = g_strconcat (alias, "\n", NULL);
  FILE *f;

  if (!record_line (rec, "detach-alias", alias, error))
    return FALSE;
  if ((f = fopen (pending, "ae")) == NULL)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", pending,
                   g_strerror (errno));
      return FALSE;
    }
  fputs (line, f);
  fclose (f);
  return TRUE;
}

gboolean
vfpctl_record_set_request (const VfpctlRecord *rec, gboolean live, const char *metadata,
                           GError **error)
{
  g_autofree char *path = live ? live_path (rec) : config_path (rec);
  g_autoptr (VfpDomXml) dom = NULL;

  return record_line (rec, live ? "metadata live" : "metadata config", metadata, error)
         && load (path, &dom, error) && vfp_request_edit_replace (dom, metadata, error)
         && save (path, dom, error);
}

/* The domain stops with its live XML as the save image's XML. */
gboolean
vfpctl_record_managed_save (const VfpctlRecord *rec, GError **error)
{
  g_autofree char *path = live_path (rec);
  g_autofree char *dir = side_file (rec, ".saved");
  g_autofree char *base = g_strconcat (rec->name, ".xml", NULL);
  g_autofree char *saved = g_build_filename (dir, base, NULL);
  g_autoptr (VfpDomXml) dom = NULL;

  if (!apply_unplugs (rec, error) || !record_line (rec, "managedsave", NULL, error)
      || !load (path, &dom, error))
    return FALSE;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  if (!save (saved, dom, error))
    return FALSE;
  unlink (path);
  return TRUE;
}

/* The destination's hot-plug worker, as FILE.dest-plug says it did: one
 * device "N VF" a line, into the destination's live XML @dom. */
static gboolean
dest_plug (const VfpctlRecord *rec, VfpDomXml *dom, GError **error)
{
  g_autofree char *plug = side_file (rec, "-plug");
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (plug, &text, NULL, NULL))
    return TRUE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) words = g_strsplit (lines[i], " ", 2);
      VfpVfConfig cfg = { 0 };
      guint64 nic;

      if (words[0] != NULL && words[1] != NULL
          && g_ascii_string_to_unsigned (words[0], 10, 0, G_MAXUINT, &nic, NULL)
          && !vfp_domxml_add_device (dom, (guint) nic, words[1], VFP_FORM_HOSTDEV, &cfg, error))
        return FALSE;
    }
  return TRUE;
}

/* Live migration: the live XML moves to the destination's run dir (the
 * domain no longer runs here); FILE.fail-migrate refuses it instead. */
gboolean
vfpctl_record_migrate (const VfpctlRecord *rec, const VfpctlRecord *dest, const char *dest_uri,
                       const char *migrate_uri, gboolean persistent, gboolean undefine_source,
                       GError **error)
{
  g_autofree char *fail = side_file (rec, ".fail-migrate");
  g_autofree char *path = live_path (rec);
  g_autofree char *there = live_path (dest);
  g_autofree char *why = NULL;
  g_autofree char *arg = g_strdup_printf ("%s live%s%s%s%s", dest_uri,
                                          persistent ? ",persist-dest" : "",
                                          undefine_source ? ",undefine-source" : "",
                                          migrate_uri != NULL ? " migrateuri=" : "",
                                          migrate_uri != NULL ? migrate_uri : "");
  g_autoptr (VfpDomXml) dom = NULL;

  if (!apply_unplugs (rec, error) || !record_line (rec, "migrate", arg, error))
    return FALSE;
  if (g_file_get_contents (fail, &why, NULL, NULL))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", g_strstrip (why));
      return FALSE;
    }
  if (!load (path, &dom, error) || !dest_plug (dest, dom, error))
    return FALSE;
  if (g_mkdir_with_parents (dest->run_dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s",
                   dest->run_dir, g_strerror (errno));
      return FALSE;
    }
  if (!save (there, dom, error))
    return FALSE;
  unlink (path);
  if (undefine_source)
    {
      g_autofree char *config = config_path (rec);
      unlink (config);
    }
  return TRUE;
}
