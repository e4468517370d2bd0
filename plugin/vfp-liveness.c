/* vfp-liveness.c: owner liveness from boot id, /proc and libvirt's pid files. */
#include "config.h"
#include "vfp-liveness.h"
#include "vfp-file.h"

#include <string.h>

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

/* TRUE if @arg is libvirt's "-name" value for domain @name:
 * "guest=NAME[,opt=...]", where a comma inside NAME is doubled. */
static gboolean
arg_names_guest (const char *arg, const char *name)
{
  const char *p;

  if (!g_str_has_prefix (arg, "guest="))
    return FALSE;
  p = arg + strlen ("guest=");
  for (; *name != '\0'; name++, p++)
    {
      if (*p != *name)
        return FALSE;
      if (*name == ',' && *++p != ',')
        return FALSE;
    }
  return *p == '\0' || (p[0] == ',' && p[1] != ',');
}

/* TRUE if process @pid runs and one of its arguments names the domain
 * (libvirt passes "-uuid UUID" and "-name guest=NAME,..."), so a recycled
 * pid is not mistaken for the VM.  Whole arguments only: "guest=t2" must
 * not match t22's QEMU, nor a UUID some other argument merely contains. */
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
  for (const char *arg = cmdline; arg < cmdline + len; arg += strlen (arg) + 1)
    if (g_ascii_strcasecmp (arg, lease->owner_uuid) == 0
        || arg_names_guest (arg, lease->owner_name))
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
