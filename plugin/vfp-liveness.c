/* vfp-liveness.c: owner liveness from boot id, /proc and libvirt's pid files. */
#include "config.h"
#include "vfp-liveness.h"
#include "vfp-file.h"

#include <string.h>

const char *
vfp_owner_state_to_string (VfpOwnerState state)
{
  switch (state)
    {
    case VFP_OWNER_ALIVE: return "alive";
    case VFP_OWNER_GONE: return "gone";
    default: return "unknown";
    }
}

gint64
vfp_liveness_read_qemu_pid (VfpContext *ctx, const char *name)
{
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gint64 pid;

  if (!vfp_name_is_safe (name))
    return 0;
  file = g_strdup_printf ("%s.pid", name);
  path = g_build_filename (ctx->libvirt_run_dir, file, NULL);
  if (!vfp_file_read (path, 64, &text, NULL)
      || !g_ascii_string_to_signed (g_strstrip (text), 10, 1, G_MAXINT32, &pid, NULL))
    return 0;
  return pid;
}

/* TRUE if process @pid runs and its command line names the domain (libvirt
 * passes "-uuid UUID" and "guest=NAME"), so a recycled pid is not mistaken
 * for the VM. */
static gboolean
pid_is_domain (VfpContext *ctx, gint64 pid, const VfpLease *lease)
{
  g_autofree char *dir = g_strdup_printf ("%" G_GINT64_FORMAT, pid);
  g_autofree char *path = g_build_filename (ctx->proc_root, dir, "cmdline", NULL);
  g_autofree char *cmdline = NULL;
  gsize len;
  g_autofree char *guest = g_strdup_printf ("guest=%s", lease->owner_name);

  if (!g_file_get_contents (path, &cmdline, &len, NULL))
    return FALSE;
  for (gsize i = 0; i < len; i++)   /* arguments are NUL-separated */
    if (cmdline[i] == '\0')
      cmdline[i] = ' ';
  return strstr (cmdline, lease->owner_uuid) != NULL || strstr (cmdline, guest) != NULL;
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
