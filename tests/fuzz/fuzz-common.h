/* fuzz-common.h: what every vfpool libFuzzer target shares: fatal GLib criticals and an invariant check that crashes. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken invariant must be a crash, or libFuzzer would not keep the input. */
#define FUZZ_CHECK(cond, ...)                                           \
  do                                                                    \
    {                                                                   \
      if (!(cond))                                                      \
        {                                                               \
          fprintf (stderr, "%s:%d: invariant '%s' broken: ", __FILE__,  \
                   __LINE__, #cond);                                    \
          fprintf (stderr, __VA_ARGS__);                                \
          fputc ('\n', stderr);                                         \
          abort ();                                                     \
        }                                                               \
    }                                                                   \
  while (0)

/* A g_return_if_fail() reached from input is a library bug, not noise.
 * abort() rather than GLib's fatal-criticals breakpoint: libFuzzer catches
 * SIGABRT and saves the input, SIGTRAP just kills it. */
static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                 gpointer user_data)
{
  g_log_writer_standard_streams (level, fields, n_fields, user_data);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_common_init (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The LLVMFuzzerInitialize of a target that needs nothing but the above. */
#define FUZZ_DEFAULT_INITIALIZE                                         \
  int                                                                   \
  LLVMFuzzerInitialize (int *argc, char ***argv)                        \
  {                                                                     \
    fuzz_common_init ();                                                \
    return 0;                                                           \
  }
