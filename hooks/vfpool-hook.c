/* vfpool-hook.c: the libvirt QEMU hook (qemu.d/vfpool) and network hook
 * (network.d/vfpool).  argv + stdin in, one library call per operation, exit
 * status and one stderr line out. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "vfp-context.h"
#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-hotplug.h"
#include "vfp-lifecycle.h"
#include "vfp-netport.h"
#include "vfp-netxml.h"

extern char **environ;

/* Read all of stdin, up to one byte over the cap so oversize is detected. */
static GString *
read_stdin (gsize cap)
{
  GString *buf = g_string_sized_new (16384);
  char chunk[16384];

  for (;;)
    {
      ssize_t n = read (0, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (buf, chunk, n);
      if (buf->len > cap)
        break;
    }
  return buf;
}

static void
log_warnings (const char *domain, GPtrArray *warnings)
{
  for (guint i = 0; i < warnings->len; i++)
    syslog (LOG_WARNING, "domain '%s': %s", domain, (char *) warnings->pdata[i]);
}

/* One stat: does the domain of raw XML @xml hold any lease? */
static gboolean
owner_has_leases (VfpContext *ctx, GString *xml)
{
  g_autofree char *uuid = vfp_domxml_peek_uuid (xml->str, xml->len);
  g_autofree char *dir = NULL;

  if (uuid == NULL)
    return FALSE;
  dir = vfp_lease_owner_dir (ctx->state_dir, uuid);
  return g_file_test (dir, G_FILE_TEST_IS_DIR);
}

/* VFPOOL_STATS (make bench): one line per prepare, in one write so lines
 * of concurrent hooks do not interleave. */
static void
write_stats (VfpContext *ctx)
{
  char line[64];
  int fd, len;

  if (ctx->stats_path == NULL)
    return;
  fd = open (ctx->stats_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return;
  len = g_snprintf (line, sizeof line, "lost-claims=%u\n", ctx->lost_claims);
  if (write (fd, line, len) != len)
    syslog (LOG_WARNING, "cannot append to VFPOOL_STATS file %s", ctx->stats_path);
  close (fd);
}

static int
do_prepare (VfpContext *ctx, VfpDomXml *dom)
{
  g_autoptr (GError) error = NULL;
  gboolean ok = vfp_lifecycle_prepare (ctx, dom, &error);

  write_stats (ctx);
  if (!ok)
    {
      /* libvirt shows this line to the person who started the domain. */
      fprintf (stderr, "vfpool: %s\n", error->message);
      syslog (LOG_ERR, "prepare: %s", error->message);
      return 1;
    }
  return 0;
}

/* restore begin and migrate begin (on the destination) are libvirt's XML
 * filters: the re-pointed XML on stdout, or nothing when no device changed
 * (libvirt then keeps the XML it has).  A non-zero exit fails the restore or
 * the migration, before QEMU starts, with our line in libvirt's error. */
static int
do_repoint (VfpContext *ctx, VfpDomXml *dom, gboolean migrate)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  gboolean changed = FALSE;
  const char *what = migrate ? "migrate" : "restore";

  if (!(migrate ? vfp_lifecycle_migrate_in (ctx, dom, &changed, &error)
                : vfp_lifecycle_restore (ctx, dom, &changed, &error)))
    {
      fprintf (stderr, "vfpool: %s\n", error->message);
      syslog (LOG_ERR, "%s", error->message);
      return 1;
    }
  if (!changed)
    return 0;
  out = vfp_domxml_to_string (dom);
  if (out == NULL || fputs (out, stdout) == EOF || fflush (stdout) == EOF)
    {
      g_autofree char *shown = vfp_error_quote (vfp_domxml_get_name (dom));

      /* the reservations stay: prepare of a later attempt takes them up */
      fprintf (stderr, "vfpool: domain '%s': %s: cannot write the re-pointed XML\n",
               shown, what);
      return 1;
    }
  syslog (LOG_INFO, "domain '%s': %s: VFs re-pointed to this host's", vfp_domxml_get_name (dom),
          what);
  return 0;
}

static int
do_started (VfpContext *ctx, VfpDomXml *dom)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) hotplug = NULL;
  const char *name = vfp_domxml_get_name (dom);

  if (!vfp_lifecycle_started (ctx, dom, &hotplug, &error))
    {
      syslog (LOG_ERR, "domain '%s': started: %s", name, error->message);
      return 0;   /* the domain runs; a failure here must not stop it */
    }
  if (hotplug->len > 0
      && !vfp_hotplug_spawn (ctx, vfp_domxml_get_uuid (dom), name, vfp_domxml_get_id (dom),
                             hotplug, &error))
    syslog (LOG_ERR, "domain '%s': %s", name, error->message);
  return 0;
}

static int
do_release (VfpContext *ctx, VfpDomXml *dom)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  const char *name = vfp_domxml_get_name (dom);

  if (!vfp_lifecycle_release (ctx, vfp_domxml_get_uuid (dom), warnings, &error))
    {
      g_autofree char *shown = vfp_error_quote (name);

      fprintf (stderr, "vfpool: domain '%s': release: %s\n", shown, error->message);
      syslog (LOG_ERR, "domain '%s': release: %s", name, error->message);
    }
  log_warnings (name, warnings);
  return 0;   /* nothing libvirt could do with a failure at release */
}

static int
do_reconnect (VfpContext *ctx, VfpDomXml *dom)
{
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);

  vfp_lifecycle_reconnect (ctx, dom, warnings);
  log_warnings (vfp_domxml_get_name (dom), warnings);
  return 0;   /* a non-zero exit here makes libvirt kill the VM */
}

/* The network hook: argv NETWORK port-created|port-deleted begin -, stdin
 * <hookData> with the network and the port.  Only networks vfpool owns
 * (name prefix and marker, vfp-netxml.h) are acted on; a non-zero exit at
 * port-created refuses the port, and so the domain's start. */
static int
do_netport (const char *network, gboolean created)
{
  g_autoptr (VfpContext) ctx = NULL;
  g_autoptr (VfpNetPort) port = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) data = NULL;
  g_autoptr (GPtrArray) warnings = NULL;
  g_autofree char *shown = vfp_error_quote (network);
  gboolean released = FALSE;

  if (!g_str_has_prefix (network, VFP_NETWORK_PREFIX))
    return 0;
  data = read_stdin (VFP_HOOKDATA_MAX_SIZE);
  ctx = vfp_context_new ();
  vfp_context_apply_environ (ctx, environ);
  openlog ("vfpool", LOG_PID, LOG_DAEMON);
  if (!vfp_net_port_parse (data->str, data->len, &port, &error))
    {
      syslog (LOG_ERR, "network '%s': %s", network, error->message);
      if (!created)
        return 0;
      fprintf (stderr, "vfpool: network '%s': %s\n", shown, error->message);
      return 1;
    }
  /* a same-named network without vfpool's marker is someone else's */
  if (vfp_net_info_owner_pool (port->network) == NULL
      || strcmp (port->network->name, network) != 0)
    return 0;
  if (created)
    {
      if (!vfp_netport_created (ctx, port, &error))
        {
          fprintf (stderr, "vfpool: %s\n", error->message);
          syslog (LOG_ERR, "port-created: %s", error->message);
          return 1;
        }
      syslog (LOG_INFO, "network '%s': VF %s leased to domain '%s'", network, port->vf_pci,
              port->owner_name);
      return 0;
    }
  warnings = g_ptr_array_new_with_free_func (g_free);
  if (!vfp_netport_deleted (ctx, port, warnings, &released, &error))
    syslog (LOG_ERR, "network '%s': port-deleted: %s", network, error->message);
  else if (released)
    syslog (LOG_INFO, "network '%s': VF %s of domain '%s' restored and free", network,
            port->vf_pci, port->owner_name);
  log_warnings (port->owner_name, warnings);
  return 0;   /* libvirt deletes the port whatever a hook says */
}

int
main (int argc, char **argv)
{
  g_autoptr (VfpContext) ctx = NULL;
  g_autoptr (VfpDomXml) dom = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) xml = NULL;
  const char *op, *sub;
  gboolean is_prepare, is_release, is_restore, is_migrate;

  if (argc < 4)
    {
      fprintf (stderr, "usage: %s DOMAIN OPERATION SUB-OPERATION [EXTRA] < domain.xml\n"
                       "This is the vfpool libvirt hook; see vfpool-hook(8).\n", argv[0]);
      return 2;
    }
  op = argv[2];
  sub = argv[3];
  /* No QEMU operation has these names: only the network hook gets them. */
  if (strcmp (sub, "begin") == 0
      && (strcmp (op, "port-created") == 0 || strcmp (op, "port-deleted") == 0))
    return do_netport (argv[1], strcmp (op, "port-created") == 0);
  is_prepare = strcmp (op, "prepare") == 0 && strcmp (sub, "begin") == 0;
  is_release = strcmp (op, "release") == 0 && strcmp (sub, "end") == 0;
  is_restore = strcmp (op, "restore") == 0 && strcmp (sub, "begin") == 0;
  is_migrate = strcmp (op, "migrate") == 0 && strcmp (sub, "begin") == 0;

  /* restore/migrate filter the XML through stdout: empty output = unchanged.
   * Both re-point the XML's VFs (below); every other operation vfpool does
   * not handle needs no XML at all. */
  if (!(is_prepare || is_restore || is_migrate
        || (strcmp (op, "started") == 0 && strcmp (sub, "begin") == 0)
        || is_release
        || (strcmp (op, "reconnect") == 0 && strcmp (sub, "begin") == 0)))
    return 0;

  xml = read_stdin (VFP_DOMXML_MAX_SIZE);
  ctx = vfp_context_new ();
  /* Domains without a request are left alone, before any parsing — except
   * at release end when the domain still holds leases: its live XML may
   * have lost the request and the devices (virsh metadata --live --remove,
   * detach-device), and its VFs must go back all the same.  Only that case
   * needs the environment's paths before deciding. */
  if (xml->len <= VFP_DOMXML_MAX_SIZE && !vfp_domxml_mentions_vfpool (xml->str, xml->len))
    {
      if (!is_release)
        return 0;
      vfp_context_apply_environ (ctx, environ);
      if (!owner_has_leases (ctx, xml))
        return 0;
    }
  else
    vfp_context_apply_environ (ctx, environ);

  openlog ("vfpool", LOG_PID, LOG_DAEMON);

  if (xml->len > VFP_DOMXML_MAX_SIZE)
    g_set_error (&error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                 "domain XML is larger than the %d-byte limit", VFP_DOMXML_MAX_SIZE);
  if (error != NULL || !vfp_domxml_parse (xml->str, xml->len, &dom, &error))
    {
      if (is_prepare || is_restore || is_migrate)
        {
          g_autofree char *shown = vfp_error_quote (argv[1]);

          fprintf (stderr, "vfpool: domain '%s': %s\n", shown, error->message);
          syslog (LOG_ERR, "domain '%s': %s: %s", argv[1], op, error->message);
          return 1;
        }
      syslog (LOG_ERR, "domain '%s': %s %s: %s, ignoring", argv[1], op, sub, error->message);
      return 0;
    }

  if (is_prepare)
    return do_prepare (ctx, dom);
  if (is_restore || is_migrate)
    return do_repoint (ctx, dom, is_migrate);
  if (strcmp (op, "started") == 0)
    return do_started (ctx, dom);
  if (strcmp (op, "release") == 0)
    return do_release (ctx, dom);
  return do_reconnect (ctx, dom);
}
