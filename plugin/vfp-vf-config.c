/* vfp-vf-config.c: parsing, printing and merging of the per-VF knobs. */
#include "config.h"

#include "vfp-vf-config.h"
#include "vfp-error.h"

#include <string.h>

static const char *const vfp_attr_names[] = {
  VFP_ATTR_MAC, VFP_ATTR_VLAN, VFP_ATTR_QOS, VFP_ATTR_VLAN_PROTO,
  VFP_ATTR_SPOOFCHK, VFP_ATTR_TRUST, VFP_ATTR_MIN_TX_RATE,
  VFP_ATTR_MAX_TX_RATE, VFP_ATTR_LINK_STATE,
};


gboolean
vfp_vf_config_is_attr (const char *name)
{
  if (name == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (vfp_attr_names); i++)
    if (strcmp (name, vfp_attr_names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Strict decimal: g_ascii_string_to_unsigned already refuses signs,
 * whitespace, trailing garbage and overflow. */
static gboolean
vfp_parse_uint (const char *name, const char *value, guint64 max,
                guint *out, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *quoted = vfp_error_quote (value);
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (value, 10, 0, max, &n, &local_error))
    {
      if (g_error_matches (local_error, G_NUMBER_PARSER_ERROR,
                           G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
        g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                     "%s '%s' is out of range 0-%" G_GUINT64_FORMAT,
                     name, quoted, max);
      else
        g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                     "%s '%s' is not a decimal number (expected 0-%" G_GUINT64_FORMAT ")",
                     name, quoted, max);
      return FALSE;
    }
  *out = (guint) n;
  return TRUE;
}

static gboolean
vfp_parse_bool (const char *name, const char *value, gboolean *out, GError **error)
{
  static const char *const yes[] = { "on", "yes", "true", "1" };
  static const char *const no[] = { "off", "no", "false", "0" };
  g_autofree char *quoted = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (value, yes[i]) == 0)
        {
          *out = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (value, no[i]) == 0)
        {
          *out = FALSE;
          return TRUE;
        }
    }
  quoted = vfp_error_quote (value);
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
               "%s '%s' is not on or off", name, quoted);
  return FALSE;
}

static gboolean
vfp_parse_vlan_proto (const char *value, guint *out, GError **error)
{
  g_autofree char *quoted = NULL;

  if (g_ascii_strcasecmp (value, "802.1Q") == 0)
    {
      *out = VFP_VLAN_PROTO_8021Q;
      return TRUE;
    }
  if (g_ascii_strcasecmp (value, "802.1ad") == 0)
    {
      *out = VFP_VLAN_PROTO_8021AD;
      return TRUE;
    }
  quoted = vfp_error_quote (value);
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
               "%s '%s' is not 802.1Q or 802.1ad", VFP_ATTR_VLAN_PROTO, quoted);
  return FALSE;
}

static gboolean
vfp_parse_link_state (const char *value, VfpLinkState *out, GError **error)
{
  static const VfpLinkState states[] = {
    VFP_LINK_STATE_AUTO, VFP_LINK_STATE_ENABLE, VFP_LINK_STATE_DISABLE,
  };
  g_autofree char *quoted = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (states); i++)
    if (g_ascii_strcasecmp (value, vfp_link_state_to_string (states[i])) == 0)
      {
        *out = states[i];
        return TRUE;
      }
  quoted = vfp_error_quote (value);
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
               "%s '%s' is not auto, enable or disable", VFP_ATTR_LINK_STATE, quoted);
  return FALSE;
}

/* A multi-attribute knob that becomes set gets defaults for the attributes
 * nobody names: an untagged 802.1Q VLAN with qos 0, unlimited rates. */
static void
vfp_vf_config_mark_vlan (VfpVfConfig *cfg, guint attr_flag)
{
  if ((cfg->set & VFP_KNOB_VLAN) == 0)
    {
      cfg->vlan = 0;
      cfg->qos = 0;
      cfg->vlan_proto = VFP_VLAN_PROTO_8021Q;
    }
  cfg->set |= VFP_KNOB_VLAN | attr_flag;
}

static void
vfp_vf_config_mark_rate (VfpVfConfig *cfg, guint attr_flag)
{
  if ((cfg->set & VFP_KNOB_RATE) == 0)
    {
      cfg->min_tx_rate = 0;
      cfg->max_tx_rate = 0;
    }
  cfg->set |= VFP_KNOB_RATE | attr_flag;
}

gboolean
vfp_vf_config_set_attr (VfpVfConfig *cfg, const char *name,
                        const char *value, GError **error)
{
  g_autofree char *quoted_name = NULL;

  if (value == NULL)
    value = "";

  if (g_strcmp0 (name, VFP_ATTR_MAC) == 0)
    {
      guint8 mac[6];

      if (!vfp_mac_parse (value, mac, error))
        return FALSE;
      memcpy (cfg->mac, mac, sizeof mac);
      cfg->set |= VFP_KNOB_MAC;
      return TRUE;
    }
  if (g_strcmp0 (name, VFP_ATTR_VLAN) == 0)
    {
      guint v;

      if (!vfp_parse_uint (name, value, 4094, &v, error))
        return FALSE;
      vfp_vf_config_mark_vlan (cfg, VFP_ATTR_FLAG_VLAN_ID);
      cfg->vlan = v;
      return TRUE;
    }
  if (g_strcmp0 (name, VFP_ATTR_QOS) == 0)
    {
      guint v;

      if (!vfp_parse_uint (name, value, 7, &v, error))
        return FALSE;
      vfp_vf_config_mark_vlan (cfg, VFP_ATTR_FLAG_QOS);
      cfg->qos = v;
      return TRUE;
    }
  if (g_strcmp0 (name, VFP_ATTR_VLAN_PROTO) == 0)
    {
      guint v;

      if (!vfp_parse_vlan_proto (value, &v, error))
        return FALSE;
      vfp_vf_config_mark_vlan (cfg, VFP_ATTR_FLAG_PROTO);
      cfg->vlan_proto = v;
      return TRUE;
    }
  if (g_strcmp0 (name, VFP_ATTR_SPOOFCHK) == 0)
    {
      gboolean b;

      if (!vfp_parse_bool (name, value, &b, error))
        return FALSE;
      cfg->spoofchk = b;
      cfg->set |= VFP_KNOB_SPOOFCHK;
      return TRUE;
    }
  if (g_strcmp0 (name, VFP_ATTR_TRUST) == 0)
    {
      gboolean b;

      if (!vfp_parse_bool (name, value, &b, error))
        return FALSE;
      cfg->trust = b;
      cfg->set |= VFP_KNOB_TRUST;
      return TRUE;
    }
  if (g_strcmp0 (name, VFP_ATTR_MIN_TX_RATE) == 0)
    {
      guint v;

      if (!vfp_parse_uint (name, value, G_MAXUINT32, &v, error))
        return FALSE;
      vfp_vf_config_mark_rate (cfg, VFP_ATTR_FLAG_MIN_RATE);
      cfg->min_tx_rate = v;
      return TRUE;
    }
  if (g_strcmp0 (name, VFP_ATTR_MAX_TX_RATE) == 0)
    {
      guint v;

      if (!vfp_parse_uint (name, value, G_MAXUINT32, &v, error))
        return FALSE;
      vfp_vf_config_mark_rate (cfg, VFP_ATTR_FLAG_MAX_RATE);
      cfg->max_tx_rate = v;
      return TRUE;
    }
  if (g_strcmp0 (name, VFP_ATTR_LINK_STATE) == 0)
    {
      VfpLinkState s;

      if (!vfp_parse_link_state (value, &s, error))
        return FALSE;
      cfg->link_state = s;
      cfg->set |= VFP_KNOB_LINK_STATE;
      return TRUE;
    }

  quoted_name = vfp_error_quote (name != NULL ? name : "");
  g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
               "unknown attribute '%s'", quoted_name);
  return FALSE;
}

/* Which attributes of a multi-attribute knob @cfg names; a knob set without
 * attribute bits (read from a backend, built by hand) names all of them. */
static guint
vfp_named_attrs (const VfpVfConfig *cfg, guint all)
{
  guint attrs = cfg->set & all;

  return attrs != 0 ? attrs : all;
}

void
vfp_vf_config_merge (VfpVfConfig *base, const VfpVfConfig *top)
{
  if (top->set & VFP_KNOB_MAC)
    {
      memcpy (base->mac, top->mac, sizeof base->mac);
      base->set |= VFP_KNOB_MAC;
    }
  if (top->set & VFP_KNOB_VLAN)
    {
      guint attrs = vfp_named_attrs (top, VFP_ATTR_FLAGS_VLAN);

      vfp_vf_config_mark_vlan (base, attrs);
      if (attrs & VFP_ATTR_FLAG_VLAN_ID)
        base->vlan = top->vlan;
      if (attrs & VFP_ATTR_FLAG_QOS)
        base->qos = top->qos;
      if (attrs & VFP_ATTR_FLAG_PROTO)
        base->vlan_proto = top->vlan_proto;
    }
  if (top->set & VFP_KNOB_SPOOFCHK)
    {
      base->spoofchk = top->spoofchk;
      base->set |= VFP_KNOB_SPOOFCHK;
    }
  if (top->set & VFP_KNOB_TRUST)
    {
      base->trust = top->trust;
      base->set |= VFP_KNOB_TRUST;
    }
  if (top->set & VFP_KNOB_RATE)
    {
      guint attrs = vfp_named_attrs (top, VFP_ATTR_FLAGS_RATE);

      vfp_vf_config_mark_rate (base, attrs);
      if (attrs & VFP_ATTR_FLAG_MIN_RATE)
        base->min_tx_rate = top->min_tx_rate;
      if (attrs & VFP_ATTR_FLAG_MAX_RATE)
        base->max_tx_rate = top->max_tx_rate;
    }
  if (top->set & VFP_KNOB_LINK_STATE)
    {
      base->link_state = top->link_state;
      base->set |= VFP_KNOB_LINK_STATE;
    }
}

gboolean
vfp_mac_parse (const char *text, guint8 mac[6], GError **error)
{
  guint8 bytes[6];
  gboolean ok = text != NULL && strlen (text) == 17;

  for (guint i = 0; ok && i < 6; i++)
    {
      const char *p = text + i * 3;

      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1])
          || (i < 5 && p[2] != ':'))
        ok = FALSE;
      else
        bytes[i] = (guint8) (g_ascii_xdigit_value (p[0]) << 4
                             | g_ascii_xdigit_value (p[1]));
    }

  if (!ok)
    {
      g_autofree char *quoted = vfp_error_quote (text != NULL ? text : "");

      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "%s '%s' is not a MAC address (expected aa:bb:cc:dd:ee:ff)",
                   VFP_ATTR_MAC, quoted);
      return FALSE;
    }
  memcpy (mac, bytes, sizeof bytes);
  return TRUE;
}

char *
vfp_mac_to_string (const guint8 mac[6])
{
  char text[VFP_MAC_STRLEN];

  return g_strdup (vfp_mac_format (mac, text));
}

const char *
vfp_mac_format (const guint8 mac[6], char text[VFP_MAC_STRLEN])
{
  static const char hex[] = "0123456789abcdef";

  for (guint i = 0; i < 6; i++)
    {
      text[3 * i] = hex[mac[i] >> 4];
      text[3 * i + 1] = hex[mac[i] & 0xf];
      text[3 * i + 2] = i < 5 ? ':' : '\0';
    }
  return text;
}

gboolean
vfp_mac_is_multicast (const guint8 mac[6])
{
  return (mac[0] & 0x01) != 0;
}

gboolean
vfp_mac_is_zero (const guint8 mac[6])
{
  for (guint i = 0; i < 6; i++)
    if (mac[i] != 0)
      return FALSE;
  return TRUE;
}

/* A hash rather than a counter so the MAC survives lease loss and host
 * moves: the same domain and nic always get the same address. */
void
vfp_mac_derive (const char *uuid, guint nic_index, guint8 mac[6])
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *lower = g_ascii_strdown (uuid != NULL ? uuid : "", -1);
  g_autofree char *input = g_strdup_printf ("%s/%u", lower, nic_index);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (sum, (const guchar *) input, -1);
  g_checksum_get_digest (sum, digest, &len);
  memcpy (mac, digest, 6);
  /* locally administered (bit 1 set), unicast (bit 0 clear) */
  mac[0] = (guint8) ((mac[0] & 0xfc) | 0x02);
}

const char *
vfp_knob_name (VfpKnob knob)
{
  switch (knob)
    {
    case VFP_KNOB_MAC:
      return "mac";
    case VFP_KNOB_VLAN:
      return "vlan";
    case VFP_KNOB_SPOOFCHK:
      return "spoofchk";
    case VFP_KNOB_TRUST:
      return "trust";
    case VFP_KNOB_RATE:
      return "rate";
    case VFP_KNOB_LINK_STATE:
      return "link-state";
    default:
      return "unknown";
    }
}

const char *
vfp_link_state_to_string (VfpLinkState state)
{
  switch (state)
    {
    case VFP_LINK_STATE_AUTO:
      return "auto";
    case VFP_LINK_STATE_ENABLE:
      return "enable";
    case VFP_LINK_STATE_DISABLE:
      return "disable";
    default:
      return "unknown";
    }
}

const char *
vfp_vlan_proto_to_string (guint vlan_proto)
{
  switch (vlan_proto)
    {
    case VFP_VLAN_PROTO_8021Q:
      return "802.1Q";
    case VFP_VLAN_PROTO_8021AD:
      return "802.1ad";
    default:
      return NULL;
    }
}

static const char *
vfp_onoff (gboolean b)
{
  return b ? "on" : "off";
}

void
vfp_vf_config_write (const VfpVfConfig *cfg, VfpKeyfileWriter *w, const char *group)
{
  vfp_keyfile_group (w, group);
  if (cfg->set & VFP_KNOB_MAC)
    {
      char mac[VFP_MAC_STRLEN];

      vfp_keyfile_string (w, VFP_ATTR_MAC, vfp_mac_format (cfg->mac, mac));
    }
  if (cfg->set & VFP_KNOB_VLAN)
    {
      const char *proto = vfp_vlan_proto_to_string (cfg->vlan_proto);

      vfp_keyfile_uint64 (w, VFP_ATTR_VLAN, cfg->vlan);
      vfp_keyfile_uint64 (w, VFP_ATTR_QOS, cfg->qos);
      /* an unknown number is written as such so reading it back fails
       * loudly instead of silently turning into 802.1Q */
      if (proto != NULL)
        vfp_keyfile_string (w, VFP_ATTR_VLAN_PROTO, proto);
      else
        vfp_keyfile_uint64 (w, VFP_ATTR_VLAN_PROTO, cfg->vlan_proto);
    }
  if (cfg->set & VFP_KNOB_SPOOFCHK)
    vfp_keyfile_string (w, VFP_ATTR_SPOOFCHK, vfp_onoff (cfg->spoofchk));
  if (cfg->set & VFP_KNOB_TRUST)
    vfp_keyfile_string (w, VFP_ATTR_TRUST, vfp_onoff (cfg->trust));
  if (cfg->set & VFP_KNOB_RATE)
    {
      vfp_keyfile_uint64 (w, VFP_ATTR_MIN_TX_RATE, cfg->min_tx_rate);
      vfp_keyfile_uint64 (w, VFP_ATTR_MAX_TX_RATE, cfg->max_tx_rate);
    }
  if (cfg->set & VFP_KNOB_LINK_STATE)
    vfp_keyfile_string (w, VFP_ATTR_LINK_STATE, vfp_link_state_to_string (cfg->link_state));
}

gboolean
vfp_vf_config_from_keyfile (VfpVfConfig *cfg, GKeyFile *kf,
                            const char *group, GError **error)
{
  VfpVfConfig parsed = { 0 };
  g_auto (GStrv) keys = NULL;

  if (!g_key_file_has_group (kf, group))
    {
      *cfg = parsed;
      return TRUE;
    }

  keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autofree char *value = g_key_file_get_value (kf, group, keys[i], NULL);
      g_autofree char *quoted_key = NULL;
      g_autofree char *quoted_value = NULL;
      gboolean known = vfp_vf_config_is_attr (keys[i]);

      if (known && vfp_vf_config_set_attr (&parsed, keys[i], value, &local_error))
        continue;
      /* quoted only for the message: a lease is read on every start */
      quoted_key = vfp_error_quote (keys[i]);
      quoted_value = vfp_error_quote (value != NULL ? value : "");
      if (!known)
        g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT,
                     "[%s] %s=%s: unknown key '%s'",
                     group, quoted_key, quoted_value, quoted_key);
      else
        g_set_error (error, VFP_ERROR, VFP_ERROR_STATE_CORRUPT,
                     "[%s] %s=%s: %s",
                     group, quoted_key, quoted_value, local_error->message);
      return FALSE;
    }

  *cfg = parsed;
  return TRUE;
}

char *
vfp_vf_config_describe (const VfpVfConfig *cfg)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (cfg->set & VFP_KNOB_MAC)
    {
      g_autofree char *mac = vfp_mac_to_string (cfg->mac);

      g_string_append_printf (out, " mac %s", mac);
    }
  if (cfg->set & VFP_KNOB_VLAN)
    {
      const char *proto = vfp_vlan_proto_to_string (cfg->vlan_proto);

      g_string_append_printf (out, " vlan %u qos %u", cfg->vlan, cfg->qos);
      /* 802.1Q is what everybody means by "vlan"; only say the exception */
      if (cfg->vlan_proto != VFP_VLAN_PROTO_8021Q)
        {
          if (proto != NULL)
            g_string_append_printf (out, " vlan-proto %s", proto);
          else
            g_string_append_printf (out, " vlan-proto 0x%04x", cfg->vlan_proto);
        }
    }
  if (cfg->set & VFP_KNOB_SPOOFCHK)
    g_string_append_printf (out, " spoofchk %s", vfp_onoff (cfg->spoofchk));
  if (cfg->set & VFP_KNOB_TRUST)
    g_string_append_printf (out, " trust %s", vfp_onoff (cfg->trust));
  if (cfg->set & VFP_KNOB_RATE)
    {
      guint attrs = vfp_named_attrs (cfg, VFP_ATTR_FLAGS_RATE);

      if (attrs & VFP_ATTR_FLAG_MIN_RATE)
        g_string_append_printf (out, " min-tx-rate %u", cfg->min_tx_rate);
      if (attrs & VFP_ATTR_FLAG_MAX_RATE)
        g_string_append_printf (out, " max-tx-rate %u", cfg->max_tx_rate);
    }
  if (cfg->set & VFP_KNOB_LINK_STATE)
    g_string_append_printf (out, " link-state %s",
                            vfp_link_state_to_string (cfg->link_state));

  if (out->len == 0)
    return g_strdup ("(nothing)");
  return g_strdup (out->str + 1);
}
