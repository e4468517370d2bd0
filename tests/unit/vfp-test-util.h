/* vfp-test-util.h: shared helpers for the cmocka unit tests. */
#pragma once

#include <glib.h>
#include "vfp-domxml.h"

/* cmocka.h needs these first; the test files include them the same way. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh temporary directory under TEST_BUILDDIR/tmp (removed by
 * vfp_test_rmtree). */
char *vfp_test_mkdtemp (const char *tag);
/* Build a fake sysfs tree of @layout (see tests/sysfs/README) under @root;
 * @layout may start with mksysfs options ("--carrier ens1f0=0 demo"). */
void vfp_test_make_sysfs (const char *root, const char *layout);
/* Write @text to @dir/@name, creating parent directories. */
void vfp_test_write (const char *dir, const char *name, const char *text);
void vfp_test_rmtree (const char *path);
/* Path of a file in tests/ (source tree). */
char *vfp_test_srcpath (const char *relpath);

/* The text of tests/data/xml/@file (fails the test if unreadable). */
char *vfp_test_load_xml (const char *file);
/* Parse @text as domain XML or fail the test, naming @what. */
VfpDomXml *vfp_test_parse_or_fail (const char *what, const char *text);

/* One cmocka test per row of a case table; every row struct starts with its
 * name, which becomes the test's name. */
void vfp_test_add_table (GArray *tests, CMUnitTestFunction fn, const void *rows,
                         gsize row_size, gsize n_rows);
#define VFP_TEST_ADD_TABLE(tests, fn, rows) \
  vfp_test_add_table ((tests), (fn), (rows), sizeof (rows)[0], G_N_ELEMENTS (rows))
void vfp_test_add (GArray *tests, const char *name, CMUnitTestFunction fn);
