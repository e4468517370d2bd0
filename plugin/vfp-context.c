/* vfp-context.c: where an operation runs (directories, sysfs root, backends). */
#include "config.h"
#include "vfp-context.h"
#include "vfp-file.h"

#include <string.h>

#ifndef VFP_DEFAULT_CONFIG_DIR
#define VFP_DEFAULT_CONFIG_DIR "/etc/vfpool"
#endif
#ifndef VFP_DEFAULT_STATE_DIR
#define VFP_DEFAULT_STATE_DIR "/run/vfpool"
#endif
#ifndef VFP_DEFAULT_HISTORY_DIR
#define VFP_DEFAULT_HISTORY_DIR "/var/lib/vfpool"
#endif

VfpContext *
vfp_context_new (void)
{
  VfpContext *ctx = g_new0 (VfpContext, 1);

  ctx->sysfs_root = g_strdup ("/sys");
  ctx->config_dir = g_strdup (VFP_DEFAULT_CONFIG_DIR);
  ctx->state_dir = g_strdup (VFP_DEFAULT_STATE_DIR);
  ctx->history_dir = g_strdup (VFP_DEFAULT_HISTORY_DIR);
  ctx->netlink_spec = g_strdup ("kernel");
  ctx->libvirt_uri = g_strdup ("qemu:///system");
  ctx->boot_id_path = g_strdup ("/proc/sys/kernel/random/boot_id");
  ctx->libvirt_run_dir = g_strdup ("/run/libvirt/qemu");
  ctx->proc_root = g_strdup ("/proc");
  return ctx;
}

static void
override (char **field, char **envp, const char *name)
{
  const char *value = g_environ_getenv (envp, name);

  if (value != NULL && *value != '\0')
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

void
vfp_context_apply_environ (VfpContext *ctx, char **envp)
{
  override (&ctx->sysfs_root, envp, "VFPOOL_SYSFS_ROOT");
  override (&ctx->config_dir, envp, "VFPOOL_CONFIG_DIR");
  override (&ctx->state_dir, envp, "VFPOOL_STATE_DIR");
  override (&ctx->history_dir, envp, "VFPOOL_HISTORY_DIR");
  override (&ctx->netlink_spec, envp, "VFPOOL_NETLINK");
  override (&ctx->libvirt_uri, envp, "VFPOOL_LIBVIRT_URI");
  override (&ctx->boot_id_path, envp, "VFPOOL_BOOT_ID_FILE");
  override (&ctx->libvirt_run_dir, envp, "VFPOOL_LIBVIRT_RUN_DIR");
  override (&ctx->proc_root, envp, "VFPOOL_PROC_ROOT");
  override (&ctx->fault_point, envp, "VFPOOL_FAULT");
  override (&ctx->stats_path, envp, "VFPOOL_STATS");
}

VfpNetlink *
vfp_context_get_netlink (VfpContext *ctx, GError **error)
{
  if (ctx->netlink == NULL)
    ctx->netlink = vfp_netlink_open (ctx->netlink_spec, error);
  return ctx->netlink;
}

char *
vfp_context_read_boot_id (VfpContext *ctx, GError **error)
{
  char *id = NULL;

  if (!vfp_file_read (ctx->boot_id_path, 128, &id, error))
    return NULL;
  return g_strstrip (id);
}

void
vfp_context_free (VfpContext *ctx)
{
  if (ctx == NULL)
    return;
  g_free (ctx->sysfs_root);
  g_free (ctx->config_dir);
  g_free (ctx->state_dir);
  g_free (ctx->history_dir);
  g_free (ctx->netlink_spec);
  g_free (ctx->libvirt_uri);
  g_free (ctx->boot_id_path);
  g_free (ctx->libvirt_run_dir);
  g_free (ctx->proc_root);
  g_free (ctx->fault_point);
  g_free (ctx->stats_path);
  if (ctx->netlink != NULL)
    vfp_netlink_free (ctx->netlink);
  g_free (ctx);
}
