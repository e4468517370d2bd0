/* vfp-file.c: small, safe file helpers (bounded reads, durable writes,
 * atomic exclusive creation). */
#include "config.h"
#include "vfp-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

static gboolean
set_errno_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               "%s %s: %s", what, path, g_strerror (errsv));
  return FALSE;
}

/* Read all of @fd (closed here) into a NUL-terminated string. */
static gboolean
read_fd (int fd, const char *path, gsize max_size, char **out, GError **error)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  char chunk[4096];

  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          close (fd);
          return set_errno_error (error, errsv, "cannot read", path);
        }
      if (n == 0)
        break;
      if (buf->len + (gsize) n > max_size)
        {
          close (fd);
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                       "%s is larger than %" G_GSIZE_FORMAT " bytes", path, max_size);
          return FALSE;
        }
      g_string_append_len (buf, chunk, n);
    }
  close (fd);
  while (buf->len > 0 && buf->str[buf->len - 1] == '\n')
    g_string_truncate (buf, buf->len - 1);
  *out = g_string_free (g_steal_pointer (&buf), FALSE);
  return TRUE;
}

gboolean
vfp_file_read (const char *path, gsize max_size, char **out, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    return set_errno_error (error, errno, "cannot open", path);
  return read_fd (fd, path, max_size, out, error);
}

/* Who may write @st besides us: the same rule for files and directories. */
static gboolean
check_private (const struct stat *st, const char *path, const char *chmod_mode,
               GError **error)
{
  uid_t euid = geteuid ();   /* once: every file and directory checked pays for it */

  /* Not root: the state belongs to root's vfpool; chown'ing it to us (or
   * removing it) would break every running domain's leases. */
  if (st->st_uid != euid && euid != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "%s is owned by uid %u, not by uid %u that runs vfpool; "
                   "run vfpool as root (leave the directory as it is)", path,
                   (guint) st->st_uid, (guint) euid);
      return FALSE;
    }
  if (st->st_uid != euid)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "%s is owned by uid %u, not by uid %u that runs vfpool, so it is not "
                   "trusted; fix: check who made it, then chown %u %s", path,
                   (guint) st->st_uid, (guint) euid, (guint) euid, path);
      return FALSE;
    }
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "%s is %s-writable (mode %04o), so it is not trusted; fix: chmod %s %s",
                   path, (st->st_mode & S_IWOTH) ? "world" : "group",
                   (guint) (st->st_mode & 07777), chmod_mode, path);
      return FALSE;
    }
  return TRUE;
}

/* fstat() @fd; when that fails, @fd is closed and the error names @path. */
static gboolean
fstat_or_close (int fd, const char *path, struct stat *st, GError **error)
{
  if (fstat (fd, st) == 0)
    return TRUE;
  {
    int errsv = errno;
    close (fd);
    return set_errno_error (error, errsv, "cannot examine", path);
  }
}

int
vfp_file_open_private (const char *path, int flags, GError **error)
{
  return vfp_file_open_private_at (AT_FDCWD, path, path, flags, error);
}

int
vfp_file_open_private_at (int dir_fd, const char *name, const char *path, int flags,
                          GError **error)
{
  /* O_NOFOLLOW: a planted symlink is refused, not followed; O_NONBLOCK: a
   * planted FIFO cannot hang the reader before fstat() refuses it. */
  int fd = openat (dir_fd, name, flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK, 0600);
  struct stat st;

  if (fd < 0 && errno == ELOOP)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP,
                   "%s is a symlink, which vfpool does not follow; fix: check who made it, "
                   "then remove it", path);
      return -1;
    }
  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot open", path);
      return -1;
    }
  if (!fstat_or_close (fd, path, &st, error))
    return -1;
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "%s is not a regular file (mode %06o); fix: check who made it, then "
                   "remove it", path, (guint) st.st_mode);
      return -1;
    }
  if (!check_private (&st, path, "0600", error))
    {
      close (fd);
      return -1;
    }
  return fd;
}

gboolean
vfp_file_read_private (const char *path, gsize max_size, char **out, GError **error)
{
  int fd = vfp_file_open_private (path, O_RDONLY, error);

  return fd >= 0 && read_fd (fd, path, max_size, out, error);
}

gboolean
vfp_file_check_private_dir (const char *path, gboolean *exists, GError **error)
{
  struct stat st;

  if (exists != NULL)
    *exists = TRUE;
  if (lstat (path, &st) < 0)
    {
      int errsv = errno;
      if (errsv == ENOENT && exists != NULL)
        {
          *exists = FALSE;
          return TRUE;
        }
      return set_errno_error (error, errsv, "cannot examine", path);
    }
  /* Never "remove it": the directory may hold the leases, and a state dir
   * recreated empty would hand every leased VF out a second time. */
  if (S_ISLNK (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   "%s is a symlink, which vfpool does not follow; fix: put the directory "
                   "itself there (mode 0700, owned by uid %u), moving its content along",
                   path, (guint) geteuid ());
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                   "%s is not a directory; fix: check who made it, then move it away "
                   "(vfpool recreates the directory 0700)", path);
      return FALSE;
    }
  return check_private (&st, path, "0700", error);
}

int
vfp_file_open_private_dir (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;

  if (fd < 0)
    {
      int errsv = errno;
      /* A symlink (ELOOP) or no directory (ENOTDIR): the path check says
       * what is wrong and how to fix it. */
      if ((errsv == ELOOP || errsv == ENOTDIR) && !vfp_file_check_private_dir (path, NULL, error))
        return -1;
      set_errno_error (error, errsv, "cannot open", path);
      return -1;
    }
  /* Checked on the descriptor that will be used: nothing can be swapped in
   * between the check and the use. */
  if (!fstat_or_close (fd, path, &st, error))
    return -1;
  if (!check_private (&st, path, "0700", error))
    {
      close (fd);
      return -1;
    }
  return fd;
}

gboolean
vfp_file_read_in_dir (const char *dir, const char *name, gsize max_size,
                      char **out, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  struct stat st;
  int dirfd, fd, errsv;

  if (name[0] == '\0' || strchr (name, '/') != NULL || strcmp (name, ".") == 0
      || strcmp (name, "..") == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s: not a single file name", path);
      return FALSE;
    }
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return set_errno_error (error, errno, "cannot open directory", dir);
  /* O_NONBLOCK: a FIFO planted there must not hang the hook before the
   * regular-file check below refuses it. */
  fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  errsv = errno;
  close (dirfd);
  if (fd < 0)
    return set_errno_error (error, errsv, "cannot open", path);
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a regular file", path);
      return FALSE;
    }
  return read_fd (fd, path, max_size, out, error);
}

static gboolean
fsync_dir_of (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return set_errno_error (error, errno, "cannot open directory", dir);
  if (fsync (fd) < 0 && errno != EINVAL)
    {
      int errsv = errno;
      close (fd);
      return set_errno_error (error, errsv, "cannot sync directory", dir);
    }
  close (fd);
  return TRUE;
}

/* Write @data to a new unique temporary beside @path and fsync it. */
static char *
write_temp (const char *path, const char *data, gsize len, int mode, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-XXXXXX", path);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, mode);
  gsize done = 0;

  if (fd < 0)
    {
      set_errno_error (error, errno, "cannot create", tmp);
      return NULL;
    }
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto fail;
      done += n;
    }
  if (fchmod (fd, mode) < 0 || fsync (fd) < 0)
    goto fail;
  if (close (fd) < 0)
    {
      fd = -1;
      goto fail;
    }
  return g_steal_pointer (&tmp);

fail:
  {
    int errsv = errno;
    if (fd >= 0)
      close (fd);
    unlink (tmp);
    set_errno_error (error, errsv, "cannot write", tmp);
    return NULL;
  }
}

gboolean
vfp_file_replace (const char *path, const char *data, gsize len, int mode, GError **error)
{
  g_autofree char *tmp = write_temp (path, data, len, mode, error);

  if (tmp == NULL)
    return FALSE;
  if (rename (tmp, path) < 0)
    {
      int errsv = errno;
      unlink (tmp);
      return set_errno_error (error, errsv, "cannot replace", path);
    }
  return fsync_dir_of (path, error);
}

gboolean
vfp_file_create_exclusive (const char *path, const char *data, gsize len,
                           int mode, GError **error)
{
  g_autofree char *tmp = write_temp (path, data, len, mode, error);
  int rc, errsv;

  if (tmp == NULL)
    return FALSE;
  /* link() fails with EEXIST atomically, like O_EXCL, but the file appears
   * with its whole content already on disk. */
  rc = link (tmp, path);
  errsv = errno;
  unlink (tmp);
  if (rc < 0)
    return set_errno_error (error, errsv, "cannot create", path);
  return fsync_dir_of (path, error);
}

gboolean
vfp_file_remove (const char *path, GError **error)
{
  if (unlink (path) < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return set_errno_error (error, errno, "cannot remove", path);
    }
  return fsync_dir_of (path, error);
}

gboolean
vfp_file_ensure_dir (const char *path, int mode, GError **error)
{
  if (g_mkdir_with_parents (path, mode) < 0)
    return set_errno_error (error, errno, "cannot create directory", path);
  return TRUE;
}

gboolean
vfp_name_is_safe (const char *name)
{
  gsize len;

  if (name == NULL)
    return FALSE;
  len = strlen (name);
  if (len == 0 || len > 255 || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (*p == '/' || !g_ascii_isgraph (*p))
      return FALSE;
  return TRUE;
}

/* Create (or keep) the empty regular file @path, durably.  An empty file
 * has no content to lose in a crash, so no temporary and rename: the
 * O_CREAT is atomic, and the directory's fsync makes the entry last.
 * FALSE with errno set when it could not (ENOENT: the directory went). */
static gboolean
touch_empty (const char *path)
{
  struct stat st;
  int fd = open (path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
                 0600);

  if (fd < 0)
    return FALSE;
  /* In a private directory (the caller's), so only ours can be there. */
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_size != 0
      || (st.st_mode & 07777) != 0600)
    {
      close (fd);
      errno = EEXIST;   /* not the file it should be: the caller replaces it */
      return FALSE;
    }
  close (fd);
  return fsync_dir_of (path, NULL);   /* errno ENOENT: the directory went */
}

gboolean
vfp_file_touch_in_dir (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  for (int attempt = 0;; attempt++)
    {
      g_autoptr (GError) local_error = NULL;

      if (!vfp_file_ensure_dir (dir, 0700, error))
        return FALSE;
      if (touch_empty (path))
        return TRUE;
      /* Something else is in the way (a symlink, a FIFO): replaced by an
       * empty file of ours, as a whole. */
      if (errno != ENOENT && vfp_file_replace (path, "", 0, 0600, &local_error))
        return TRUE;
      if (local_error == NULL)
        set_errno_error (&local_error, ENOENT, "cannot create", path);
      if (attempt >= 3 || !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
}
