/* vfp-no-lzma.c: liblzma stubs for the statically linked hook.
 *
 * libxml2.a references four liblzma functions for reading .xz-compressed
 * files (xzlib.c); the hook only parses the domain XML libvirt writes to its
 * stdin, from memory, so they are never called.  Linking the real liblzma
 * would run its start-up code on every hook call: it probes the CPU with
 * CPUID to choose a CRC routine, and CPUID traps to the hypervisor in a VM.
 * Each stub fails the way liblzma fails for a misuse (LZMA_PROG_ERROR), so
 * xz input would be refused, not misread. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#define VFP_LZMA_PROG_ERROR 11

typedef struct VfpLzmaStream VfpLzmaStream;

int lzma_auto_decoder (VfpLzmaStream *strm, uint64_t memlimit, uint32_t flags);
int lzma_code (VfpLzmaStream *strm, int action);
void lzma_end (VfpLzmaStream *strm);
int lzma_properties_decode (void *filter, const void *allocator, const uint8_t *props,
                            size_t props_size);

int
lzma_auto_decoder (VfpLzmaStream *strm, uint64_t memlimit, uint32_t flags)
{
  return VFP_LZMA_PROG_ERROR;
}

int
lzma_code (VfpLzmaStream *strm, int action)
{
  return VFP_LZMA_PROG_ERROR;
}

void
lzma_end (VfpLzmaStream *strm)
{
}

int
lzma_properties_decode (void *filter, const void *allocator, const uint8_t *props,
                        size_t props_size)
{
  return VFP_LZMA_PROG_ERROR;
}
