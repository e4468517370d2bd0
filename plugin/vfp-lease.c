/* vfp-lease.c: lease files under STATE_DIR/leases/ (see vfp-lease.h). */
#include "config.h"
#include "vfp-lease.h"
#include "vfp-lease-index.h"
#include "vfp-fault.h"
#include "vfp-mac-index.h"
#include "vfp-error.h"
#include "vfp-file.h"
#include "vfp-host.h"
#include "vfp-state-dir.h"

#include <errno.h>
#include <sys/random.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEASE_DIR "leases"
#define OWNER_DIR "owners"
#define LOCK_DIR "locks"
#define LEASE_MAX_SIZE 16384
#define G_LEASE "lease"
#define G_APPLIED "applied"
#define G_ORIGINAL "original"

static const char *state_names[] = { "reserved", "configuring", "configured" };

const char *
vfp_lease_state_to_string (VfpLeaseState state)
{
  return state_names[state];
}

VfpLease *
vfp_lease_new (void)
{
  VfpLease *lease = g_new0 (VfpLease, 1);

  lease->managed = TRUE;
  return lease;
}

void
vfp_lease_free (VfpLease *lease)
{
  if (lease == NULL)
    return;
  g_free (lease->vf_pci);
  g_free (lease->pf_pci);
  g_free (lease->pf_netdev);
  g_free (lease->pool);
  g_free (lease->owner_uuid);
  g_free (lease->owner_name);
  g_free (lease->boot_id);
  g_free (lease->start_id);
  g_free (lease->failover_network);
  g_free (lease->port);
  g_free (lease);
}

char *
vfp_lease_new_start_id (void)
{
  /* 128 bits from the kernel: two starts get the same id with negligible
   * probability.  (GLib's g_random_int seeds a generator from /dev/urandom
   * first: three syscalls and ~40 k instructions on every start.) */
  guint32 r[4];
  gsize got = 0;

  while (got < sizeof r)
    {
      ssize_t n = getrandom ((char *) r + got, sizeof r - got, 0);

      if (n > 0)
        got += (gsize) n;
      else if (n < 0 && errno != EINTR)
        {
          /* no getrandom (kernel < 3.17): GLib's generator, as before */
          for (guint i = 0; i < G_N_ELEMENTS (r); i++)
            r[i] = g_random_int ();
          break;
        }
    }
  return g_strdup_printf ("%08x%08x%08x%08x", r[0], r[1], r[2], r[3]);
}

gboolean
vfp_lease_same_holder (const VfpLease *a, const VfpLease *b)
{
  return strcmp (a->vf_pci, b->vf_pci) == 0 && strcmp (a->owner_uuid, b->owner_uuid) == 0
         && a->nic == b->nic && g_strcmp0 (a->start_id, b->start_id) == 0;
}

static gint
compare_leases (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(VfpLease **) a)->vf_pci, (*(VfpLease **) b)->vf_pci);
}

static char *
lease_path (const char *state_dir, const char *vf_pci)
{
  return g_build_filename (state_dir, LEASE_DIR, vf_pci, NULL);
}

/* A VF address becomes a file name: only well-formed addresses may. */
static gboolean
check_vf_name (const char *vf_pci, GError **error)
{
  if (vf_pci == NULL || !vfp_pci_address_is_valid (vf_pci))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "'%s' is not a PCI address", vf_pci ? vf_pci : "(null)");
      return FALSE;
    }
  return TRUE;
}

gboolean
vfp_lease_store_open (const char *state_dir, GError **error)
{
  g_autofree char *dir = g_build_filename (state_dir, LEASE_DIR, NULL);

  /* An existing state dir is checked before anything is created in it; a
   * missing one is created 0700 here (and checked like any other). */
  gboolean exists = FALSE;

  if (!vfp_state_dir_check_fast (state_dir, error))
    return FALSE;
  /* Both there (every start but the first): checked just now, nothing to
   * create, and no second round of checks. */
  if (vfp_file_check_private_dir (dir, &exists, NULL) && exists)
    return TRUE;
  if (!vfp_file_ensure_dir (state_dir, 0700, error) || !vfp_file_ensure_dir (dir, 0700, error))
    return FALSE;
  return vfp_state_dir_check_fast (state_dir, error);
}

static gboolean
lease_lock (const char *state_dir, const char *vf_pci, gboolean wait, int *fd_out,
            GError **error)
{
  g_autofree char *dir = g_build_filename (state_dir, LOCK_DIR, NULL);
  g_autofree char *path = NULL;
  int fd;

  if (!check_vf_name (vf_pci, error) || !vfp_file_ensure_dir (dir, 0700, error))
    return FALSE;
  path = g_build_filename (dir, vf_pci, NULL);
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot open lock %s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  while (flock (fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0)
    if (errno != EINTR)
      {
        int errsv = errno;
        close (fd);
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                     "cannot lock %s: %s", path, g_strerror (errsv));
        return FALSE;
      }
  *fd_out = fd;
  return TRUE;
}

gboolean
vfp_lease_lock (const char *state_dir, const char *vf_pci, int *fd_out, GError **error)
{
  return lease_lock (state_dir, vf_pci, TRUE, fd_out, error);
}

gboolean
vfp_lease_trylock (const char *state_dir, const char *vf_pci, int *fd_out)
{
  return lease_lock (state_dir, vf_pci, FALSE, fd_out, NULL);
}

void
vfp_lease_unlock (int fd)
{
  if (fd >= 0)
    close (fd);   /* drops the flock; a crash drops it too */
}

/* Written with a VfpKeyfileWriter, not a GKeyFile: three times per start. */
char *
vfp_lease_to_data (const VfpLease *lease, gsize *len)
{
  VfpKeyfileWriter w;

  /* a lease is about 650 bytes: one allocation, no growing */
  vfp_keyfile_writer_init (&w, 1024);
  vfp_keyfile_group (&w, G_LEASE);
  vfp_keyfile_string (&w, "vf", lease->vf_pci);
  vfp_keyfile_string (&w, "pf", lease->pf_pci);
  if (lease->pf_netdev != NULL)
    vfp_keyfile_string (&w, "pf-netdev", lease->pf_netdev);
  vfp_keyfile_uint64 (&w, "vf-index", lease->vf_index);
  vfp_keyfile_string (&w, "pool", lease->pool);
  vfp_keyfile_uint64 (&w, "nic", lease->nic);
  vfp_keyfile_string (&w, "owner-uuid", lease->owner_uuid);
  vfp_keyfile_string (&w, "owner-name", lease->owner_name);
  if (lease->boot_id != NULL)
    vfp_keyfile_string (&w, "boot-id", lease->boot_id);
  if (lease->start_id != NULL)
    vfp_keyfile_string (&w, "start-id", lease->start_id);
  vfp_keyfile_int64 (&w, "created", lease->created);
  vfp_keyfile_int64 (&w, "qemu-pid", lease->qemu_pid);
  vfp_keyfile_string (&w, "state", state_names[lease->state]);
  vfp_keyfile_string (&w, "form", lease->form == VFP_FORM_INTERFACE ? "interface" : "hostdev");
  vfp_keyfile_string (&w, "managed", lease->managed ? "yes" : "no");
  if (lease->failover_network != NULL)
    vfp_keyfile_string (&w, "failover-network", lease->failover_network);
  if (lease->port != NULL)
    vfp_keyfile_string (&w, "network-port", lease->port);
  vfp_vf_config_write (&lease->applied, &w, G_APPLIED);
  if (lease->state != VFP_LEASE_RESERVED)
    vfp_vf_config_write (&lease->original, &w, G_ORIGINAL);
  return vfp_keyfile_writer_finish (&w, len);
}

/* The text of @lease, or NULL if vfp_lease_read would refuse it as larger
 * than LEASE_MAX_SIZE: a lease written but never read back again would hold
 * its VF for good. */
static char *
lease_to_data_checked (const VfpLease *lease, gsize *len, GError **error)
{
  g_autofree char *data = vfp_lease_to_data (lease, len);

  if (*len > LEASE_MAX_SIZE)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "lease of VF %s would be %" G_GSIZE_FORMAT " bytes, larger than the %d "
                   "a lease may have (owner name of %" G_GSIZE_FORMAT " bytes?)",
                   lease->vf_pci, *len, LEASE_MAX_SIZE, strlen (lease->owner_name));
      return NULL;
    }
  return g_steal_pointer (&data);
}

static gboolean
corrupt (GError **error, const char *key, const char *why)
{
  g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT, "key '%s' %s", key, why);
  return FALSE;
}

static gboolean
get_string (GKeyFile *kf, const char *key, gboolean required, char **out, GError **error)
{
  g_autofree char *value = NULL;
  g_autofree char *raw = g_key_file_get_value (kf, G_LEASE, key, NULL);
  gsize backslashes = 0;

  /* GLib 2.74 sets a GError twice (a warning on stderr) when a value ends in
   * an odd run of backslashes after an invalid escape; such a value is no
   * value we write, so it is corrupt before GLib gets to unescape it (found
   * by fuzz-lease). */
  for (gsize n = raw ? strlen (raw) : 0; n > 0 && raw[n - 1] == '\\'; n--)
    backslashes++;
  if (backslashes % 2 == 1)
    return corrupt (error, key, "ends in a lone backslash");
  if (raw != NULL)
    value = g_key_file_get_string (kf, G_LEASE, key, NULL);

  if (value == NULL)
    return required ? corrupt (error, key, "is missing") : TRUE;
  *out = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
get_number (GKeyFile *kf, const char *key, gint64 max, gint64 *out, GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, G_LEASE, key, NULL);
  gint64 n;

  if (value == NULL)
    return corrupt (error, key, "is missing");
  if (!g_ascii_string_to_signed (value, 10, 0, max, &n, NULL))
    return corrupt (error, key, "is not a number in range");
  *out = n;
  return TRUE;
}

gboolean
vfp_lease_from_data (const char *data, gsize len, VfpLease **out, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (VfpLease) lease = vfp_lease_new ();
  g_autofree char *state = NULL;
  g_autofree char *form = NULL;
  g_autofree char *managed = NULL;
  gint64 n;
  gboolean found = FALSE;

  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, NULL)
      || !g_key_file_has_group (kf, G_LEASE))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT, "not a lease file");
      return FALSE;
    }
  if (!get_string (kf, "vf", TRUE, &lease->vf_pci, error)
      || !get_string (kf, "pf", TRUE, &lease->pf_pci, error)
      || !get_string (kf, "pf-netdev", FALSE, &lease->pf_netdev, error)
      || !get_string (kf, "pool", TRUE, &lease->pool, error)
      || !get_string (kf, "owner-uuid", TRUE, &lease->owner_uuid, error)
      || !get_string (kf, "owner-name", TRUE, &lease->owner_name, error)
      || !get_string (kf, "boot-id", FALSE, &lease->boot_id, error)
      || !get_string (kf, "start-id", FALSE, &lease->start_id, error)
      || !get_string (kf, "state", TRUE, &state, error)
      || !get_string (kf, "form", TRUE, &form, error)
      || !get_string (kf, "managed", FALSE, &managed, error)
      || !get_string (kf, "failover-network", FALSE, &lease->failover_network, error)
      || !get_string (kf, "network-port", FALSE, &lease->port, error))
    return FALSE;
  if (lease->port != NULL && !vfp_name_is_safe (lease->port))
    return corrupt (error, "network-port", "is not a plain token");
  /* it becomes a <source network=…/> the hot-plug worker attaches */
  if (lease->failover_network != NULL && !vfp_name_is_safe (lease->failover_network))
    return corrupt (error, "failover-network", "is not a plain name");
  /* optional: leases written before pools had managed= are managed='yes' */
  if (managed != NULL && strcmp (managed, "no") == 0)
    lease->managed = FALSE;
  else if (managed != NULL && strcmp (managed, "yes") != 0)
    return corrupt (error, "managed", "is not yes or no");
  if (strcmp (form, "interface") == 0)
    lease->form = VFP_FORM_INTERFACE;
  else if (strcmp (form, "hostdev") != 0)
    return corrupt (error, "form", "is not hostdev or interface");
  if (!vfp_pci_address_is_valid (lease->vf_pci))
    return corrupt (error, "vf", "is not a PCI address");
  if (!vfp_pci_address_is_valid (lease->pf_pci))
    return corrupt (error, "pf", "is not a PCI address");
  if (lease->pf_netdev != NULL && !vfp_name_is_safe (lease->pf_netdev))
    return corrupt (error, "pf-netdev", "is not a safe interface name");
  if (lease->start_id != NULL && !vfp_name_is_safe (lease->start_id))
    return corrupt (error, "start-id", "is not a plain token");
  if (!get_number (kf, "vf-index", 65535, &n, error))
    return FALSE;
  lease->vf_index = n;
  if (!get_number (kf, "nic", 1023, &n, error))
    return FALSE;
  lease->nic = n;
  if (!get_number (kf, "created", G_MAXINT64, &lease->created, error)
      || !get_number (kf, "qemu-pid", G_MAXINT32, &lease->qemu_pid, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (strcmp (state, state_names[i]) == 0)
      {
        lease->state = i;
        found = TRUE;
      }
  if (!found)
    return corrupt (error, "state", "is not reserved, configuring or configured");
  if (!vfp_vf_config_from_keyfile (&lease->applied, kf, G_APPLIED, error)
      || !vfp_vf_config_from_keyfile (&lease->original, kf, G_ORIGINAL, error))
    return FALSE;
  if (lease->state != VFP_LEASE_RESERVED && lease->original.set == 0)
    return corrupt (error, "original", "is missing for a configured lease");
  *out = g_steal_pointer (&lease);
  return TRUE;
}

static char *
owner_entry_path (const char *state_dir, const char *uuid, const char *vf_pci)
{
  return g_build_filename (state_dir, OWNER_DIR, uuid, vf_pci, NULL);
}

static gboolean
claim_locked (const char *state_dir, const VfpLease *lease, GError **error)
{
  g_autofree char *marker = NULL;
  g_autofree char *marker_dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean had_marker;
  gsize len;

  data = lease_to_data_checked (lease, &len, error);
  if (data == NULL)
    return FALSE;
  /* Index entry first: a crash between the two leaves a stray entry (which
   * readers skip), never a lease its owner cannot find. */
  marker = owner_entry_path (state_dir, lease->owner_uuid, lease->vf_pci);
  marker_dir = g_path_get_dirname (marker);
  had_marker = access (marker, F_OK) == 0;
  if (!had_marker && !vfp_file_touch_in_dir (marker, error))
    return FALSE;
  path = lease_path (state_dir, lease->vf_pci);
  if (!vfp_file_create_exclusive (path, data, len, 0600, &local_error))
    {
      if (!had_marker)
        {
          unlink (marker);
          rmdir (marker_dir);   /* only if empty: no owner dir outlives its leases */
        }
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_EXIST))
        {
          /* The index said free (or was not asked): a lease exists, and
           * under its lock it stays, so its byte may say so. */
          vfp_lease_index_mark (state_dir, lease->pf_pci, lease->vf_index, TRUE);
          g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY, "VF %s is already leased",
                       lease->vf_pci);
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* After the link() won, never before: a 1 always has its lease. */
  vfp_fault_point_env (VFP_FAULT_AFTER_LEASE_LINK);
  vfp_lease_index_mark (state_dir, lease->pf_pci, lease->vf_index, TRUE);
  return TRUE;
}

gboolean
vfp_lease_claim (const char *state_dir, const VfpLease *lease, GError **error)
{
  int lock_fd = -1;
  gboolean ok;

  if (!check_vf_name (lease->vf_pci, error))
    return FALSE;
  if (!vfp_name_is_safe (lease->owner_uuid))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "owner '%s' cannot be used as a file name", lease->owner_uuid);
      return FALSE;
    }
  /* Under the VF's lock, like every remover: a release of this VF by the
   * same owner (which unlinks the index entry after the lease) cannot
   * interleave with this claim and leave a lease without its entry. */
  if (!vfp_lease_lock (state_dir, lease->vf_pci, &lock_fd, error))
    return FALSE;
  ok = claim_locked (state_dir, lease, error);
  vfp_lease_unlock (lock_fd);
  return ok;
}

gboolean
vfp_lease_rewrite_locked (const char *state_dir, const VfpLease *lease, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!check_vf_name (lease->vf_pci, error))
    return FALSE;
  data = lease_to_data_checked (lease, &len, error);
  if (data == NULL)
    return FALSE;
  path = lease_path (state_dir, lease->vf_pci);
  return vfp_file_replace (path, data, len, 0600, error);
}

gboolean
vfp_lease_update_locked (const char *state_dir, const VfpLease *lease,
                         const char *expect_start_id, GError **error)
{
  g_autoptr (VfpLease) current = NULL;

  if (!check_vf_name (lease->vf_pci, error))
    return FALSE;
  if (expect_start_id == NULL)
    expect_start_id = lease->start_id;
  /* A remover holds the lock while it restores: either it removed the file
   * before (and we must not bring it back: the VF is restored and may be
   * someone else's), or it waits and sees what we write. */
  if (!vfp_lease_read (state_dir, lease->vf_pci, &current, error))
    {
      if (error != NULL && g_error_matches (*error, VFP_ERROR, VFP_ERROR_NOT_FOUND))
        g_prefix_error (error, "lease was released meanwhile: ");
      return FALSE;
    }
  if (strcmp (current->owner_uuid, lease->owner_uuid) != 0
      || g_strcmp0 (current->start_id, expect_start_id) != 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_BUSY,
                   "VF %s was taken over by another start of domain '%s'", lease->vf_pci,
                   current->owner_name);
      return FALSE;
    }
  return vfp_lease_rewrite_locked (state_dir, lease, error);
}

gboolean
vfp_lease_update (const char *state_dir, const VfpLease *lease, const char *expect_start_id,
                  GError **error)
{
  int lock_fd = -1;
  gboolean ok;

  if (!vfp_lease_lock (state_dir, lease->vf_pci, &lock_fd, error))
    return FALSE;
  ok = vfp_lease_update_locked (state_dir, lease, expect_start_id, error);
  vfp_lease_unlock (lock_fd);
  return ok;
}

/* The text of @vf_pci's lease file (and its path): VFP_ERROR_NOT_FOUND
 * without one.  Its [original] section is written to the NIC: only a file
 * of ours is read. */
static gboolean
read_lease_file (const char *state_dir, const char *vf_pci, char **path, char **data,
                 GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!check_vf_name (vf_pci, error))
    return FALSE;
  *path = lease_path (state_dir, vf_pci);
  if (!vfp_file_read_private (*path, LEASE_MAX_SIZE, data, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "VF %s has no lease", vf_pci);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
vfp_lease_read (const char *state_dir, const char *vf_pci, VfpLease **out, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr (VfpLease) lease = NULL;

  if (!read_lease_file (state_dir, vf_pci, &path, &data, error))
    return FALSE;
  if (!vfp_lease_from_data (data, strlen (data), &lease, error))
    {
      g_prefix_error (error, "lease file %s: ", path);
      return FALSE;
    }
  if (strcmp (lease->vf_pci, vf_pci) != 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT,
                   "lease file %s: names VF %s", path, lease->vf_pci);
      return FALSE;
    }
  *out = g_steal_pointer (&lease);
  return TRUE;
}

gboolean
vfp_lease_remove (const char *state_dir, const VfpLease *lease, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *marker_dir = NULL;

  if (!check_vf_name (lease->vf_pci, error))
    return FALSE;
  path = lease_path (state_dir, lease->vf_pci);
  /* The index byte goes first (callers hold the VF's lock): a crash in
   * between leaves a 0 beside the lease, never a 1 without one. */
  vfp_lease_index_mark (state_dir, lease->pf_pci, lease->vf_index, FALSE);
  vfp_fault_point_env (VFP_FAULT_AFTER_INDEX_CLEAR);
  if (!vfp_file_remove (path, error))
    return FALSE;
  if (lease->applied.set & VFP_KNOB_MAC)
    vfp_mac_index_remove (state_dir, lease->pf_pci, lease->applied.mac, lease->vf_pci);
  if (!vfp_name_is_safe (lease->owner_uuid))
    return TRUE;
  marker = owner_entry_path (state_dir, lease->owner_uuid, lease->vf_pci);
  marker_dir = g_path_get_dirname (marker);
  unlink (marker);
  rmdir (marker_dir);   /* only succeeds once the owner holds nothing */
  return TRUE;
}

char *
vfp_lease_owner_dir (const char *state_dir, const char *uuid)
{
  return g_build_filename (state_dir, OWNER_DIR, uuid, NULL);
}

gboolean
vfp_lease_list_owner_names (const char *state_dir, const char *uuid, GPtrArray **out,
                            GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir_path = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *name;

  if (!vfp_name_is_safe (uuid))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "'%s' is not a domain UUID", uuid);
      return FALSE;
    }
  dir_path = g_build_filename (state_dir, OWNER_DIR, uuid, NULL);
  if (!vfp_state_dir_check_owner (dir_path, error))
    return FALSE;
  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot read lease index: ");
      return FALSE;
    }
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (vfp_pci_address_is_valid (name))
      g_ptr_array_add (names, g_strdup (name));
  *out = g_steal_pointer (&names);
  return TRUE;
}

gboolean
vfp_lease_read_owned (const char *state_dir, const char *vf_pci, const char *uuid,
                      VfpLease **out, gboolean *unreadable)
{
  g_autoptr (GError) read_error = NULL;
  g_autoptr (VfpLease) lease = NULL;

  *unreadable = FALSE;
  if (!vfp_lease_read (state_dir, vf_pci, &lease, &read_error))
    {
      /* NOT_FOUND: stray entry of an interrupted claim.  Otherwise the
       * index says the VF is this domain's but its lease cannot be
       * trusted: the caller reports it, the other leases still count. */
      *unreadable = !g_error_matches (read_error, VFP_ERROR, VFP_ERROR_NOT_FOUND);
      return FALSE;
    }
  if (strcmp (lease->owner_uuid, uuid) != 0)
    return FALSE;   /* stray entry; the VF is someone else's now */
  *out = g_steal_pointer (&lease);
  return TRUE;
}

gboolean
vfp_lease_list_owner (const char *state_dir, const char *uuid, GPtrArray **out,
                      GPtrArray *corrupt_names, GError **error)
{
  g_autoptr (GPtrArray) leases = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_lease_free);
  g_autoptr (GPtrArray) names = NULL;

  if (!vfp_lease_list_owner_names (state_dir, uuid, &names, error))
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      VfpLease *lease = NULL;
      gboolean unreadable;

      if (vfp_lease_read_owned (state_dir, names->pdata[i], uuid, &lease, &unreadable))
        g_ptr_array_add (leases, lease);
      else if (unreadable && corrupt_names != NULL)
        g_ptr_array_add (corrupt_names, g_strdup (names->pdata[i]));
    }
  g_ptr_array_sort (leases, compare_leases);
  *out = g_steal_pointer (&leases);
  return TRUE;
}

gboolean
vfp_lease_foreach_name (const char *state_dir, VfpLeaseNameFunc func, gpointer data,
                        GError **error)
{
  g_autofree char *dir_path = g_build_filename (state_dir, LEASE_DIR, NULL);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *name;
  guint domain, rid;

  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot read lease directory: ");
      return FALSE;
    }
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (vfp_pci_address_rid (name, &domain, &rid))   /* skips temporaries */
      func (name, domain, rid, data);
  return TRUE;
}

static void
add_name (const char *vf_pci, guint domain, guint rid, gpointer data)
{
  g_hash_table_add (data, g_strdup (vf_pci));
}

gboolean
vfp_lease_list_names (const char *state_dir, GHashTable **out, GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!vfp_lease_foreach_name (state_dir, add_name, names, error))
    return FALSE;
  *out = g_steal_pointer (&names);
  return TRUE;
}

/* A value as GKeyFile writes it: \s (a leading space), \n, \t, \r and
 * \\ escaped.  NULL for an escape it does not write. */
static char *
keyfile_unescape (const char *value, gsize len)
{
  g_autoptr (GString) out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      char c = value[i];

      if (c == '\\')
        {
          if (++i == len)
            return NULL;
          switch (value[i])
            {
            case 's': c = ' '; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case '\\': c = '\\'; break;
            default: return NULL;
            }
        }
      g_string_append_c (out, c);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
vfp_lease_peek (const char *state_dir, const char *vf_pci, char **owner_name, char **boot_id,
                GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *boot = NULL;
  const char *line;

  if (!read_lease_file (state_dir, vf_pci, &path, &data, error))
    return FALSE;
  if (!g_str_has_prefix (data, "[" G_LEASE "]\n"))
    goto odd;
  /* The [lease] group's lines, up to the next group. */
  for (line = data + strlen ("[" G_LEASE "]\n"); *line != '\0' && *line != '[';)
    {
      const char *end = strchr (line, '\n');
      gsize len = end != NULL ? (gsize) (end - line) : strlen (line);
      char **want = NULL;
      gsize key_len = 0;

      if (g_str_has_prefix (line, "owner-name="))
        want = &owner, key_len = strlen ("owner-name=");
      else if (g_str_has_prefix (line, "boot-id="))
        want = &boot, key_len = strlen ("boot-id=");
      if (want != NULL)
        {
          if (*want != NULL)
            goto odd;     /* a key twice: not what we write */
          *want = keyfile_unescape (line + key_len, len - key_len);
          if (*want == NULL)
            goto odd;
        }
      line += len + (end != NULL);
    }
  if (owner == NULL)
    goto odd;
  if (owner_name != NULL)
    *owner_name = g_steal_pointer (&owner);
  if (boot_id != NULL)
    *boot_id = g_steal_pointer (&boot);
  return TRUE;

odd:
  g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT,
               "lease file %s: not in the layout vfpool writes", path);
  return FALSE;
}

gboolean
vfp_lease_exists (const char *state_dir, const char *vf_pci)
{
  g_autofree char *path = NULL;

  if (!vfp_pci_address_is_valid (vf_pci))
    return FALSE;
  path = lease_path (state_dir, vf_pci);
  return access (path, F_OK) == 0;
}

gboolean
vfp_lease_list (const char *state_dir, GPtrArray **out, GPtrArray *corrupt_names,
                GError **error)
{
  g_autoptr (GHashTable) names = NULL;
  g_autoptr (GPtrArray) leases = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_lease_free);
  GHashTableIter iter;
  gpointer key;

  if (!vfp_lease_list_names (state_dir, &names, error))
    return FALSE;
  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autoptr (GError) local_error = NULL;
      VfpLease *lease = NULL;

      if (vfp_lease_read (state_dir, key, &lease, &local_error))
        g_ptr_array_add (leases, lease);
      else if (!g_error_matches (local_error, VFP_ERROR, VFP_ERROR_NOT_FOUND)
               && corrupt_names != NULL)
        g_ptr_array_add (corrupt_names, g_strdup (key));
    }
  g_ptr_array_sort (leases, compare_leases);
  *out = g_steal_pointer (&leases);
  return TRUE;
}

void
vfp_lease_drop_ports (GPtrArray *leases)
{
  for (guint i = leases->len; i-- > 0;)
    if (((VfpLease *) leases->pdata[i])->port != NULL)
      g_ptr_array_remove_index (leases, i);
}
