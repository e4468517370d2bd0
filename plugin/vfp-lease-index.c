/* vfp-lease-index.c: the per-PF leased index (see vfp-lease-index.h). */
#include "config.h"
#include "vfp-lease-index.h"
#include "vfp-error.h"
#include "vfp-file.h"
#include "vfp-lease.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "vfpool-index-1\n"
#define HEADER (sizeof MAGIC)            /* the magic and the state byte */
#define STATE_AT (HEADER - 1)
#define STATE_VALID 'V'
#define STATE_BUILDING 'B'

static char *
index_path (const char *state_dir, const char *pf_pci)
{
  return g_build_filename (state_dir, VFP_LEASE_INDEX_DIR, pf_pci, NULL);
}

static gboolean
write_byte (int fd, off_t at, char c)
{
  ssize_t n;

  do
    n = pwrite (fd, &c, 1, at);
  while (n < 0 && errno == EINTR);
  return n == 1;
}

void
vfp_lease_index_mark (const char *state_dir, const char *pf_pci, guint vf_index,
                      gboolean leased)
{
  g_autofree char *path = NULL;
  int fd;

  if (pf_pci == NULL || !vfp_pci_address_is_valid (pf_pci))
    return;
  path = index_path (state_dir, pf_pci);
  fd = vfp_file_open_private (path, O_WRONLY, NULL);
  if (fd < 0)
    return;   /* none yet: the first reader builds it from the leases */
  /* One byte at a fixed place, under the VF's lock: no read-modify-write
   * that could undo another VF's update.  A cleared byte reaches the disk
   * before the lease file goes (a persistent state dir after a power cut
   * must not show a 1 without its lease). */
  if (write_byte (fd, HEADER + vf_index, leased ? '1' : '0') && !leased)
    fdatasync (fd);
  close (fd);
}

void
vfp_lease_index_repair (const char *state_dir, const char *pf_pci, guint vf_index,
                        const char *vf_pci)
{
  int lock_fd = -1;

  /* Not waiting: whoever holds the lock is claiming, configuring or
   * removing that VF, and sets its byte itself. */
  if (!vfp_lease_trylock (state_dir, vf_pci, &lock_fd))
    return;
  vfp_lease_index_mark (state_dir, pf_pci, vf_index, vfp_lease_exists (state_dir, vf_pci));
  vfp_lease_unlock (lock_fd);
}

gboolean
vfp_lease_index_usable (const char *state_dir)
{
  g_autofree char *dir = g_build_filename (state_dir, VFP_LEASE_INDEX_DIR, NULL);
  gboolean exists;

  if (!vfp_file_check_private_dir (dir, &exists, NULL))
    return FALSE;
  return exists || vfp_file_ensure_dir (dir, 0700, NULL);
}

int
vfp_lease_index_open_dir (const char *state_dir)
{
  g_autofree char *dir = g_build_filename (state_dir, VFP_LEASE_INDEX_DIR, NULL);
  g_autoptr (GError) error = NULL;
  /* The checks on the descriptor the files are then opened through. */
  int fd = vfp_file_open_private_dir (dir, &error);

  if (fd < 0 && g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
      && vfp_file_ensure_dir (dir, 0700, NULL))
    fd = vfp_file_open_private_dir (dir, NULL);
  return fd;
}

/* @buf (HEADER + @n bytes read) as a valid index: its state into *@state
 * and the VFs into @out.  FALSE, with why, when it is not one. */
static gboolean
parse (const char *buf, gssize len, guint n, char *state, guint8 *out, const char *path,
       GError **error)
{
  if (len < (gssize) HEADER || memcmp (buf, MAGIC, HEADER - 1) != 0
      || (buf[STATE_AT] != STATE_VALID && buf[STATE_AT] != STATE_BUILDING))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT, "%s: no index header", path);
      return FALSE;
    }
  *state = buf[STATE_AT];
  if (len < (gssize) (HEADER + n))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT,
                   "%s: %" G_GSSIZE_FORMAT " VF bytes for %u VFs", path, len - (gssize) HEADER,
                   n);
      return FALSE;
    }
  /* Eight bytes at a time while each is '0' or '1' (0x30, 0x31): the
   * index of a start's pool is thousands of bytes.  The loop below takes
   * the rest, and names the first bad byte. */
  guint i = 0;
  for (; i + 8 <= n; i += 8)
    {
      guint64 w;

      memcpy (&w, buf + HEADER + i, 8);
      w ^= G_GUINT64_CONSTANT (0x3030303030303030);
      if (w & ~G_GUINT64_CONSTANT (0x0101010101010101))
        break;
      memcpy (out + i, &w, 8);
    }
  for (; i < n; i++)
    {
      char c = buf[HEADER + i];
      if (c != '0' && c != '1')
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT,
                       "%s: byte of VF %u is 0x%02x, not '0' or '1'", path, i, (guint8) c);
          return FALSE;
        }
      out[i] = c == '1';
    }
  return TRUE;
}

/* Read @fd's index of @n VFs; see parse(). */
static gboolean
read_index (int fd, guint n, char *state, guint8 *out, const char *path, GError **error)
{
  g_autofree char *buf = g_malloc (HEADER + n);
  gssize len;

  do
    len = pread (fd, buf, HEADER + n, 0);
  while (len < 0 && errno == EINTR);
  if (len < 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot read %s: %s",
                   path, g_strerror (errsv));
      return FALSE;
    }
  return parse (buf, len, n, state, out, path, error);
}

static guint
pf_vf_count (const VfpPf *pf)
{
  return pf->vfs != NULL ? pf->vfs->len : 0;
}

/* Rebuild the index open at @fd (whose flock the caller holds): marked
 * being-built first, so readers ignore it until it is whole; then each
 * VF's byte set under that VF's lock — exactly like a claim or a removal,
 * which hold it too, so no update is lost or undone. */
static gboolean
build (const char *state_dir, const VfpPf *pf, int fd, const char *path, guint8 *out,
       GError **error)
{
  guint n = pf_vf_count (pf);
  struct stat st;

  if (pwrite (fd, MAGIC, HEADER - 1, 0) != (gssize) HEADER - 1
      || !write_byte (fd, STATE_AT, STATE_BUILDING) || fstat (fd, &st) < 0
      || (st.st_size < (off_t) (HEADER + n) && ftruncate (fd, HEADER + n) < 0))
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv), "cannot write %s: %s",
                   path, g_strerror (errsv));
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      const VfpVf *vf = pf->vfs->pdata[i];
      int lock_fd = -1;
      gboolean ok;

      if (!vfp_lease_lock (state_dir, vf->pci, &lock_fd, error))
        return FALSE;
      out[i] = vfp_lease_exists (state_dir, vf->pci);
      ok = write_byte (fd, HEADER + i, out[i] ? '1' : '0');
      vfp_lease_unlock (lock_fd);
      if (!ok)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot write %s", path);
          return FALSE;
        }
    }
  if (fdatasync (fd) < 0 || !write_byte (fd, STATE_AT, STATE_VALID))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}

/* Rebuild @pf's index if no other process is at it.  *@busy when one is. */
static gboolean
rebuild (const char *state_dir, const VfpPf *pf, guint8 *out, gboolean *busy, GError **error)
{
  g_autofree char *path = index_path (state_dir, pf->pci);
  int fd;
  gboolean ok;

  *busy = FALSE;
  if (!vfp_lease_index_usable (state_dir))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT,
                   "%s/%s is not a private directory of ours", state_dir, VFP_LEASE_INDEX_DIR);
      return FALSE;
    }
  fd = vfp_file_open_private (path, O_RDWR | O_CREAT, error);
  if (fd < 0)
    return FALSE;
  /* A builder holds the flock for the whole build; one that died dropped
   * it with its descriptor, so its half-built file is rebuilt here. */
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      close (fd);
      *busy = TRUE;
      g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY, "%s is being rebuilt", path);
      return FALSE;
    }
  ok = build (state_dir, pf, fd, path, out, error);
  close (fd);
  return ok;
}

gboolean
vfp_lease_index_rebuild (const char *state_dir, const VfpPf *pf, GError **error)
{
  g_autofree guint8 *out = g_malloc (pf_vf_count (pf) + 1);
  gboolean busy;

  if (!vfp_pci_address_is_valid (pf->pci))
    return TRUE;
  /* Another process rebuilding it right now does the same work. */
  return rebuild (state_dir, pf, out, &busy, error) || busy;
}

/* vfp_lease_index_peek, through the index directory open at @dir_fd
 * when it is not -1. */
static gboolean
peek_at (const char *state_dir, int dir_fd, const VfpPf *pf, char *state, guint8 *out,
         GError **error)
{
  g_autofree char *path = index_path (state_dir, pf->pci);
  g_autoptr (GError) local_error = NULL;
  int fd;
  gboolean ok;

  *state = 0;
  fd = dir_fd >= 0 ? vfp_file_open_private_at (dir_fd, pf->pci, path, O_RDONLY, &local_error)
                   : vfp_file_open_private (path, O_RDONLY, &local_error);
  if (fd < 0)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  ok = read_index (fd, pf_vf_count (pf), state, out, path, error);
  close (fd);
  return ok;
}

gboolean
vfp_lease_index_peek (const char *state_dir, const VfpPf *pf, char *state, guint8 *out,
                      GError **error)
{
  return peek_at (state_dir, -1, pf, state, out, error);
}

gboolean
vfp_lease_index_load (const char *state_dir, int dir_fd, const VfpPf *pf, guint8 *out)
{
  g_autoptr (GError) error = NULL;
  char state = 0;
  gboolean busy;

  if (pf_vf_count (pf) == 0 || !vfp_pci_address_is_valid (pf->pci))
    return FALSE;
  if (peek_at (state_dir, dir_fd, pf, &state, out, &error) && state == STATE_VALID)
    return TRUE;
  /* Untrusted (a symlink, not ours, writable by others): not touched. */
  if (error != NULL && !g_error_matches (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT))
    return FALSE;
  g_clear_error (&error);
  return rebuild (state_dir, pf, out, &busy, &error);
}

gboolean
vfp_lease_index_rebuild_all (const char *state_dir, const char *sysfs_root, GPtrArray *problems)
{
  g_autofree char *dir_path = g_build_filename (state_dir, VFP_LEASE_INDEX_DIR, NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  gboolean ok = TRUE;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autoptr (VfpPf) pf = NULL;
      g_autoptr (GError) error = NULL;

      if (!vfp_pci_address_is_valid (name))
        continue;
      /* A PF that is gone or has SR-IOV off has no VFs to lease: its
       * index is rebuilt by the first start once it is back. */
      if (!vfp_host_read_pf (sysfs_root, name, &pf, NULL))
        continue;
      if (!vfp_lease_index_rebuild (state_dir, pf, &error))
        {
          ok = FALSE;
          if (problems != NULL)
            g_ptr_array_add (problems, g_strdup_printf ("lease index of PF %s not rebuilt: %s",
                                                        name, error->message));
        }
    }
  return ok;
}

void
vfp_lease_index_audit (const char *state_dir, GPtrArray *leases, GPtrArray *problems)
{
  g_autofree char *dir_path = g_build_filename (state_dir, VFP_LEASE_INDEX_DIR, NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr (GHashTable) leased = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GError) dir_error = NULL;
  const char *name;

  if (!vfp_file_check_private_dir (dir_path, NULL, &dir_error)
      && !g_error_matches (dir_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_ptr_array_add (problems, g_strdup_printf ("lease index directory not used: %s",
                                                  dir_error->message));
      return;
    }
  for (guint i = 0; i < leases->len; i++)
    {
      const VfpLease *lease = leases->pdata[i];
      g_hash_table_add (leased, g_strdup_printf ("%s/%u", lease->pf_pci, lease->vf_index));
    }
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *data = NULL;
      g_autoptr (GError) error = NULL;
      gsize len;

      if (!vfp_pci_address_is_valid (name))
        continue;
      /* The whole file, with the same checks a start applies. */
      if (!vfp_file_read_private (path, 1 << 20, &data, &error))
        {
          g_ptr_array_add (problems, g_strdup_printf ("lease index %s is not used: %s", path,
                                                      error->message));
          continue;
        }
      len = strlen (data);
      if (len < HEADER || memcmp (data, MAGIC, HEADER - 1) != 0
          || data[STATE_AT] != STATE_VALID)
        {
          g_ptr_array_add (problems, g_strdup_printf ("lease index %s is %s; the next start "
                                                      "on PF %s rebuilds it", path,
                                                      len >= HEADER && data[STATE_AT]
                                                        == STATE_BUILDING
                                                        ? "half built" : "not an index",
                                                      name));
          continue;
        }
      for (gsize i = HEADER; i < len; i++)
        {
          g_autofree char *key = g_strdup_printf ("%s/%" G_GSIZE_FORMAT, name, i - HEADER);

          if (data[i] == '1' && !g_hash_table_contains (leased, key))
            g_ptr_array_add (problems,
                             g_strdup_printf ("lease index %s says VF %" G_GSIZE_FORMAT
                                              " of PF %s is leased, but no lease names it: "
                                              "starts skip it until 'vfpoolctl reconcile' "
                                              "rebuilds the index", path, i - HEADER, name));
        }
    }
}
