/* vfp-keyfile-writer.h: key files (lease files, the fake backend's VF state)
 * written straight into a GString, byte for byte what GLib 2.74's GKeyFile
 * writes for the same g_key_file_set_string/_set_uint64/_set_int64 calls and
 * g_key_file_to_data().  A lease is written three times per start; building a
 * GKeyFile for it (hash tables, lists, one printf per line) was a quarter of
 * the hook's instructions.  Reading stays with GKeyFile: the text is the same.
 *
 * The format: "[group]\n", then "key=value\n" in the order written, groups
 * separated by one empty line.  A group's header is written with its first
 * key, so a group given no key does not appear (as with GKeyFile, which
 * creates a group when a key is set in it).  Unlike GKeyFile, a group or key
 * written twice is written twice: callers write each once. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GString *out;
  const char *pending;  /* the group keys go to while its header is not written */
  gboolean any_group;   /* a header is written: keys have a group, and the next
                         * header needs an empty line before it */
} VfpKeyfileWriter;

/* Start writing into a buffer of @size bytes (a power of two; 0: GLib's
 * default), grown as needed. */
void vfp_keyfile_writer_init (VfpKeyfileWriter *w, gsize size);
/* The text written (owned by the caller) and its length; @w is spent. */
char *vfp_keyfile_writer_finish (VfpKeyfileWriter *w, gsize *len);

/* Keys from now on go to @group (a static or longer-lived string). */
void vfp_keyfile_group (VfpKeyfileWriter *w, const char *group);
/* @value escaped as g_key_file_set_string() escapes it. */
void vfp_keyfile_string (VfpKeyfileWriter *w, const char *key, const char *value);
void vfp_keyfile_uint64 (VfpKeyfileWriter *w, const char *key, guint64 value);
void vfp_keyfile_int64 (VfpKeyfileWriter *w, const char *key, gint64 value);

G_END_DECLS
