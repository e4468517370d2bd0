/* vfp-test-util.h: shared helpers for the cmocka unit tests. */
#pragma once

#include <glib.h>

/* A fresh temporary directory under TEST_BUILDDIR/tmp (removed by
 * vfp_test_rmtree). */
char *vfp_test_mkdtemp (const char *tag);
/* Build a fake sysfs tree of @layout (see tests/sysfs/README) under @root. */
void vfp_test_make_sysfs (const char *root, const char *layout);
/* Write @text to @dir/@name, creating parent directories. */
void vfp_test_write (const char *dir, const char *name, const char *text);
void vfp_test_rmtree (const char *path);
/* Path of a file in tests/ (source tree). */
char *vfp_test_srcpath (const char *relpath);
