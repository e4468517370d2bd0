/* vfp-error.c: the vfpool GError domain. */
#include "vfp-error.h"

G_DEFINE_QUARK (vfp-error-quark, vfp_error)
