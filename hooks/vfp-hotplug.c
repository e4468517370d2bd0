/* vfp-hotplug.c: the detached hot-plug worker.  libvirt.so is dlopen'ed in
 * the worker only, so the hook's common path does not pay its load time. */
#include "config.h"
#include "vfp-hotplug.h"
#include "vfp-lifecycle.h"
#include "vfp-error.h"
#include "vfp-liveness.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <syslog.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECORD_PREFIX "record:"
#define VIR_DOMAIN_AFFECT_LIVE 1
#define ATTACH_ATTEMPTS 5
/* virDomainGetState's values (libvirt-domain.h, stable ABI). */
#define VIR_DOMAIN_PAUSED 3
#define VIR_DOMAIN_PAUSED_MIGRATION 2
#define VIR_DOMAIN_PAUSED_STARTING_UP 11
/* How long the worker waits for an incoming migration to finish. */
#define INCOMING_WAIT_SECONDS 600
#define INCOMING_POLL_USEC (G_USEC_PER_SEC / 2)

/* The few libvirt entry points the worker needs (stable public ABI). */
typedef struct {
  void *handle;
  void *(*connect_open) (const char *uri);
  int (*connect_close) (void *conn);
  void *(*lookup_by_uuid) (void *conn, const char *uuid);
  int (*attach) (void *dom, const char *xml, unsigned int flags);
  int (*is_active) (void *dom);
  int (*get_state) (void *dom, int *state, int *reason, unsigned int flags);
  unsigned int (*get_id) (void *dom);
  char *(*get_xml) (void *dom, unsigned int flags);
  int (*domain_free) (void *dom);
  const char *(*last_error) (void);
} Libvirt;

static gboolean
libvirt_load (Libvirt *lv, GError **error)
{
  struct { const char *name; void **slot; } syms[] = {
    { "virConnectOpen", (void **) &lv->connect_open },
    { "virConnectClose", (void **) &lv->connect_close },
    { "virDomainLookupByUUIDString", (void **) &lv->lookup_by_uuid },
    { "virDomainAttachDeviceFlags", (void **) &lv->attach },
    { "virDomainIsActive", (void **) &lv->is_active },
    { "virDomainGetState", (void **) &lv->get_state },
    { "virDomainGetID", (void **) &lv->get_id },
    { "virDomainGetXMLDesc", (void **) &lv->get_xml },
    { "virDomainFree", (void **) &lv->domain_free },
    { "virGetLastErrorMessage", (void **) &lv->last_error },
  };

  lv->handle = dlopen (VFP_LIBVIRT_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (lv->handle == NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "cannot load %s: %s",
                   VFP_LIBVIRT_SONAME, dlerror ());
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (syms); i++)
    if ((*syms[i].slot = dlsym (lv->handle, syms[i].name)) == NULL)
      {
        g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s lacks %s",
                     VFP_LIBVIRT_SONAME, syms[i].name);
        return FALSE;
      }
  return TRUE;
}

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
instance_is_current (Libvirt *lv, void *conn, const Instance *in)
{
  void *dom = lv->lookup_by_uuid (conn, in->uuid);
  gboolean same;

  if (dom == NULL)
    return FALSE;
  same = lv->is_active (dom) == 1 && (in->domid == 0 || lv->get_id (dom) == in->domid);
  lv->domain_free (dom);
  return same;
}

/* TRUE if the live XML has the vfpool device of nic @nic. */
static gboolean
device_in_live_xml (Libvirt *lv, void *dom, guint nic)
{
  g_autofree char *alias = g_strdup_printf ("'%s%u'", VFP_ALIAS_PREFIX, nic);
  char *xml = lv->get_xml (dom, 0);
  gboolean found = xml != NULL && strstr (xml, alias) != NULL;

  free (xml);
  return found;
}

/* *@stale = TRUE when the attempt was given up because the instance or the
 * lease changed hands: nothing to release then, it is not ours. */
static gboolean
attach_one (Libvirt *lv, void *conn, void *dom, const Instance *in, const VfpHotplug *hp,
            const char *xml, gboolean *stale, GError **error)
{
  for (int attempt = 1;; attempt++)
    {
      if (!lease_still_ours (in, hp) || !instance_is_current (lv, conn, in))
        {
          *stale = TRUE;
          g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY,
                       "the instance it was leased for is gone");
          return FALSE;
        }
      /* Blocks until the start job is released, then attaches. */
      if (lv->attach (dom, xml, VIR_DOMAIN_AFFECT_LIVE) == 0)
        return TRUE;
      if (attempt >= ATTACH_ATTEMPTS || lv->is_active (dom) != 1)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "%s", lv->last_error ());
          /* The nic's device is in the guest after all (another attach got
           * there first: "non unique alias"): releasing the VF now would
           * reset it under the guest.  release end returns it. */
          *stale = device_in_live_xml (lv, dom, hp->nic);
          return FALSE;
        }
      g_usleep (2 * G_USEC_PER_SEC);
    }
}

/* One device element, through libvirt or the record seam. */
static gboolean
attach_xml (Libvirt *lv, void *conn, void *dom, const Instance *in, const VfpHotplug *hp,
            const char *xml, gboolean *stale, GError **error)
{
  const char *uri = in->ctx->libvirt_uri;

  if (!g_str_has_prefix (uri, RECORD_PREFIX))
    return attach_one (lv, conn, dom, in, hp, xml, stale, error);
  /* The record seam has no instance to ask; the lease says enough. */
  record_wait_hold (uri + strlen (RECORD_PREFIX));
  *stale = !lease_still_ours (in, hp);
  return !*stale && record_attach (in, hp, uri + strlen (RECORD_PREFIX), xml, error);
}

/* Plug @hp: a failover nic's standby first (the VF's teaming names it, so
 * libvirt refuses the VF without it), then the VF. */
static gboolean
plug_nic (Libvirt *lv, void *conn, void *dom, const Instance *in, const VfpHotplug *hp,
          gboolean *stale, GError **error)
{
  g_autofree char *xml = NULL;

  if (hp->standby_network != NULL)
    {
      g_autofree char *standby = vfp_domxml_standby_to_string (hp->nic, &hp->cfg,
                                                               hp->standby_network);

      if (!attach_xml (lv, conn, dom, in, hp, standby, stale, error))
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
  return attach_xml (lv, conn, dom, in, hp, xml, stale, error);
}

/* TRUE while the domain is paused for an incoming migration (or is still
 * starting up, which an incoming one is before that).  The record seam:
 * while FILE.incoming exists. */
static gboolean
paused_incoming (Libvirt *lv, void *dom, const char *uri)
{
  int state = 0, reason = 0;

  if (g_str_has_prefix (uri, RECORD_PREFIX))
    {
      g_autofree char *incoming = g_strconcat (uri + strlen (RECORD_PREFIX), ".incoming", NULL);
      return g_file_test (incoming, G_FILE_TEST_EXISTS);
    }
  return lv->get_state (dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED
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
wait_incoming (Libvirt *lv, void *dom, const Instance *in)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) INCOMING_WAIT_SECONDS * G_USEC_PER_SEC;

  if (!paused_incoming (lv, dom, in->ctx->libvirt_uri))
    return;
  syslog (LOG_INFO, "domain '%s': paused for an incoming migration; the hot-plug waits until "
          "it runs", in->name);
  while (paused_incoming (lv, dom, in->ctx->libvirt_uri) && g_get_monotonic_time () < deadline)
    g_usleep (INCOMING_POLL_USEC);
}

static void
worker_run (const Instance *in, GPtrArray *hotplug)
{
  Libvirt lv = { NULL };
  void *conn = NULL, *dom = NULL;
  VfpContext *ctx = in->ctx;
  gboolean record = g_str_has_prefix (ctx->libvirt_uri, RECORD_PREFIX);
  g_autoptr (GError) setup_error = NULL;

  if (!record)
    {
      if (!libvirt_load (&lv, &setup_error))
        {
          /* reported per device below */
        }
      else if ((conn = lv.connect_open (ctx->libvirt_uri)) == NULL)
        g_set_error (&setup_error, VFP_ERROR, VFP_ERROR_FAILED, "cannot connect to %s: %s",
                     ctx->libvirt_uri, lv.last_error ());
      else if ((dom = lv.lookup_by_uuid (conn, in->uuid)) == NULL)
        g_set_error (&setup_error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "no domain %s: %s",
                     in->uuid, lv.last_error ());
    }

  if (setup_error == NULL && hotplug->len > 0)
    wait_incoming (&lv, dom, in);
  for (guint i = 0; i < hotplug->len; i++)
    {
      VfpHotplug *hp = hotplug->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GError) release_error = NULL;
      gboolean stale = FALSE;
      gboolean ok;

      if (setup_error != NULL)
        {
          error = g_error_copy (setup_error);
          ok = FALSE;
        }
      else
        ok = plug_nic (&lv, conn, dom, in, hp, &stale, &error);
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
      /* A VF the domain never got must not stay leased to it — but only
       * this start's lease: a later start may hold the same VF by now. */
      syslog (LOG_ERR, "domain '%s' nic %u: hot-plug of VF %s failed: %s; releasing it",
              in->name, hp->nic, hp->vf_pci, error->message);
      if (!vfp_lifecycle_release_vf (ctx, in->uuid, hp->vf_pci, hp->start_id, warnings,
                                     &release_error))
        syslog (LOG_ERR, "domain '%s' nic %u: releasing VF %s failed: %s", in->name, hp->nic,
                hp->vf_pci, release_error->message);
      for (guint w = 0; w < warnings->len; w++)
        syslog (LOG_WARNING, "domain '%s': %s", in->name, (char *) warnings->pdata[w]);
    }
  if (dom != NULL)
    lv.domain_free (dom);
  if (conn != NULL)
    lv.connect_close (conn);
}

/* The worker inherits whatever libvirt left open in the hook (besides
 * stdio): a pipe it holds keeps libvirt waiting, and nothing of the
 * daemon's should live on in a long-running child. */
static void
close_inherited_fds (void)
{
  if (close_range (3, ~0U, 0) == 0)
    return;
  for (long fd = 3, max = sysconf (_SC_OPEN_MAX); fd < max && fd < 65536; fd++)
    close ((int) fd);
}

gboolean
vfp_hotplug_spawn (VfpContext *ctx, const char *uuid, const char *name, guint domid,
                   GPtrArray *hotplug, GError **error)
{
  pid_t pid = fork ();
  int status = 0;

  if (pid < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot fork the hot-plug worker: %s", g_strerror (errno));
      return FALSE;
    }
  if (pid == 0)
    {
      /* Double fork + setsid: libvirt waits for every holder of the hook's
       * stdout/stderr, so the worker must hold none of them. */
      Instance in = { ctx, uuid, name, domid };
      int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
      pid_t worker;

      if (setsid () < 0 || devnull < 0)
        _exit (1);
      worker = fork ();
      if (worker < 0)
        _exit (2);
      if (worker > 0)
        _exit (0);
      dup2 (devnull, 0);
      dup2 (devnull, 1);
      dup2 (devnull, 2);
      closelog ();
      close_inherited_fds ();
      openlog ("vfpool", LOG_PID, LOG_DAEMON);
      worker_run (&in, hotplug);
      _exit (0);
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "cannot start the hot-plug worker (%s)",
                   WIFEXITED (status) && WEXITSTATUS (status) == 2 ? "second fork failed"
                                                                   : "setsid failed");
      return FALSE;
    }
  return TRUE;
}
