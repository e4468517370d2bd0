/* vfp-netlink-fake.c: the recording VF backend used by tests, scenarios and the demo.
 *
 * Files, all derived from the FILE of "fake:FILE":
 *   FILE         append-only log, one line per VF change in `ip link` style,
 *                e.g. "ens1f0 vf 3 vlan 100 qos 0 proto 802.1Q"; a refused
 *                change is logged as "# ens1f0 vf 3 rate rejected: EINVAL".
 *                Each line is one write() on an O_APPEND fd, so concurrent
 *                hook processes never interleave.
 *   FILE.d/      current VF state, one GKeyFile per VF named "<pf>-vf<n>"
 *                with group [vf]; a VF without a file is in the default state
 *                (zero MAC, vlan 0, spoofchk on, trust off, no rate limits,
 *                link-state auto).  Tests seed a VF by writing such a file.
 *   FILE.rules   optional failure injection, read once when the backend is
 *                opened: lines "<pf|*> <knob|get> <ERRNO>", '#' comments.
 */
#include "config.h"

#include "vfp-netlink.h"
#include "vfp-error.h"
#include "vfp-file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define VFP_FAKE_GROUP "vf"
#define VFP_FAKE_MAX_FILE (1024 * 1024)

typedef struct {
  const char *name;
  int value;
} VfpFakeErrno;

/* The errnos drivers actually return for VF changes, plus a few that make
 * useful "something else broke" cases. */
static const VfpFakeErrno vfp_fake_errnos[] = {
  { "EOPNOTSUPP", EOPNOTSUPP },
  { "EPROTONOSUPPORT", EPROTONOSUPPORT },
  { "EINVAL", EINVAL },
  { "EPERM", EPERM },
  { "EACCES", EACCES },
  { "EIO", EIO },
  { "EBUSY", EBUSY },
  { "EAGAIN", EAGAIN },
  { "ENODEV", ENODEV },
  { "ENOENT", ENOENT },
  { "ENOMEM", ENOMEM },
  { "ENOSPC", ENOSPC },
  { "ERANGE", ERANGE },
  { "ETIMEDOUT", ETIMEDOUT },
};

#define VFP_FAKE_WHAT_GET 0 /* rule "what" for get_vf; knobs use their bit */

typedef struct {
  char *pf;                  /* NULL matches every PF ("*") */
  guint what;                /* a VfpKnob bit, or VFP_FAKE_WHAT_GET */
  const VfpFakeErrno *err;
} VfpFakeRule;

typedef struct {
  VfpNetlink parent;
  char *log_path;
  char *state_dir;
  GArray *rules;             /* of VfpFakeRule */
} VfpNetlinkFake;

static void
vfp_fake_rule_clear (gpointer data)
{
  VfpFakeRule *rule = data;

  g_clear_pointer (&rule->pf, g_free);
}

static const VfpFakeErrno *
vfp_fake_errno_lookup (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (vfp_fake_errnos); i++)
    if (strcmp (name, vfp_fake_errnos[i].name) == 0)
      return &vfp_fake_errnos[i];
  return NULL;
}

static gboolean
vfp_fake_knob_lookup (const char *name, guint *out)
{
  if (strcmp (name, "get") == 0)
    {
      *out = VFP_FAKE_WHAT_GET;
      return TRUE;
    }
  for (guint i = 0; i < VFP_KNOB_COUNT; i++)
    if (strcmp (name, vfp_knob_name ((VfpKnob) (1u << i))) == 0)
      {
        *out = 1u << i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
vfp_fake_parse_rules (const char *path, const char *text, GArray *rules,
                      GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) words = NULL;
      const char *fields[3];
      guint n = 0;
      VfpFakeRule rule = { 0 };

      g_strstrip (lines[i]);
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      words = g_strsplit_set (lines[i], " \t", -1);
      for (guint w = 0; words[w] != NULL; w++)
        {
          if (words[w][0] == '\0')
            continue;
          if (n == G_N_ELEMENTS (fields))
            {
              n++;
              break;
            }
          fields[n++] = words[w];
        }
      if (n != G_N_ELEMENTS (fields))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "%s line %u: expected '<pf|*> <knob|get> <ERRNO>'",
                       path, i + 1);
          return FALSE;
        }
      if (!vfp_fake_knob_lookup (fields[1], &rule.what))
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "%s line %u: '%s' is not a knob name or 'get'",
                       path, i + 1, fields[1]);
          return FALSE;
        }
      rule.err = vfp_fake_errno_lookup (fields[2]);
      if (rule.err == NULL)
        {
          g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                       "%s line %u: unknown errno name '%s'",
                       path, i + 1, fields[2]);
          return FALSE;
        }
      rule.pf = strcmp (fields[0], "*") == 0 ? NULL : g_strdup (fields[0]);
      g_array_append_val (rules, rule);
    }
  return TRUE;
}

static const VfpFakeErrno *
vfp_fake_rule_match (VfpNetlinkFake *self, const char *pf, guint what)
{
  for (guint i = 0; i < self->rules->len; i++)
    {
      const VfpFakeRule *rule = &g_array_index (self->rules, VfpFakeRule, i);

      if (rule->what == what && (rule->pf == NULL || strcmp (rule->pf, pf) == 0))
        return rule->err;
    }
  return NULL;
}

static gboolean
vfp_fake_check_pf (const char *pf, GError **error)
{
  if (!vfp_name_is_safe (pf))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "'%s' is not a valid PF network device name",
                   pf != NULL ? pf : "(null)");
      return FALSE;
    }
  return TRUE;
}

/* The kernel's mapping as callers see it: a driver refusing a knob is
 * "unsupported", anything else keeps its errno. */
static void
vfp_fake_set_errno_error (GError **error, int errsv, const char *what)
{
  if (errsv == EOPNOTSUPP || errsv == EPROTONOSUPPORT || errsv == EINVAL)
    g_set_error (error, VFP_ERROR, VFP_ERROR_UNSUPPORTED,
                 "%s failed: %s", what, g_strerror (errsv));
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                 "%s failed: %s", what, g_strerror (errsv));
}

static gboolean
vfp_fake_append (VfpNetlinkFake *self, const char *line, GError **error)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  gsize len = strlen (text);
  ssize_t n;
  int fd, errsv;

  fd = open (self->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0)
    {
      errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot open fake netlink log %s: %s", self->log_path,
                   g_strerror (errsv));
      return FALSE;
    }
  /* one write() per line: O_APPEND makes it land whole at the end even with
   * many writers, which a retry loop for short writes would break */
  do
    n = write (fd, text, len);
  while (n < 0 && errno == EINTR);
  errsv = errno;
  close (fd);
  if (n < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "cannot write fake netlink log %s: %s", self->log_path,
                   g_strerror (errsv));
      return FALSE;
    }
  if ((gsize) n != len)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "short write to fake netlink log %s", self->log_path);
      return FALSE;
    }
  return TRUE;
}

static void
vfp_fake_default_state (VfpVfConfig *cfg)
{
  *cfg = (VfpVfConfig) {
    .set = VFP_KNOB_ALL | VFP_ATTR_FLAGS_VLAN | VFP_ATTR_FLAGS_RATE,
    .vlan = 0,
    .qos = 0,
    .vlan_proto = VFP_VLAN_PROTO_8021Q,
    .spoofchk = TRUE,
    .trust = FALSE,
    .min_tx_rate = 0,
    .max_tx_rate = 0,
    .link_state = VFP_LINK_STATE_AUTO,
  };
}

static char *
vfp_fake_state_path (VfpNetlinkFake *self, const char *pf, guint vf_index)
{
  g_autofree char *name = g_strdup_printf ("%s-vf%u", pf, vf_index);

  return g_build_filename (self->state_dir, name, NULL);
}

/* A state file may name only some knobs (a test seeding just a MAC); the
 * rest keep their defaults. */
static gboolean
vfp_fake_read_state (VfpNetlinkFake *self, const char *pf, guint vf_index,
                     VfpVfConfig *out, GError **error)
{
  g_autofree char *path = vfp_fake_state_path (self, pf, vf_index);
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  VfpVfConfig state, seeded;

  vfp_fake_default_state (&state);
  if (!vfp_file_read (path, VFP_FAKE_MAX_FILE, &text, &local_error))
    {
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      *out = state;
      return TRUE;
    }
  if (!g_key_file_load_from_data (kf, text, (gsize) -1, G_KEY_FILE_NONE, &local_error)
      || !vfp_vf_config_from_keyfile (&seeded, kf, VFP_FAKE_GROUP, &local_error))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT,
                   "fake VF state %s: %s", path, local_error->message);
      return FALSE;
    }
  vfp_vf_config_merge (&state, &seeded);
  *out = state;
  return TRUE;
}

static gboolean
vfp_fake_write_state (VfpNetlinkFake *self, const char *pf, guint vf_index,
                      const VfpVfConfig *state, GError **error)
{
  g_autofree char *path = vfp_fake_state_path (self, pf, vf_index);
  g_autofree char *text = NULL;
  VfpKeyfileWriter w;
  gsize len = 0;

  if (!vfp_file_ensure_dir (self->state_dir, 0700, error))
    return FALSE;
  vfp_keyfile_writer_init (&w, 256);
  vfp_vf_config_write (state, &w, VFP_FAKE_GROUP);
  text = vfp_keyfile_writer_finish (&w, &len);
  return vfp_file_replace (path, text, len, 0600, error);
}

/* What the kernel or the driver would refuse no matter what the rules say,
 * so callers that send nonsense see it in tests too. */
static const VfpFakeErrno *
vfp_fake_check_value (VfpKnob knob, const VfpVfConfig *cfg)
{
  switch (knob)
    {
    case VFP_KNOB_MAC:
      if (vfp_mac_is_multicast (cfg->mac))
        return vfp_fake_errno_lookup ("EINVAL");
      break;
    case VFP_KNOB_VLAN:
      if (cfg->vlan > 4095 || cfg->qos > 7)
        return vfp_fake_errno_lookup ("EINVAL");
      if (vfp_vlan_proto_to_string (cfg->vlan_proto) == NULL)
        return vfp_fake_errno_lookup ("EPROTONOSUPPORT");
      break;
    case VFP_KNOB_RATE:
      if (cfg->max_tx_rate != 0 && cfg->min_tx_rate > cfg->max_tx_rate)
        return vfp_fake_errno_lookup ("EINVAL");
      break;
    case VFP_KNOB_LINK_STATE:
      if (cfg->link_state > VFP_LINK_STATE_DISABLE)
        return vfp_fake_errno_lookup ("EINVAL");
      break;
    default:
      break;
    }
  return NULL;
}

static void
vfp_fake_apply (VfpVfConfig *state, VfpKnob knob, const VfpVfConfig *cfg)
{
  switch (knob)
    {
    case VFP_KNOB_MAC:
      memcpy (state->mac, cfg->mac, sizeof state->mac);
      break;
    case VFP_KNOB_VLAN:
      state->vlan = cfg->vlan;
      state->qos = cfg->qos;
      state->vlan_proto = cfg->vlan_proto;
      break;
    case VFP_KNOB_SPOOFCHK:
      state->spoofchk = cfg->spoofchk ? TRUE : FALSE;
      break;
    case VFP_KNOB_TRUST:
      state->trust = cfg->trust ? TRUE : FALSE;
      break;
    case VFP_KNOB_RATE:
      state->min_tx_rate = cfg->min_tx_rate;
      state->max_tx_rate = cfg->max_tx_rate;
      break;
    case VFP_KNOB_LINK_STATE:
      state->link_state = cfg->link_state;
      break;
    default:
      break;
    }
}

static char *
vfp_fake_describe_change (const char *pf, guint vf_index, VfpKnob knob,
                          const VfpVfConfig *cfg)
{
  g_autofree char *mac = NULL;

  switch (knob)
    {
    case VFP_KNOB_MAC:
      mac = vfp_mac_to_string (cfg->mac);
      return g_strdup_printf ("%s vf %u mac %s", pf, vf_index, mac);
    case VFP_KNOB_VLAN:
      return g_strdup_printf ("%s vf %u vlan %u qos %u proto %s", pf, vf_index,
                              cfg->vlan, cfg->qos,
                              vfp_vlan_proto_to_string (cfg->vlan_proto));
    case VFP_KNOB_SPOOFCHK:
      return g_strdup_printf ("%s vf %u spoofchk %s", pf, vf_index,
                              cfg->spoofchk ? "on" : "off");
    case VFP_KNOB_TRUST:
      return g_strdup_printf ("%s vf %u trust %s", pf, vf_index,
                              cfg->trust ? "on" : "off");
    case VFP_KNOB_RATE:
      return g_strdup_printf ("%s vf %u rate min %u max %u", pf, vf_index,
                              cfg->min_tx_rate, cfg->max_tx_rate);
    case VFP_KNOB_LINK_STATE:
      return g_strdup_printf ("%s vf %u state %s", pf, vf_index,
                              vfp_link_state_to_string (cfg->link_state));
    default:
      return g_strdup_printf ("%s vf %u knob 0x%x", pf, vf_index, (guint) knob);
    }
}

static gboolean
vfp_fake_get_vf (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
                 VfpVfConfig *out, GError **error)
{
  VfpNetlinkFake *self = (VfpNetlinkFake *) nl;
  const VfpFakeErrno *err;

  if (!vfp_fake_check_pf (pf_netdev, error))
    return FALSE;
  err = vfp_fake_rule_match (self, pf_netdev, VFP_FAKE_WHAT_GET);
  if (err != NULL)
    {
      g_autofree char *what = g_strdup_printf ("reading VF %u of %s", vf_index, pf_netdev);

      vfp_fake_set_errno_error (error, err->value, what);
      return FALSE;
    }
  return vfp_fake_read_state (self, pf_netdev, vf_index, out, error);
}

static gboolean
vfp_fake_set_vf (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
                 VfpKnob knob, const VfpVfConfig *cfg, GError **error)
{
  VfpNetlinkFake *self = (VfpNetlinkFake *) nl;
  const VfpFakeErrno *err;
  g_autofree char *line = NULL;
  VfpVfConfig state;

  if (!vfp_fake_check_pf (pf_netdev, error))
    return FALSE;

  err = vfp_fake_rule_match (self, pf_netdev, knob);
  if (err == NULL)
    err = vfp_fake_check_value (knob, cfg);
  if (err != NULL)
    {
      g_autofree char *what = g_strdup_printf ("setting %s on VF %u of %s",
                                               vfp_knob_name (knob), vf_index, pf_netdev);

      line = g_strdup_printf ("# %s vf %u %s rejected: %s", pf_netdev, vf_index,
                              vfp_knob_name (knob), err->name);
      /* a log that cannot be written hides every later check; say so first */
      if (!vfp_fake_append (self, line, error))
        return FALSE;
      vfp_fake_set_errno_error (error, err->value, what);
      return FALSE;
    }

  if (!vfp_fake_read_state (self, pf_netdev, vf_index, &state, error))
    return FALSE;
  vfp_fake_apply (&state, knob, cfg);
  if (!vfp_fake_write_state (self, pf_netdev, vf_index, &state, error))
    return FALSE;
  line = vfp_fake_describe_change (pf_netdev, vf_index, knob, cfg);
  return vfp_fake_append (self, line, error);
}

static void
vfp_fake_free (VfpNetlink *nl)
{
  VfpNetlinkFake *self = (VfpNetlinkFake *) nl;

  g_free (self->log_path);
  g_free (self->state_dir);
  g_array_unref (self->rules);
  g_free (self);
}

static const VfpNetlinkOps vfp_fake_ops = {
  .get_vf = vfp_fake_get_vf,
  .set_vf = vfp_fake_set_vf,
  .free = vfp_fake_free,
};

VfpNetlink *
vfp_netlink_fake_new (const char *record_path, GError **error)
{
  g_autoptr (GArray) rules = NULL;
  g_autofree char *rules_path = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;
  VfpNetlinkFake *self;

  if (record_path == NULL || record_path[0] == '\0')
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "fake netlink backend needs a log file (fake:FILE)");
      return NULL;
    }

  rules = g_array_new (FALSE, TRUE, sizeof (VfpFakeRule));
  g_array_set_clear_func (rules, vfp_fake_rule_clear);
  rules_path = g_strconcat (record_path, ".rules", NULL);
  if (vfp_file_read (rules_path, VFP_FAKE_MAX_FILE, &text, &local_error))
    {
      if (!vfp_fake_parse_rules (rules_path, text, rules, error))
        return NULL;
    }
  else if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  self = g_new0 (VfpNetlinkFake, 1);
  self->parent.ops = &vfp_fake_ops;
  self->log_path = g_strdup (record_path);
  self->state_dir = g_strconcat (record_path, ".d", NULL);
  self->rules = g_steal_pointer (&rules);
  return &self->parent;
}
