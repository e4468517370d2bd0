/* vfp-fault.c: crash points (see vfp-fault.h); empty unless VFP_FAULT_INJECTION. */
#include "config.h"
#include "vfp-fault.h"

#ifdef VFP_FAULT_INJECTION
#include <signal.h>
#include <string.h>
#include <unistd.h>

void
vfp_fault_point (VfpContext *ctx, const char *name)
{
  const char *spec = ctx->fault_point;
  gsize len;
  guint64 nth = 1;

  if (spec == NULL || *spec == '\0')
    return;
  len = strcspn (spec, ":");
  if (strlen (name) != len || strncmp (spec, name, len) != 0)
    return;
  if (spec[len] == ':'
      && !g_ascii_string_to_unsigned (spec + len + 1, 10, 1, G_MAXUINT, &nth, NULL))
    return;
  if (++ctx->fault_hits < nth)
    return;
  /* SIGKILL, not abort(): no handler, no atexit, no stdio flush — what a
   * power cut or an OOM kill leaves behind. */
  kill (getpid (), SIGKILL);
}

void
vfp_fault_point_env (const char *name)
{
  const char *spec = g_getenv ("VFPOOL_FAULT");

  if (spec != NULL && strcmp (spec, name) == 0)
    kill (getpid (), SIGKILL);
}
#else
/* ISO C wants at least one declaration per translation unit. */
typedef int vfp_fault_unused;
#endif
