/* vfp-file.h: small, safe file helpers: bounded reads, durable writes and
 * atomic exclusive creation, and the check that a name may become a path. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Read a whole file of at most @max_size bytes into a NUL-terminated string;
 * trailing newlines are stripped.  Errors are G_FILE_ERROR with the errno
 * kept (not G_IO_ERROR: the hook does not link gio, see configure.ac). */
gboolean vfp_file_read (const char *path, gsize max_size, char **out, GError **error);

/* vfp_file_read() for files vfpool acts on (leases, quarantine, history):
 * a symlink is refused, not followed; so is anything but a regular file, a
 * file owned by another user than the one running vfpool, or one others may
 * write (group or world).  Checked with fstat() on the opened descriptor, so
 * nothing can be swapped in between. */
gboolean vfp_file_read_private (const char *path, gsize max_size, char **out,
                                GError **error);
/* Open @path with @flags (O_RDONLY, O_RDWR, O_WRONLY, maybe O_CREAT: then
 * 0600) under the same checks: the descriptor, or -1 with the error. */
int vfp_file_open_private (const char *path, int flags, GError **error);
/* The same for entry @name (one component, no symlink followed there
 * either) of the directory open at @dir_fd; @path names it in messages.  A
 * start opens its PFs' index files this way: one path walk for the
 * directory, not one per file. */
int vfp_file_open_private_at (int dir_fd, const char *name, const char *path, int flags,
                              GError **error);

/* TRUE if @path is a directory (not a symlink) owned by the user running
 * vfpool that neither group nor others may write.  With @exists given, a
 * missing @path is TRUE with *@exists = FALSE; else it is an error.  The
 * message names the path, what is wrong and the fix (never "remove it"). */
gboolean vfp_file_check_private_dir (const char *path, gboolean *exists, GError **error);

/* Open directory @path (O_NOFOLLOW) for lookups relative to it and check
 * the descriptor by vfp_file_check_private_dir()'s rules: the descriptor,
 * or -1 with the error (G_FILE_ERROR_NOENT when it does not exist). */
int vfp_file_open_private_dir (const char *path, GError **error);

/* Like vfp_file_read for entry @name of directory @dir, but never through a
 * symlink at @name and only if it is a regular file: for files in a
 * directory another program writes (libvirt's run dir).  @name must be one
 * path component (no '/', not "." or ".."). */
gboolean vfp_file_read_in_dir (const char *dir, const char *name, gsize max_size,
                               char **out, GError **error);

/* Write @data to a temporary in the same directory, fsync it, rename it over
 * @path and fsync the directory: readers see the old or the new file, never a
 * partial one, also across a crash or power loss. */
gboolean vfp_file_replace (const char *path, const char *data, gsize len,
                           int mode, GError **error);

/* Create @path with @data only if it does not exist yet.  The content is
 * written and synced under a temporary name first and then link()ed, so the
 * claim is atomic (like O_EXCL) and a crash never leaves an empty claim.
 * G_FILE_ERROR_EXIST when @path exists. */
gboolean vfp_file_create_exclusive (const char *path, const char *data, gsize len,
                                    int mode, GError **error);

/* Remove @path and fsync its directory; a missing file is success. */
gboolean vfp_file_remove (const char *path, GError **error);

/* Create (or keep) the empty file @path (0600) in its directory, made 0700
 * if missing — also when another process rmdir()s that directory once
 * empty between the two steps (index entries under owners/, macs/). */
gboolean vfp_file_touch_in_dir (const char *path, GError **error);

/* Make @path (and parents) a directory of @mode if missing. */
gboolean vfp_file_ensure_dir (const char *path, int mode, GError **error);

/* TRUE if @name may be used as one path component: non-empty, at most 255
 * bytes, no '/', not "." or "..", printable ASCII without spaces. */
gboolean vfp_name_is_safe (const char *name);

G_END_DECLS
