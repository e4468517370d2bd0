/* vfp-error.h: the one GError domain of vfpool, the codes callers branch on,
 * and quoting of untrusted values in messages. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VFP_ERROR (vfp_error_quark ())

typedef enum {
  VFP_ERROR_FAILED,           /* anything not covered below */
  VFP_ERROR_POOL_EXHAUSTED,   /* every VF of the pool is leased or unusable */
  VFP_ERROR_NOT_FOUND,        /* pool, PF, VF, domain or lease does not exist */
  VFP_ERROR_INVALID_CONFIG,   /* pools.d file is wrong */
  VFP_ERROR_INVALID_REQUEST,  /* the domain's request or XML is wrong */
  VFP_ERROR_BUSY,             /* the VF is leased to someone else */
  VFP_ERROR_UNSUPPORTED,      /* the PF driver rejects a knob the request names */
  VFP_ERROR_STATE_CORRUPT,    /* a lease or history file cannot be read back */
  VFP_ERROR_NO_HOTPLUG_SLOT,  /* plain start path without a free hot-plug port */
} VfpErrorCode;

GQuark vfp_error_quark (void);

/* An untrusted value (domain XML, config files, sysfs) as it may appear in a
 * message on a terminal: control characters escaped as \xNN, cut to 64
 * characters with "..." after. */
char *vfp_error_quote (const char *value);

/* @value as one shell word to paste into a suggested command (and to show
 * a name unambiguously): unchanged when it holds only letters, digits and
 * "_.,:@%+=/-"; else single-quoted ('a b', 'x'\''y'); with a control
 * character or invalid UTF-8, bash's $'...' with \xNN escapes, so the
 * output is one line and never drives the terminal.  Not cut short. */
char *vfp_error_shell_quote (const char *value);

G_END_DECLS
