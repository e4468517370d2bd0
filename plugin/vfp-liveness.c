/* vfp-liveness.c: owner liveness from boot id, /proc and libvirt's pid files. */
#include "config.h"
#include "vfp-liveness.h"
#include "vfp-file.h"

#include <string.h>

/* libvirt's pid file holds a decimal pid and a newline. */
#define PID_FILE_MAX_SIZE 64

gint64
vfp_liveness_read_qemu_pid (VfpContext *ctx, const char *name)
{
  g_autofree char *file = NULL;
  g_autofree char *text = NULL;
  gint64 pid;

  /* Every name libvirt accepts (it refuses only '/'; spaces and non-ASCII
   * are fine) must find its pid file, or a running domain looks gone once
   * the grace period ends.  The file is opened as one entry of the run dir
   * without following symlinks (vfp_file_read_in_dir), so no name reaches
   * another file; whose QEMU the pid is, -uuid decides (pid_is_domain). */
  if (name == NULL || strlen (name) > VFP_DOMAIN_NAME_MAX)
    return 0;
  file = g_strdup_printf ("%s.pid", name);
  if (!vfp_file_read_in_dir (ctx->libvirt_run_dir, file, PID_FILE_MAX_SIZE, &text, NULL)
      || !g_ascii_string_to_signed (g_strstrip (text), 10, 1, G_MAXINT32, &pid, NULL))
    return 0;
  return pid;
}

/* TRUE if process @pid runs with the arguments "-uuid UUID" of the domain
 * (libvirt always passes them), so a recycled pid is not mistaken
 * for the VM.  Not the name: a domain can be renamed, and any process may
 * call itself "guest=NAME".  Whole arguments only: a UUID some other
 * argument contains (-smbios serial=UUID) or names (virsh dominfo UUID)
 * is not the domain's QEMU. */
static gboolean
pid_is_domain (VfpContext *ctx, gint64 pid, const VfpLease *lease)
{
  g_autofree char *dir = g_strdup_printf ("%" G_GINT64_FORMAT, pid);
  g_autofree char *path = g_build_filename (ctx->proc_root, dir, "cmdline", NULL);
  g_autofree char *cmdline = NULL;
  gsize len;

  if (!g_file_get_contents (path, &cmdline, &len, NULL))
    return FALSE;
  /* Arguments are NUL-terminated; g_file_get_contents adds one more NUL,
   * so the last argument ends even when the file lacks its own. */
  for (const char *arg = cmdline, *prev = ""; arg < cmdline + len;
       prev = arg, arg += strlen (arg) + 1)
    if (strcmp (prev, "-uuid") == 0 && g_ascii_strcasecmp (arg, lease->owner_uuid) == 0)
      return TRUE;
  return FALSE;
}

VfpOwnerState
vfp_liveness_check (VfpContext *ctx, const VfpLease *lease, const char *boot_id,
                    gint64 now)
{
  gint64 pid;

  if (boot_id != NULL && lease->boot_id != NULL && strcmp (boot_id, lease->boot_id) != 0)
    return VFP_OWNER_GONE;
  if (lease->qemu_pid > 0)
    return pid_is_domain (ctx, lease->qemu_pid, lease) ? VFP_OWNER_ALIVE : VFP_OWNER_GONE;
  pid = vfp_liveness_read_qemu_pid (ctx, lease->owner_name);
  if (pid > 0 && pid_is_domain (ctx, pid, lease))
    return VFP_OWNER_ALIVE;
  if (now - lease->created < VFP_LIVENESS_GRACE_SECONDS)
    return VFP_OWNER_UNKNOWN;
  return VFP_OWNER_GONE;
}

VfpOwnerState
vfp_liveness_combine (VfpOwnerState local, VfpOwnerState remote)
{
  /* Free only what no source thinks alive: never a running domain's VF. */
  if (local == VFP_OWNER_ALIVE || remote == VFP_OWNER_ALIVE)
    return VFP_OWNER_ALIVE;
  if (local == VFP_OWNER_UNKNOWN && remote != VFP_OWNER_GONE)
    return VFP_OWNER_UNKNOWN;
  return VFP_OWNER_GONE;
}
