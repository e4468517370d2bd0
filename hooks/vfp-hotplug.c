/* vfp-hotplug.c: start the detached hot-plug worker (vfpool-hotplug) with
 * its job on stdin. */
#include "config.h"
#include "vfp-hotplug.h"
#include "vfp-hotplug-job.h"
#include "vfp-hotplug-give-up.h"
#include "vfp-error.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <string.h>
#include <syslog.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define WORKER_NAME "vfpool-hotplug"

/* The worker is installed beside the hook (in sbindir: Debian's AppArmor
 * profile for libvirtd lets its children execute nothing under
 * /usr/libexec); a test install runs its own worker, never the host's. */
static gboolean
worker_path (char path[PATH_MAX], GError **error)
{
  ssize_t n = readlink ("/proc/self/exe", path, PATH_MAX);
  char *slash = n > 0 && n < PATH_MAX ? memrchr (path, '/', n) : NULL;

  /* into a buffer, not the heap: the forked children only _exit or exec */
  if (slash == NULL || (gsize) (slash - path) + 1 + strlen (WORKER_NAME) >= PATH_MAX)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "cannot find the hot-plug worker: /proc/self/exe is unreadable");
      return FALSE;
    }
  strcpy (slash + 1, WORKER_NAME);
  return TRUE;
}

/* The job in an anonymous memory file, at offset 0: the worker's stdin. */
static int
job_memfd (const char *uuid, const char *name, guint domid, GPtrArray *hotplug, GError **error)
{
  gsize len = 0;
  g_autofree char *data = vfp_hotplug_job_to_data (uuid, name, domid, hotplug, &len);
  int fd = memfd_create ("vfpool-hotplug-job", MFD_CLOEXEC);

  if (fd < 0 || write (fd, data, len) != (ssize_t) len || lseek (fd, 0, SEEK_SET) != 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "cannot hand the hot-plug worker its job: %s", g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
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

/* No worker will run: the devices' VFs must not stay leased to a domain
 * that never gets them. */
static gboolean
give_up_all (VfpContext *ctx, const char *uuid, const char *name, GPtrArray *hotplug,
             GError **error)
{
  for (guint i = 0; i < hotplug->len; i++)
    vfp_hotplug_give_up (ctx, uuid, name, hotplug->pdata[i], (*error)->message);
  return FALSE;
}

gboolean
vfp_hotplug_spawn (VfpContext *ctx, const char *uuid, const char *name, guint domid,
                   GPtrArray *hotplug, GError **error)
{
  char path[PATH_MAX];
  int job = worker_path (path, error) ? job_memfd (uuid, name, domid, hotplug, error) : -1;
  pid_t pid;
  int status = 0;

  if (job < 0)
    return give_up_all (ctx, uuid, name, hotplug, error);
  pid = fork ();
  if (pid < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "cannot fork the hot-plug worker: %s", g_strerror (errno));
      close (job);
      return give_up_all (ctx, uuid, name, hotplug, error);
    }
  if (pid == 0)
    {
      /* Double fork + setsid: libvirt waits for every holder of the hook's
       * stdout/stderr, so the worker must hold none of them. */
      char *argv[] = { path, NULL };
      int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
      pid_t worker;

      if (setsid () < 0 || devnull < 0)
        _exit (1);
      worker = fork ();
      if (worker < 0)
        _exit (2);
      if (worker > 0)
        _exit (0);
      dup2 (job, 0);
      dup2 (devnull, 1);
      dup2 (devnull, 2);
      closelog ();
      close_inherited_fds ();
      execve (path, argv, environ);
      {
        g_autofree char *why = g_strdup_printf ("cannot run the hot-plug worker %s: %s", path,
                                                g_strerror (errno));

        openlog ("vfpool", LOG_PID, LOG_DAEMON);
        for (guint i = 0; i < hotplug->len; i++)
          vfp_hotplug_give_up (ctx, uuid, name, hotplug->pdata[i], why);
      }
      _exit (0);
    }
  close (job);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "cannot start the hot-plug worker (%s)",
                   WIFEXITED (status) && WEXITSTATUS (status) == 2 ? "second fork failed"
                                                                   : "setsid failed");
      /* (a worker that ran all the same finds its lease gone: stale) */
      return give_up_all (ctx, uuid, name, hotplug, error);
    }
  return TRUE;
}
