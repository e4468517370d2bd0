/* vfp-no-icu.c: ICU converter stubs for the statically linked hook.
 *
 * libxml2 looks up an encoding in its own tables first, then iconv (glibc),
 * and only then ICU.  libvirt hands the hook UTF-8, so ICU is never needed,
 * but a static libxml2.a still references these seven symbols, and linking
 * the real ICU would add ~30 MB of data to the hook.  Each stub fails the
 * way ICU fails for an unknown converter, so libxml2 reports the encoding
 * as unsupported.  Names carry ICU's version suffix (configure). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#define VFP_PASTE2(a, b) a##b
#define VFP_PASTE(a, b) VFP_PASTE2 (a, b)
#define VFP_ICU(name) VFP_PASTE (name, VFP_ICU_SUFFIX)

/* ICU's UErrorCode: > 0 is a failure; U_FILE_ACCESS_ERROR is what
 * ucnv_open sets for a converter it has no data for. */
typedef int VfpIcuError;
#define VFP_U_FILE_ACCESS_ERROR 4

void *VFP_ICU (ucnv_open) (const char *name, VfpIcuError *err);
void VFP_ICU (ucnv_close) (void *converter);
void VFP_ICU (ucnv_convertEx) (void *target_cnv, void *source_cnv, char **target,
                               const char *target_limit, const char **source,
                               const char *source_limit, uint16_t *pivot_start,
                               uint16_t **pivot_source, uint16_t **pivot_target,
                               const uint16_t *pivot_limit, int8_t reset, int8_t flush,
                               VfpIcuError *err);
void VFP_ICU (ucnv_setFromUCallBack) (void *converter, void *action, const void *context,
                                      void *old_action, const void **old_context,
                                      VfpIcuError *err);
void VFP_ICU (ucnv_setToUCallBack) (void *converter, void *action, const void *context,
                                    void *old_action, const void **old_context,
                                    VfpIcuError *err);
void VFP_ICU (UCNV_FROM_U_CALLBACK_STOP) (void);
void VFP_ICU (UCNV_TO_U_CALLBACK_STOP) (void);

void *
VFP_ICU (ucnv_open) (const char *name, VfpIcuError *err)
{
  if (err != NULL)
    *err = VFP_U_FILE_ACCESS_ERROR;
  return NULL;
}

/* The rest is unreachable (no converter is ever opened) but must exist. */
void
VFP_ICU (ucnv_close) (void *converter)
{
}

void
VFP_ICU (ucnv_convertEx) (void *target_cnv, void *source_cnv, char **target,
                          const char *target_limit, const char **source,
                          const char *source_limit, uint16_t *pivot_start,
                          uint16_t **pivot_source, uint16_t **pivot_target,
                          const uint16_t *pivot_limit, int8_t reset, int8_t flush,
                          VfpIcuError *err)
{
  if (err != NULL)
    *err = VFP_U_FILE_ACCESS_ERROR;
}

void
VFP_ICU (ucnv_setFromUCallBack) (void *converter, void *action, const void *context,
                                 void *old_action, const void **old_context, VfpIcuError *err)
{
  if (err != NULL)
    *err = VFP_U_FILE_ACCESS_ERROR;
}

void
VFP_ICU (ucnv_setToUCallBack) (void *converter, void *action, const void *context,
                               void *old_action, const void **old_context, VfpIcuError *err)
{
  if (err != NULL)
    *err = VFP_U_FILE_ACCESS_ERROR;
}

void
VFP_ICU (UCNV_FROM_U_CALLBACK_STOP) (void)
{
}

void
VFP_ICU (UCNV_TO_U_CALLBACK_STOP) (void)
{
}
