/* vfp-config.c: load and validate pools.d/ *.conf and resolve the PFs. */
#include "config.h"
#include "vfp-config.h"
#include "vfp-error.h"
#include "vfp-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POOL_GROUP_PREFIX "pool "
/* Far above any real pool file; stops a runaway file before it is parsed. */
#define POOL_FILE_MAX (1024 * 1024)

static void
pool_free (VfpPool *pool)
{
  if (pool == NULL)
    return;
  g_free (pool->name);
  g_free (pool->file);
  g_strfreev (pool->allow);
  g_clear_pointer (&pool->vlans, g_array_unref);
  g_free (pool->vlans_text);
  g_free (pool->failover_network);
  g_clear_pointer (&pool->members, g_ptr_array_unref);
  g_clear_pointer (&pool->pfs, g_ptr_array_unref);
  g_clear_pointer (&pool->unread, g_ptr_array_unref);
  g_free (pool);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpPool, pool_free)

void
vfp_broken_pool_free (VfpBrokenPool *broken)
{
  if (broken == NULL)
    return;
  g_free (broken->name);
  g_free (broken->file);
  g_free (broken->reason);
  g_free (broken);
}

char *
vfp_broken_pool_describe (const VfpBrokenPool *broken)
{
  if (broken->name != NULL)
    return g_strdup_printf ("pool '%s' is broken: %s", broken->name, broken->reason);
  return g_strdup_printf ("file %s is broken: %s", broken->file, broken->reason);
}

void
vfp_config_free (VfpConfig *config)
{
  if (config == NULL)
    return;
  g_ptr_array_unref (config->pools);
  g_ptr_array_unref (config->broken);
  g_free (config->dir);
  g_free (config->unsafe);
  g_free (config);
}

static void
add_broken (VfpConfig *config, const char *name, const char *file, const char *reason)
{
  VfpBrokenPool *broken = g_new0 (VfpBrokenPool, 1);

  broken->name = g_strdup (name);
  broken->file = g_strdup (file);
  broken->reason = g_strdup (reason);
  g_ptr_array_add (config->broken, broken);
}

VfpBrokenPool *
vfp_config_find_broken (VfpConfig *config, const char *name)
{
  for (guint i = 0; i < config->broken->len; i++)
    {
      VfpBrokenPool *broken = config->broken->pdata[i];
      if (g_strcmp0 (broken->name, name) == 0)
        return broken;
    }
  return NULL;
}

static gboolean
pool_name_is_valid (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return strcmp (name, ".") != 0 && strcmp (name, "..") != 0;
}

/* "0-3,6" → the numbers (at most @max) into @out, in order; @what ("VF",
 * "VLAN") names them in errors, which name the bad part. */
static gboolean
parse_ranges (const char *text, const char *what, guint64 max, GArray *out, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

  for (char **p = parts; *p; p++)
    {
      g_auto (GStrv) ends = g_strsplit (g_strstrip (*p), "-", 3);
      guint64 lo, hi;

      /* "" (from "1,,2" or a trailing ',') splits into no parts at all */
      if (ends[0] == NULL || g_strv_length (ends) > 2
          || !g_ascii_string_to_unsigned (ends[0], 10, 0, max, &lo, NULL)
          || (ends[1] != NULL && !g_ascii_string_to_unsigned (ends[1], 10, 0, max, &hi, NULL)))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "%s range '%s' is not N or N-M (N up to %" G_GUINT64_FORMAT ")",
                       what, *p, max);
          return FALSE;
        }
      if (ends[1] == NULL)
        hi = lo;
      if (hi < lo)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "%s range '%s' is backwards", what, *p);
          return FALSE;
        }
      for (guint64 i = lo; i <= hi; i++)
        {
          guint idx = (guint) i;
          if (g_hash_table_contains (seen, GUINT_TO_POINTER (idx + 1)))
            {
              g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                           "%s %u is listed twice in '%s'", what, idx, text);
              return FALSE;
            }
          g_hash_table_add (seen, GUINT_TO_POINTER (idx + 1));
          g_array_append_val (out, idx);
        }
    }
  return TRUE;
}

/* Add pfs= item @item ("ens1f0", "0000:3b:00.1" or "ens1f0#0-3,6") to
 * @pool: its PF, and its VFs (or the range after '#') to the members.  @n_items: how many items the pool lists (0: not
 * known), to size the members once. */
static gboolean
add_pf_item (VfpPool *pool, const char *item, VfpSysfs *sys, gboolean unread_now,
             guint n_items, GError **error)
{
  g_autofree char *name = g_strdup (item);
  char *hash = strchr (name, '#');
  g_autoptr (GArray) indices = NULL;
  g_autoptr (VfpPf) pf = NULL;
  VfpPf *kept;

  if (hash != NULL)
    {
      *hash = '\0';
      if (hash[1] == '\0')
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG, "empty VF range after '#'");
          return FALSE;
        }
      indices = g_array_new (FALSE, FALSE, sizeof (guint));
      if (!parse_ranges (hash + 1, "VF", 4095, indices, error))
        return FALSE;
    }
  /* A pool this call does not use: its PF's address only, for the
   * overlap check (resolve_unread); a PF that is no PCI device cannot
   * overlap any other. */
  if (pool->unread != NULL && !unread_now)
    {
      g_autofree char *pci = vfp_host_pf_address_in (sys, name);

      if (pci != NULL)
        g_ptr_array_add (pool->unread, g_strconcat (pci, " ", item, NULL));
      return TRUE;
    }
  if (!vfp_host_read_pf_in (sys, name, &pf, error))
    return FALSE;
  for (guint i = 0; i < pool->pfs->len; i++)
    if (g_strcmp0 (((VfpPf *) pool->pfs->pdata[i])->pci, pf->pci) == 0)
      {
        g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                     "PF '%s' (%s) is listed twice", name, pf->pci);
        return FALSE;
      }

  kept = g_steal_pointer (&pf);
  g_ptr_array_add (pool->pfs, kept);
  /* Room for every item the size of the first: growing by doubling
   * would copy the members four times at 16 PFs of 256 VFs, into fresh
   * pages each time, on every start.  Room not used is never touched. */
  if (pool->members->len == 0 && pool->pfs->len == 1 && n_items > 1)
    {
      g_ptr_array_unref (pool->members);
      pool->members = g_ptr_array_sized_new (n_items * kept->vfs->len);
    }
  if (indices == NULL)
    {
      g_ptr_array_extend (pool->members, kept->vfs, NULL, NULL);
      return TRUE;
    }
  for (guint i = 0; i < indices->len; i++)
    {
      guint idx = g_array_index (indices, guint, i);
      if (idx >= kept->vfs->len)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "VF %u of PF '%s' does not exist (%u VFs enabled)",
                       idx, name, kept->vfs->len);
          return FALSE;
        }
      g_ptr_array_add (pool->members, kept->vfs->pdata[idx]);
    }
  return TRUE;
}

/* The request attributes a pool can bind, with the knob and attribute bit
 * of VfpVfConfig they live in (flag 0: a single-attribute knob), in the
 * order of enum VfpOverride. */
static const struct {
  const char *name;
  guint knob;
  guint flag;
  guint group;            /* all attribute bits of the knob */
} knob_attrs[] = {
  { VFP_ATTR_MAC, VFP_KNOB_MAC, 0, 0 },
  { VFP_ATTR_VLAN, VFP_KNOB_VLAN, VFP_ATTR_FLAG_VLAN_ID, VFP_ATTR_FLAGS_VLAN },
  { VFP_ATTR_QOS, VFP_KNOB_VLAN, VFP_ATTR_FLAG_QOS, VFP_ATTR_FLAGS_VLAN },
  { VFP_ATTR_VLAN_PROTO, VFP_KNOB_VLAN, VFP_ATTR_FLAG_PROTO, VFP_ATTR_FLAGS_VLAN },
  { VFP_ATTR_SPOOFCHK, VFP_KNOB_SPOOFCHK, 0, 0 },
  { VFP_ATTR_TRUST, VFP_KNOB_TRUST, 0, 0 },
  { VFP_ATTR_MIN_TX_RATE, VFP_KNOB_RATE, VFP_ATTR_FLAG_MIN_RATE, VFP_ATTR_FLAGS_RATE },
  { VFP_ATTR_MAX_TX_RATE, VFP_KNOB_RATE, VFP_ATTR_FLAG_MAX_RATE, VFP_ATTR_FLAGS_RATE },
  { VFP_ATTR_LINK_STATE, VFP_KNOB_LINK_STATE, 0, 0 },
};

/* overridable=mac,vlan;trust → VFP_OVERRIDE_* bits. */
static gboolean
parse_overridable (const char *value, guint *out, GError **error)
{
  g_auto (GStrv) items = g_strsplit_set (value, ",;", -1);
  guint bits = 0;

  for (char **p = items; *p; p++)
    {
      gsize i;

      if (*g_strstrip (*p) == '\0')
        continue;
      if (strcmp (*p, "failover") == 0)
        {
          bits |= VFP_OVERRIDE_FAILOVER;
          continue;
        }
      for (i = 0; i < G_N_ELEMENTS (knob_attrs); i++)
        if (strcmp (*p, knob_attrs[i].name) == 0)
          break;
      if (i == G_N_ELEMENTS (knob_attrs))
        {
          g_autofree char *quoted = vfp_error_quote (*p);
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "unknown knob '%s' (knobs are mac, vlan, qos, vlan-proto, "
                       "spoofchk, trust, min-tx-rate, max-tx-rate, link-state, failover)", quoted);
          return FALSE;
        }
      bits |= 1u << i;
    }
  *out = bits;
  return TRUE;
}

/* vlans=100-199,300 (',' or ';' between items). */
static gboolean
parse_vlans (VfpPool *pool, const char *value, GError **error)
{
  g_autofree char *text = g_strdelimit (g_strstrip (g_strdup (value)), ";", ',');
  g_autoptr (GArray) vlans = g_array_new (FALSE, FALSE, sizeof (guint));

  /* An empty list would allow no VLAN at all: say so instead of guessing. */
  if (*text == '\0')
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "vlans is empty (list VLAN ids or ranges, such as 100-199,300)");
      return FALSE;
    }
  if (!parse_ranges (text, "VLAN", 4094, vlans, error))
    return FALSE;
  g_clear_pointer (&pool->vlans, g_array_unref);
  pool->vlans = g_steal_pointer (&vlans);
  g_free (pool->vlans_text);
  pool->vlans_text = g_steal_pointer (&text);
  return TRUE;
}

static gboolean
pool_allows_vlan (const VfpPool *pool, guint vlan)
{
  if (pool->vlans == NULL)
    return TRUE;
  for (guint i = 0; i < pool->vlans->len; i++)
    if (g_array_index (pool->vlans, guint, i) == vlan)
      return TRUE;
  return FALSE;
}

static gboolean
parse_yes_no (const char *key, const char *value, gboolean *out, GError **error)
{
  if (strcmp (value, "yes") == 0)
    *out = TRUE;
  else if (strcmp (value, "no") == 0)
    *out = FALSE;
  else
    {
      g_autofree char *shown = vfp_error_quote (value);
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "%s '%s' is not yes or no", key, shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_pool_key (VfpPool *pool, GKeyFile *kf, const char *group, const char *key,
                VfpSysfs *sys, GError **error)
{
  g_autofree char *value = g_key_file_get_value (kf, group, key, NULL);

  if (strcmp (key, "pfs") == 0)
    {
      g_auto (GStrv) items = g_strsplit (value, ";", -1);
      guint n = 0, n_items = g_strv_length (items);

      for (char **p = items; *p; p++)
        {
          g_strstrip (*p);
          if (**p == '\0')
            continue;
          n++;
          if (!add_pf_item (pool, *p, sys, FALSE, n_items, error))
            {
              g_prefix_error (error, "pfs '%s': ", *p);
              return FALSE;
            }
        }
      if (n == 0)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG, "pfs is empty");
          return FALSE;
        }
      return TRUE;
    }
  if (strcmp (key, "mode") == 0)
    {
      if (strcmp (value, "hostdev") == 0)
        pool->form = VFP_FORM_HOSTDEV;
      else if (strcmp (value, "interface") == 0)
        pool->form = VFP_FORM_INTERFACE;
      else
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "mode '%s' is not hostdev or interface", value);
          return FALSE;
        }
      return TRUE;
    }
  if (strcmp (key, "managed") == 0)
    return parse_yes_no (key, value, &pool->managed, error);
  if (strcmp (key, "require-link") == 0)
    return parse_yes_no (key, value, &pool->require_link, error);
  if (strcmp (key, "network") == 0)
    return parse_yes_no (key, value, &pool->network, error);
  if (strcmp (key, "failover") == 0)
    {
      gboolean yes = FALSE;

      if (!parse_yes_no (key, value, &yes, error))
        return FALSE;
      pool->failover = yes ? VFP_FAILOVER_YES : VFP_FAILOVER_NO;
      return TRUE;
    }
  if (strcmp (key, "failover-network") == 0)
    {
      /* it goes into lease files and domain XML: the pool-name alphabet */
      if (!pool_name_is_valid (value))
        {
          g_autofree char *shown = vfp_error_quote (value);
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "failover-network '%s' is not 1-64 of A-Z a-z 0-9 . _ -", shown);
          return FALSE;
        }
      g_free (pool->failover_network);
      pool->failover_network = g_strdup (value);
      return TRUE;
    }
  if (strcmp (key, "overridable") == 0)
    return parse_overridable (value, &pool->overridable, error);
  if (strcmp (key, "vlans") == 0)
    return parse_vlans (pool, value, error);
  if (strcmp (key, "allow") == 0)
    {
      g_auto (GStrv) items = NULL;
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

      /* GLib's glob matcher aborts on invalid UTF-8 (found by fuzzing). */
      if (!g_utf8_validate (value, -1, NULL))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "allow is not valid UTF-8");
          return FALSE;
        }
      items = g_strsplit (value, ";", -1);

      for (char **p = items; *p; p++)
        if (*g_strstrip (*p) != '\0')
          g_strv_builder_add (b, *p);
      /* GKeyFile lists a key written twice twice (the last value wins) */
      g_strfreev (pool->allow);
      pool->allow = g_strv_builder_end (b);
      /* An empty "allow=" allows no domain: an access list fails closed. */
      return TRUE;
    }
  /* A shared MAC would give every domain of the pool the same address. */
  if (strcmp (key, VFP_ATTR_MAC) != 0 && vfp_vf_config_is_attr (key))
    {
      if (!vfp_vf_config_set_attr (&pool->defaults, key, value, error))
        {
          (*error)->code = VFP_ERROR_INVALID_CONFIG;
          return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG, "unknown key '%s'", key);
  return FALSE;
}

static gboolean
parse_pool (const char *file, GKeyFile *kf, const char *group, VfpSysfs *sys,
            const char *const *wanted, VfpPool **out, GError **error)
{
  g_autoptr (VfpPool) pool = g_new0 (VfpPool, 1);
  g_auto (GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);
  const char *name = group + strlen (POOL_GROUP_PREFIX);

  if (!pool_name_is_valid (name))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "%s: [%s]: pool name '%s' must be 1-64 of A-Z a-z 0-9 . _ -",
                   file, group, name);
      return FALSE;
    }
  pool->name = g_strdup (name);
  pool->file = g_strdup (file);
  pool->form = VFP_FORM_HOSTDEV;
  pool->managed = TRUE;
  pool->failover_network = g_strdup (VFP_FAILOVER_NETWORK_DEFAULT);
  pool->pfs = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_pf_free);
  pool->members = g_ptr_array_new ();
  if (wanted != NULL && !g_strv_contains (wanted, name))
    pool->unread = g_ptr_array_new_with_free_func (g_free);

  for (char **k = keys; k && *k; k++)
    if (!parse_pool_key (pool, kf, group, *k, sys, error))
      {
        g_autofree char *value = g_key_file_get_value (kf, group, *k, NULL);
        g_prefix_error (error, "%s: [%s] %s=%s: ", file, group, *k, value);
        return FALSE;
      }
  if (pool->pfs->len == 0 && (pool->unread == NULL || pool->unread->len == 0)
      && !g_key_file_has_key (kf, group, "pfs", NULL))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "%s: [%s]: missing key 'pfs'", file, group);
      return FALSE;
    }
  /* libvirt builds a network port's device (<interface type='hostdev'>):
   * no virtio standby goes with it. */
  if (pool->network && pool->failover == VFP_FAILOVER_YES)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "%s: [%s] network=yes: failover=yes needs a vfpool request; a "
                   "network-backed pool has none", file, group);
      return FALSE;
    }
  /* libvirt sets a network port's MAC and VLAN from the domain's
   * <interface>: a pool VLAN would be silently overridden. */
  if (pool->network && ((pool->defaults.set & VFP_KNOB_VLAN) || pool->vlans != NULL))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "%s: [%s] network=yes: libvirt sets the VLAN of a network port from the "
                   "domain's <vlan>; remove vlan=, qos=, vlan-proto= and vlans=", file, group);
      return FALSE;
    }
  /* The pool's own VLAN must be one it lets requests ask for. */
  if ((pool->defaults.set & VFP_KNOB_VLAN) && !pool_allows_vlan (pool, pool->defaults.vlan))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "%s: [%s] vlan=%u: not in the pool's vlans=%s", file, group,
                   pool->defaults.vlan, pool->vlans_text);
      return FALSE;
    }
  *out = g_steal_pointer (&pool);
  return TRUE;
}

static gint
compare_pools (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(VfpPool **) a)->name, (*(VfpPool **) b)->name);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

/* Pool files decide how root programs NICs: only root or the caller may own
 * them, and nobody else may write them.  NULL when @st is safe. */
static char *
unsafe_reason (const struct stat *st)
{
  uid_t euid = geteuid ();

  if (st->st_uid != 0 && st->st_uid != euid)
    return g_strdup_printf ("is owned by uid %u, not by root or uid %u", (guint) st->st_uid,
                            (guint) euid);
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    return g_strdup_printf ("is %s-writable (mode %04o)",
                            (st->st_mode & S_IWOTH) ? "world" : "group",
                            (guint) (st->st_mode & 07777));
  return NULL;
}

/* Read @path into *@text, checking what was opened (not the name, which
 * could be swapped between a check and the open).  Refusals still return
 * what could be read, so the caller can name the pools the file defines. */
static gboolean
read_pool_file (const char *path, char **text, GError **error)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  g_autofree char *unsafe = NULL;
  struct stat lst, st;
  gboolean is_link;
  char chunk[4096];
  ssize_t n;
  int fd;

  is_link = lstat (path, &lst) == 0 && S_ISLNK (lst.st_mode);
  /* O_NONBLOCK: a FIFO planted as a .conf must not hang the hook. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG, "%s: cannot read: %s", path,
                   g_strerror (errsv));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG, "%s: is not a regular file",
                   path);
      return FALSE;
    }
  while (buf->len <= POOL_FILE_MAX && (n = read (fd, chunk, sizeof chunk)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          close (fd);
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG, "%s: cannot read: %s",
                       path, g_strerror (errsv));
          return FALSE;
        }
      g_string_append_len (buf, chunk, n);
    }
  close (fd);
  *text = g_strdup (buf->str);
  unsafe = unsafe_reason (&st);
  if (unsafe != NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "%s: %s%s; refused, pool files program NICs as root (chown root and "
                   "chmod go-w it)", path, is_link ? "is a symlink to a file that " : "",
                   unsafe);
      return FALSE;
    }
  if (buf->len > POOL_FILE_MAX || memchr (buf->str, '\0', buf->len) != NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "%s: is not a pool file (binary, or larger than %u bytes)", path,
                   POOL_FILE_MAX);
      return FALSE;
    }
  return TRUE;
}

/* The [pool NAME] headers of a file that does not load, so the pools it
 * meant to define are reported broken by name. */
static void
break_file (VfpConfig *config, const char *path, const char *text, const char *reason)
{
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  gboolean named = FALSE;

  for (char **l = lines; *l; l++)
    {
      char *line = g_strstrip (*l);
      gsize len = strlen (line);

      if (len < 2 || line[0] != '[' || line[len - 1] != ']')
        continue;
      line[len - 1] = '\0';
      if (g_str_has_prefix (line + 1, POOL_GROUP_PREFIX)
          && pool_name_is_valid (line + 1 + strlen (POOL_GROUP_PREFIX)))
        {
          add_broken (config, line + 1 + strlen (POOL_GROUP_PREFIX), path, reason);
          named = TRUE;
        }
    }
  if (!named)
    add_broken (config, NULL, path, reason);
}

/* Every pool of @path goes to config->pools or, with the reason, to
 * config->broken. */
static void
load_file (VfpConfig *config, const char *path, VfpSysfs *sys,
           const char *const *wanted)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) groups = NULL;

  g_key_file_set_list_separator (kf, ';');
  if (!read_pool_file (path, &text, &error)
      || !g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, &error))
    {
      if (error->domain != VFP_ERROR)
        g_prefix_error (&error, "%s: ", path);
      break_file (config, path, text, error->message);
      return;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      g_autoptr (GError) pool_error = NULL;
      g_autofree char *reason = NULL;
      const char *name = *g + strlen (POOL_GROUP_PREFIX);
      VfpPool *pool = NULL;

      if (!g_str_has_prefix (*g, POOL_GROUP_PREFIX))
        {
          reason = g_strdup_printf ("%s: group [%s] is not [pool NAME]", path, *g);
          add_broken (config, NULL, path, reason);
        }
      else if (!parse_pool (path, kf, *g, sys, wanted, &pool, &pool_error))
        add_broken (config, pool_name_is_valid (name) ? name : NULL, path, pool_error->message);
      else if (vfp_config_find_pool (config, pool->name) != NULL
               || vfp_config_find_broken (config, pool->name) != NULL)
        {
          /* resolve_duplicates() also takes the other definition away */
          reason = g_strdup_printf ("%s: [%s]: pool '%s' is defined twice", path, *g,
                                    pool->name);
          add_broken (config, pool->name, path, reason);
          pool_free (pool);
        }
      else
        g_ptr_array_add (config->pools, pool);
    }
}

/* A pool name defined twice (once broken, say) is ambiguous: neither
 * definition is used. */
static void
resolve_duplicates (VfpConfig *config)
{
  for (guint i = config->pools->len; i-- > 0;)
    {
      VfpPool *pool = config->pools->pdata[i];
      VfpBrokenPool *other = vfp_config_find_broken (config, pool->name);
      g_autofree char *reason = NULL;

      if (other == NULL)
        continue;
      reason = g_strdup_printf ("%s: [pool %s]: pool '%s' is defined twice (also in %s)",
                                pool->file, pool->name, pool->name, other->file);
      add_broken (config, pool->name, pool->file, reason);
      g_ptr_array_remove_index (config->pools, i);
    }
}

/* Record in @bad (pool → reason) that @pool shares @vf with @other; the
 * first conflict of a pool is its reason. */
static void
mark_overlap (GHashTable *bad, VfpPool *pool, VfpPool *other, VfpVf *vf)
{
  if (g_hash_table_contains (bad, pool))
    return;
  g_hash_table_insert (bad, pool,
                       g_strdup_printf ("%s: [pool %s] pfs: VF %s (VF %u of %s) is also in "
                                        "pool '%s' (%s)", pool->file, pool->name, vf->pci,
                                        vf->index, vf->pf->netdev ? vf->pf->netdev : vf->pf->pci,
                                        other->name, other->file));
}

/* A VF handed out by two pools would be leased twice: both pools are broken
 * (the others are fine). */
static void
check_overlap (VfpConfig *config)
{
  g_autoptr (GHashTable) owner = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) bad = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GHashTable) pf_pools = g_hash_table_new (g_str_hash, g_str_equal);

  /* Only a PF in two pools can put a VF in both (a pool lists a PF once),
   * so the per-VF check runs for those alone: a start does not pay for
   * hashing every VF of every pool. */
  for (guint i = 0; i < config->pools->len; i++)
    {
      VfpPool *pool = config->pools->pdata[i];
      for (guint j = 0; j < pool->pfs->len; j++)
        {
          const char *pci = ((VfpPf *) pool->pfs->pdata[j])->pci;
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (pf_pools, pci));
          g_hash_table_insert (pf_pools, (gpointer) pci, GUINT_TO_POINTER (n + 1));
        }
    }
  for (guint i = 0; i < config->pools->len; i++)
    {
      VfpPool *pool = config->pools->pdata[i];
      const VfpPf *last = NULL;
      gboolean shared = FALSE, any_shared = FALSE;

      /* A pool none of whose PFs another pool lists has no VF to check:
       * its members (4096 at 16 PFs x 256) are not walked at all. */
      for (guint j = 0; j < pool->pfs->len && !any_shared; j++)
        any_shared = GPOINTER_TO_UINT (g_hash_table_lookup (
                       pf_pools, ((VfpPf *) pool->pfs->pdata[j])->pci)) > 1;
      for (guint j = 0; any_shared && j < pool->members->len; j++)
        {
          VfpVf *vf = pool->members->pdata[j];
          VfpPool *other;

          if (vf->pf != last)
            {
              last = vf->pf;
              shared = GPOINTER_TO_UINT (g_hash_table_lookup (pf_pools, vf->pf->pci)) > 1;
            }
          if (!shared)
            continue;
          other = g_hash_table_lookup (owner, vf->pci);
          if (other == NULL)
            {
              g_hash_table_insert (owner, vf->pci, pool);
              continue;
            }
          mark_overlap (bad, pool, other, vf);
          mark_overlap (bad, other, pool, vf);
        }
    }
  for (guint i = config->pools->len; i-- > 0;)
    {
      VfpPool *pool = config->pools->pdata[i];
      const char *reason = g_hash_table_lookup (bad, pool);

      if (reason == NULL)
        continue;
      add_broken (config, pool->name, pool->file, reason);
      g_hash_table_remove (bad, pool);
      g_ptr_array_remove_index (config->pools, i);
    }
}

/* The PFs of pools not asked for that an asked-for pool lists too are read
 * now, so that check_overlap() sees every VF two pools could share. */
static void
resolve_unread (VfpConfig *config, VfpSysfs *sys)
{
  g_autoptr (GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < config->pools->len; i++)
    {
      VfpPool *pool = config->pools->pdata[i];
      for (guint j = 0; pool->unread == NULL && j < pool->pfs->len; j++)
        g_hash_table_add (used, ((VfpPf *) pool->pfs->pdata[j])->pci);
    }
  for (guint i = config->pools->len; i-- > 0;)
    {
      VfpPool *pool = config->pools->pdata[i];

      for (guint j = 0; pool->unread != NULL && j < pool->unread->len; j++)
        {
          g_autofree char *pci = g_strdup (pool->unread->pdata[j]);
          char *item = strchr (pci, ' ');
          g_autoptr (GError) error = NULL;

          *item++ = '\0';
          if (!g_hash_table_contains (used, pci)
              || add_pf_item (pool, item, sys, TRUE, 0, &error))
            continue;
          /* As load_file() words it (the file's key and value, shortened). */
          g_prefix_error (&error, "%s: [pool %s] pfs: pfs '%s': ", pool->file, pool->name, item);
          add_broken (config, pool->name, pool->file, error->message);
          g_ptr_array_remove_index (config->pools, i);
          break;
        }
    }
}

gboolean
vfp_config_load (const char *config_dir, const char *sysfs_root,
                 VfpConfig **out, GError **error)
{
  return vfp_config_load_pools (config_dir, sysfs_root, NULL, 0, out, error);
}

gboolean
vfp_config_load_pools (const char *config_dir, const char *sysfs_root,
                       const char *const *wanted, VfpPfFacts skip, VfpConfig **out,
                       GError **error)
{
  g_autoptr (VfpConfig) config = g_new0 (VfpConfig, 1);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *unsafe = NULL;
  g_auto (VfpSysfs) sys = { NULL, -2, -2, 0 };
  struct stat st;
  const char *name;

  vfp_sysfs_init (&sys, sysfs_root);
  sys.skip = skip;
  config->dir = g_build_filename (config_dir, "pools.d", NULL);
  config->pools = g_ptr_array_new_with_free_func ((GDestroyNotify) pool_free);
  config->broken = g_ptr_array_new_with_free_func ((GDestroyNotify) vfp_broken_pool_free);
  if (stat (config->dir, &st) != 0)
    {
      if (errno == ENOENT)
        {
          *out = g_steal_pointer (&config);
          return TRUE;
        }
    }
  /* Whoever can add or swap files in pools.d chooses the pools: then none
   * of them is trusted. */
  else if ((unsafe = unsafe_reason (&st)) != NULL)
    {
      config->unsafe = g_strdup_printf ("%s %s; every pool is refused until it is fixed "
                                        "(chown root %s && chmod go-w %s)", config->dir,
                                        unsafe, config->dir, config->dir);
      *out = g_steal_pointer (&config);
      return TRUE;
    }
  dir = g_dir_open (config->dir, 0, &local_error);
  if (dir == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot read pool config: ");
      return FALSE;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".conf") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (config->dir, names->pdata[i], NULL);
      load_file (config, path, &sys, wanted);
    }
  resolve_duplicates (config);
  if (wanted != NULL)
    resolve_unread (config, &sys);
  check_overlap (config);
  g_ptr_array_sort (config->pools, compare_pools);
  *out = g_steal_pointer (&config);
  return TRUE;
}

gboolean
vfp_config_has_broken (const VfpConfig *config)
{
  return config->unsafe != NULL || config->broken->len > 0;
}

VfpPool *
vfp_config_get_pool (VfpConfig *config, const char *name, GError **error)
{
  VfpPool *pool = vfp_config_find_pool (config, name);
  VfpBrokenPool *broken = vfp_config_find_broken (config, name);
  g_autofree char *quoted = NULL;

  if (pool != NULL)
    return pool;
  quoted = vfp_error_quote (name);
  if (config->unsafe != NULL)
    g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "pool '%s' is broken: %s",
                 quoted, config->unsafe);
  else if (broken != NULL)
    g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST, "pool '%s' is broken: %s",
                 quoted, broken->reason);
  else
    g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                 "unknown pool '%s' (pools are defined in %s)", quoted, config->dir);
  return NULL;
}

VfpPool *
vfp_config_find_pool (VfpConfig *config, const char *name)
{
  for (guint i = 0; i < config->pools->len; i++)
    if (strcmp (((VfpPool *) config->pools->pdata[i])->name, name) == 0)
      return config->pools->pdata[i];
  return NULL;
}

/* The VFs of @pool's PFs, members or not. */
static guint
pool_vf_count (const VfpPool *pool)
{
  guint n = 0;

  for (guint i = 0; i < pool->pfs->len; i++)
    {
      const VfpPf *pf = pool->pfs->pdata[i];
      n += pf->vfs != NULL ? pf->vfs->len : 0;
    }
  return n;
}

VfpVf *
vfp_pool_find_member (const VfpPool *pool, const char *vf_pci)
{
  for (guint i = 0; i < pool->pfs->len; i++)
    {
      VfpPf *pf = pool->pfs->pdata[i];
      int index = vfp_pf_vf_index (pf, vf_pci);
      VfpVf *vf;

      if (index < 0)
        continue;
      /* A VF of the PF; a member unless the pool takes a range of it. */
      vf = pf->vfs->pdata[index];
      if (pool->members->len == pool_vf_count (pool))
        return vf;
      for (guint j = 0; j < pool->members->len; j++)
        if (pool->members->pdata[j] == vf)
          return vf;
      return NULL;
    }
  return NULL;
}

VfpPool *
vfp_config_find_vf (VfpConfig *config, const char *vf_pci, VfpVf **vf_out)
{
  for (guint i = 0; i < config->pools->len; i++)
    {
      VfpPool *pool = config->pools->pdata[i];
      VfpVf *vf = vfp_pool_find_member (pool, vf_pci);

      if (vf != NULL)
        {
          if (vf_out != NULL)
            *vf_out = vf;
          return pool;
        }
    }
  return NULL;
}

/* 8-4-4-4-12 hex digits: such an allow= item names a domain UUID. */
static gboolean
looks_like_uuid (const char *text)
{
  static const guint groups[] = { 8, 4, 4, 4, 12 };
  const char *p = text;

  for (gsize g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      for (guint i = 0; i < groups[g]; i++, p++)
        if (!g_ascii_isxdigit (*p))
          return FALSE;
      if (*p != (g + 1 < G_N_ELEMENTS (groups) ? '-' : '\0'))
        return FALSE;
      if (*p != '\0')
        p++;
    }
  return TRUE;
}

gboolean
vfp_pool_allows (VfpPool *pool, const char *name, const char *uuid)
{
  if (pool->allow == NULL)
    return TRUE;
  /* Whoever defines a domain picks its name freely, so a UUID item must not
   * let in a domain merely *named* like that UUID. */
  for (char **p = pool->allow; *p; p++)
    if (looks_like_uuid (*p) ? uuid != NULL && g_ascii_strcasecmp (*p, uuid) == 0
                             : g_utf8_validate (name, -1, NULL) && g_pattern_match_simple (*p, name))
      return TRUE;
  return FALSE;
}

/* Does @cfg name attribute @i of knob_attrs?  A knob set without attribute
 * bits (built by hand) names all of them. */
static gboolean
names_attr (const VfpVfConfig *cfg, gsize i)
{
  if (!(cfg->set & knob_attrs[i].knob))
    return FALSE;
  return knob_attrs[i].flag == 0 || (cfg->set & knob_attrs[i].flag)
         || !(cfg->set & knob_attrs[i].group);
}

/* Attribute @i of knob_attrs in @cfg, as a user writes it. */
static char *
attr_value (const VfpVfConfig *cfg, gsize i)
{
  switch ((VfpOverride) (1u << i))
    {
    case VFP_OVERRIDE_MAC:
      return vfp_mac_to_string (cfg->mac);
    case VFP_OVERRIDE_VLAN:
      return g_strdup_printf ("%u", cfg->vlan);
    case VFP_OVERRIDE_QOS:
      return g_strdup_printf ("%u", cfg->qos);
    case VFP_OVERRIDE_VLAN_PROTO:
      return vfp_vlan_proto_to_string (cfg->vlan_proto)
             ? g_strdup (vfp_vlan_proto_to_string (cfg->vlan_proto))
             : g_strdup_printf ("0x%04x", cfg->vlan_proto);
    case VFP_OVERRIDE_SPOOFCHK:
      return g_strdup (cfg->spoofchk ? "on" : "off");
    case VFP_OVERRIDE_TRUST:
      return g_strdup (cfg->trust ? "on" : "off");
    case VFP_OVERRIDE_MIN_TX_RATE:
      return g_strdup_printf ("%u", cfg->min_tx_rate);
    case VFP_OVERRIDE_MAX_TX_RATE:
      return g_strdup_printf ("%u", cfg->max_tx_rate);
    case VFP_OVERRIDE_LINK_STATE:
    default:
      return g_strdup (vfp_link_state_to_string (cfg->link_state));
    }
}

gboolean
vfp_pool_resolve_request (const VfpPool *pool, const VfpVfConfig *asked,
                          VfpFailover asked_failover, VfpVfConfig *want, gboolean *failover,
                          GError **error)
{
  VfpVfConfig merged = pool->defaults;

  if (pool->failover != VFP_FAILOVER_UNSET && asked_failover != VFP_FAILOVER_UNSET
      && asked_failover != pool->failover && !(pool->overridable & VFP_OVERRIDE_FAILOVER))
    {
      const char *pool_value = pool->failover == VFP_FAILOVER_YES ? "yes" : "no";
      const char *asked_value = asked_failover == VFP_FAILOVER_YES ? "yes" : "no";

      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "pool '%s' fixes failover=%s; the request asks failover=%s (list failover "
                   "in the pool's overridable= to allow it)", pool->name, pool_value,
                   asked_value);
      return FALSE;
    }

  /* The pool sets a whole knob (vlan with its qos and protocol, both rates):
   * every attribute of it is the pool's, defaults included. */
  for (gsize i = 0; i < G_N_ELEMENTS (knob_attrs); i++)
    {
      g_autofree char *pool_value = NULL;
      g_autofree char *asked_value = NULL;

      if (!(pool->defaults.set & knob_attrs[i].knob) || !names_attr (asked, i)
          || (pool->overridable & (1u << i)))
        continue;
      pool_value = attr_value (&pool->defaults, i);
      asked_value = attr_value (asked, i);
      if (strcmp (pool_value, asked_value) == 0)
        continue;
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "pool '%s' fixes %s=%s; the request asks %s=%s (list %s in the pool's "
                   "overridable= to allow it)", pool->name, knob_attrs[i].name, pool_value,
                   knob_attrs[i].name, asked_value, knob_attrs[i].name);
      return FALSE;
    }
  vfp_vf_config_merge (&merged, asked);
  if (pool->vlans != NULL && !(merged.set & VFP_KNOB_VLAN))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "pool '%s' allows only vlans=%s; the request asks no vlan (ask for one of "
                   "them)", pool->name, pool->vlans_text);
      return FALSE;
    }
  if (pool->vlans != NULL && !pool_allows_vlan (pool, merged.vlan))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "pool '%s' allows only vlans=%s; the request asks vlan=%u", pool->name,
                   pool->vlans_text, merged.vlan);
      return FALSE;
    }
  *want = merged;
  *failover = asked_failover != VFP_FAILOVER_UNSET ? asked_failover == VFP_FAILOVER_YES
                                                   : pool->failover == VFP_FAILOVER_YES;
  return TRUE;
}
