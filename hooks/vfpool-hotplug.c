/* vfpool-hotplug.c: the hot-plug worker of the plain-start path
 * (docs/DESIGN.md §2).  The hook's `started begin` forks it detached and
 * execs it with the job on stdin (vfp-hotplug-job.h); it attaches each
 * device once libvirt releases the start job, and releases the lease of a
 * device that cannot be attached.  A program of its own because it links
 * libvirt, which the static hook cannot load. */
#include "config.h"
#include "vfp-hotplug-job.h"
#include "vfp-hotplug-give-up.h"
#include "vfp-lifecycle.h"
#include "vfp-error.h"
#include "vfp-liveness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

extern char **environ;

#define RECORD_PREFIX "record:"
#define ATTACH_ATTEMPTS 5
/* How long the worker waits for an incoming migration to finish. */
#define INCOMING_WAIT_SECONDS 600
#define INCOMING_POLL_USEC (G_USEC_PER_SEC / 2)

/* What the worker was forked for: one running instance of one domain. */
typedef struct {
  VfpContext *ctx;
  const char *uuid;
  const char *name;
  guint domid;            /* libvirt's id of the instance (0: unknown) */
} Instance;

/* Test seam: while FILE.hold exists (at most a minute) the recorded attach
 * waits, as a real one waits for libvirt's start job: tests replay what
 * happens meanwhile (a destroy and a new start of the domain). */
static void
record_wait_hold (const char *file)
{
  g_autofree char *hold = g_strconcat (file, ".hold", NULL);

  for (int i = 0; i < 600 && g_file_test (hold, G_FILE_TEST_EXISTS); i++)
    g_usleep (G_USEC_PER_SEC / 10);
}

/* Test seam: VFPOOL_LIBVIRT_URI=record:FILE appends what would be attached.
 * Like libvirt, it refuses to attach to an instance that is no longer the
 * one running: when the QEMU pid the started hook saw is known, libvirt's
 * pid file must still name it. */
static gboolean
record_attach (const Instance *in, const VfpHotplug *hp, const char *file, const char *xml,
               GError **error)
{
  const char *uuid = in->uuid;
  g_autofree char *line = g_strdup_printf ("attach %s %s\n", uuid, xml);
  int fd;
  gboolean ok;

  if (hp->qemu_pid > 0 && vfp_liveness_read_qemu_pid (in->ctx, in->name) != hp->qemu_pid)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "Requested operation is not valid: domain is not running");
      return FALSE;
    }
  fd = open (file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", file,
                   g_strerror (errno));
      return FALSE;
    }
  for (char *p = line; *p; p++)
    if (*p == '\n' && p[1] != '\0')
      *p = ' ';
  ok = write (fd, line, strlen (line)) == (ssize_t) strlen (line);
  close (fd);
  if (!ok)
    g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s: short write", file);
  return ok;
}

/* TRUE while @hp's lease is still the one the started hook saw: a later
 * start of the same domain (destroy + start inside the retry window)
 * writes its own start id, and its VF is not this worker's to plug. */
static gboolean
lease_still_ours (const Instance *in, const VfpHotplug *hp)
{
  g_autoptr (VfpLease) lease = NULL;

  return vfp_lease_read (in->ctx->state_dir, hp->vf_pci, &lease, NULL)
         && strcmp (lease->owner_uuid, in->uuid) == 0
         && g_strcmp0 (lease->start_id, hp->start_id) == 0;
}

/* TRUE if the domain running now is the instance the hook ran for.  The
 * domain object is looked up afresh: virDomainGetID answers from the
 * handle, which keeps the id it was looked up with. */
static gboolean
instance_is_current (virConnectPtr conn, const Instance *in)
{
  virDomainPtr dom = virDomainLookupByUUIDString (conn, in->uuid);
  gboolean same;

  if (dom == NULL)
    return FALSE;
  same = virDomainIsActive (dom) == 1 && (in->domid == 0 || virDomainGetID (dom) == in->domid);
  virDomainFree (dom);
  return same;
}

/* TRUE if the live XML has the vfpool device of nic @nic. */
static gboolean
device_in_live_xml (virDomainPtr dom, guint nic)
{
  g_autofree char *alias = g_strdup_printf ("'%s%u'", VFP_ALIAS_PREFIX, nic);
  char *xml = virDomainGetXMLDesc (dom, 0);
  gboolean found = xml != NULL && strstr (xml, alias) != NULL;

  free (xml);
  return found;
}

/* *@stale = TRUE when the attempt was given up because the instance or the
 * lease changed hands: nothing to release then, it is not ours. */
static gboolean
attach_one (virConnectPtr conn, virDomainPtr dom, const Instance *in, const VfpHotplug *hp,
            const char *xml, gboolean *stale, GError **error)
{
  for (int attempt = 1;; attempt++)
    {
      if (!lease_still_ours (in, hp) || !instance_is_current (conn, in))
        {
          *stale = TRUE;
          g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY,
                       "the instance it was leased for is gone");
          return FALSE;
        }
      /* Blocks until the start job is released, then attaches. */
      if (virDomainAttachDeviceFlags (dom, xml, VIR_DOMAIN_AFFECT_LIVE) == 0)
        return TRUE;
      if (attempt >= ATTACH_ATTEMPTS || virDomainIsActive (dom) != 1)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", virGetLastErrorMessage ());
          /* The nic's device is in the guest after all (another attach got
           * there first: "non unique alias"): releasing the VF now would
           * reset it under the guest.  release end returns it. */
          *stale = device_in_live_xml (dom, hp->nic);
          return FALSE;
        }
      g_usleep (2 * G_USEC_PER_SEC);
    }
}

/* One device element, through libvirt or the record seam. */
static gboolean
attach_xml (virConnectPtr conn, virDomainPtr dom, const Instance *in, const VfpHotplug *hp,
            const char *xml, gboolean *stale, GError **error)
{
  const char *uri = in->ctx->libvirt_uri;

  if (!g_str_has_prefix (uri, RECORD_PREFIX))
    return attach_one (conn, dom, in, hp, xml, stale, error);
  /* The record seam has no instance to ask; the lease says enough. */
  record_wait_hold (uri + strlen (RECORD_PREFIX));
  *stale = !lease_still_ours (in, hp);
  return !*stale && record_attach (in, hp, uri + strlen (RECORD_PREFIX), xml, error);
}

/* Plug @hp: a failover nic's standby first (the VF's teaming names it, so
 * libvirt refuses the VF without it), then the VF. */
static gboolean
plug_nic (virConnectPtr conn, virDomainPtr dom, const Instance *in, const VfpHotplug *hp,
          gboolean *stale, GError **error)
{
  g_autofree char *xml = NULL;

  if (hp->standby_network != NULL)
    {
      g_autofree char *standby = vfp_domxml_standby_to_string (hp->nic, &hp->cfg,
                                                               hp->standby_network);

      if (!attach_xml (conn, dom, in, hp, standby, stale, error))
        {
          g_prefix_error (error, "standby on network '%s': ", hp->standby_network);
          return FALSE;
        }
    }
  xml = hp->standby_alias != NULL
        ? vfp_domxml_failover_device_to_string (hp->nic, hp->vf_pci, hp->managed, &hp->cfg,
                                                hp->standby_alias)
        : vfp_domxml_device_to_string_full (hp->nic, hp->vf_pci, hp->form, hp->managed,
                                            &hp->cfg);
  return attach_xml (conn, dom, in, hp, xml, stale, error);
}

/* TRUE while the domain is paused for an incoming migration (or is still
 * starting up, which an incoming one is before that).  The record seam:
 * while FILE.incoming exists. */
static gboolean
paused_incoming (virDomainPtr dom, const char *uri)
{
  int state = 0, reason = 0;

  if (g_str_has_prefix (uri, RECORD_PREFIX))
    {
      g_autofree char *incoming = g_strconcat (uri + strlen (RECORD_PREFIX), ".incoming", NULL);
      return g_file_test (incoming, G_FILE_TEST_EXISTS);
    }
  return virDomainGetState (dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED
         && (reason == VIR_DOMAIN_PAUSED_MIGRATION || reason == VIR_DOMAIN_PAUSED_STARTING_UP);
}

/* A domain started for an incoming migration (vfpoolctl migrate: its VFs
 * are leased here at prepare begin and plugged by this worker) stays paused
 * while libvirt holds the migration job; a hot-plug then waits on libvirt's
 * job lock (about 30 s) and fails, and each retry would too.  So the first
 * attach waits, polling the state (virDomainGetState takes no job), until
 * the domain runs — at most INCOMING_WAIT_SECONDS, then it is tried all
 * the same.  A plain start passes through STARTING_UP briefly, waiting
 * here instead of on the start job.  Reasoned from libvirt's code
 * (qemuProcessFinishStartup pauses an incoming domain with reason
 * MIGRATION), not measured here. */
static void
wait_incoming (virDomainPtr dom, const Instance *in)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) INCOMING_WAIT_SECONDS * G_USEC_PER_SEC;

  if (!paused_incoming (dom, in->ctx->libvirt_uri))
    return;
  syslog (LOG_INFO, "domain '%s': paused for an incoming migration; the hot-plug waits until "
          "it runs", in->name);
  while (paused_incoming (dom, in->ctx->libvirt_uri) && g_get_monotonic_time () < deadline)
    g_usleep (INCOMING_POLL_USEC);
}

static void
worker_run (const Instance *in, GPtrArray *hotplug)
{
  virConnectPtr conn = NULL;
  virDomainPtr dom = NULL;
  VfpContext *ctx = in->ctx;
  gboolean record = g_str_has_prefix (ctx->libvirt_uri, RECORD_PREFIX);
  g_autoptr (GError) setup_error = NULL;

  if (!record)
    {
      /* failures are reported per device below */
      if ((conn = virConnectOpen (ctx->libvirt_uri)) == NULL)
        g_set_error (&setup_error, VFP_ERROR, VFP_ERROR_FAILED, "cannot connect to %s: %s",
                     ctx->libvirt_uri, virGetLastErrorMessage ());
      else if ((dom = virDomainLookupByUUIDString (conn, in->uuid)) == NULL)
        g_set_error (&setup_error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "no domain %s: %s",
                     in->uuid, virGetLastErrorMessage ());
    }

  if (setup_error == NULL && hotplug->len > 0)
    wait_incoming (dom, in);
  for (guint i = 0; i < hotplug->len; i++)
    {
      VfpHotplug *hp = hotplug->pdata[i];
      g_autoptr (GError) error = NULL;
      gboolean stale = FALSE;
      gboolean ok;

      if (setup_error != NULL)
        {
          error = g_error_copy (setup_error);
          ok = FALSE;
        }
      else
        ok = plug_nic (conn, dom, in, hp, &stale, &error);
      if (ok)
        {
          syslog (LOG_INFO, "domain '%s' nic %u: hot-plugged VF %s", in->name, hp->nic,
                  hp->vf_pci);
          continue;
        }
      if (stale)
        {
          syslog (LOG_NOTICE, "domain '%s' nic %u: VF %s neither plugged nor released: %s",
                  in->name, hp->nic, hp->vf_pci,
                  error != NULL ? error->message : "the start it was leased for is over");
          continue;
        }
      vfp_hotplug_give_up (ctx, in->uuid, in->name, hp, error->message);
    }
  if (dom != NULL)
    virDomainFree (dom);
  if (conn != NULL)
    virConnectClose (conn);
}

/* libvirt's default error handler prints every error on stderr, which is
 * /dev/null here: the worker reports each failure once, to syslog. */
static void
ignore_libvirt_error (void *data, virErrorPtr error)
{
}

/* The job on stdin, read whole. */
static gboolean
read_job (VfpHotplugJob **job, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  char chunk[4096];

  for (;;)
    {
      ssize_t n = read (0, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "cannot read the job: %s",
                       g_strerror (errno));
          return FALSE;
        }
      if (n == 0)
        break;
      g_string_append_len (text, chunk, n);
      if (text->len > 1024 * 1024)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "the job is over 1 MiB");
          return FALSE;
        }
    }
  return vfp_hotplug_job_from_data (text->str, text->len, job, error);
}

int
main (int argc, char **argv)
{
  g_autoptr (VfpContext) ctx = vfp_context_new ();
  g_autoptr (VfpHotplugJob) job = NULL;
  g_autoptr (GError) error = NULL;
  int devnull;

  if (argc != 1 || isatty (0))
    {
      fprintf (stderr, "usage: %s < JOB\nThe hot-plug worker of the vfpool hook, which starts it "
                       "with its job; not run by hand (see vfpool-hook(8)).\n", argv[0]);
      return 2;
    }
  openlog ("vfpool", LOG_PID, LOG_DAEMON);
  if (!read_job (&job, &error))
    {
      syslog (LOG_ERR, "hot-plug worker: %s", error->message);
      return 1;
    }
  /* The job was the memory file the hook wrote: nothing else to read. */
  if ((devnull = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
    {
      dup2 (devnull, 0);
      close (devnull);
    }
  vfp_context_apply_environ (ctx, environ);
  virSetErrorFunc (NULL, ignore_libvirt_error);
  {
    Instance in = { ctx, job->uuid, job->name, job->domid };

    worker_run (&in, job->hotplug);
  }
  return 0;
}
