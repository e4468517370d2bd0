/* nl-probe.c: drives the kernel netlink backend (vfp-netlink-libnl.c) from the e2e guest, one VF knob per call, so a scenario can compare it with `ip -d link`. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfp-error.h"
#include "vfp-netlink.h"

/* Exit codes the nl-backend scenario branches on. */
enum {
  PROBE_OK = 0,
  PROBE_FAILED = 1,
  PROBE_USAGE = 2,
  PROBE_UNSUPPORTED = 3,    /* VFP_ERROR_UNSUPPORTED: the driver refused the knob */
};

static int
usage (void)
{
  fprintf (stderr,
           "usage: nl-probe get PF VF\n"
           "       nl-probe set PF VF mac XX:XX:XX:XX:XX:XX\n"
           "       nl-probe set PF VF vlan ID QOS 802.1Q|802.1ad\n"
           "       nl-probe set PF VF spoofchk|trust on|off\n"
           "       nl-probe set PF VF rate MIN MAX\n"
           "       nl-probe set PF VF link-state auto|enable|disable\n");
  return PROBE_USAGE;
}

static gboolean
parse_uint (const char *s, guint max, guint *out)
{
  guint64 v;
  if (!g_ascii_string_to_unsigned (s, 10, 0, max, &v, NULL))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_bool (const char *s, gboolean *out)
{
  if (g_str_equal (s, "on"))
    *out = TRUE;
  else if (g_str_equal (s, "off"))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_mac (const char *s, guint8 mac[6])
{
  unsigned int b[6];
  char tail;
  if (sscanf (s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
    return FALSE;
  for (int i = 0; i < 6; i++)
    mac[i] = (guint8) b[i];
  return TRUE;
}

/* One key=value per line, in ip's vocabulary where it has one. */
static void
print_config (const VfpVfConfig *c)
{
  printf ("set=0x%x\n", c->set);
  if (c->set & VFP_KNOB_MAC)
    printf ("mac=%02x:%02x:%02x:%02x:%02x:%02x\n",
            c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
  if (c->set & VFP_KNOB_VLAN)
    printf ("vlan=%u\nqos=%u\nvlan_proto=%s\n", c->vlan, c->qos,
            c->vlan_proto == VFP_VLAN_PROTO_8021AD ? "802.1ad" : "802.1Q");
  if (c->set & VFP_KNOB_SPOOFCHK)
    printf ("spoofchk=%s\n", c->spoofchk ? "on" : "off");
  if (c->set & VFP_KNOB_TRUST)
    printf ("trust=%s\n", c->trust ? "on" : "off");
  if (c->set & VFP_KNOB_RATE)
    printf ("min_tx_rate=%u\nmax_tx_rate=%u\n", c->min_tx_rate, c->max_tx_rate);
  if (c->set & VFP_KNOB_LINK_STATE)
    printf ("link_state=%s\n", c->link_state == VFP_LINK_STATE_ENABLE ? "enable"
            : c->link_state == VFP_LINK_STATE_DISABLE ? "disable" : "auto");
}

static int
report (GError *error)
{
  gboolean unsupported = g_error_matches (error, VFP_ERROR, VFP_ERROR_UNSUPPORTED);
  printf ("error=%s\nmessage=%s\n", unsupported ? "unsupported"
          : error->domain == G_FILE_ERROR ? "io" : "other", error->message);
  return unsupported ? PROBE_UNSUPPORTED : PROBE_FAILED;
}

/* Parses the knob arguments of `set` into @cfg; returns the knob or 0. */
static VfpKnob
parse_set (int argc, char **argv, VfpVfConfig *cfg)
{
  const char *what = argv[0];

  if (g_str_equal (what, "mac") && argc == 2 && parse_mac (argv[1], cfg->mac))
    return VFP_KNOB_MAC;
  if (g_str_equal (what, "vlan") && argc == 4 && parse_uint (argv[1], 4095, &cfg->vlan)
      && parse_uint (argv[2], 7, &cfg->qos))
    {
      if (g_ascii_strcasecmp (argv[3], "802.1Q") == 0)
        cfg->vlan_proto = VFP_VLAN_PROTO_8021Q;
      else if (g_ascii_strcasecmp (argv[3], "802.1ad") == 0)
        cfg->vlan_proto = VFP_VLAN_PROTO_8021AD;
      else
        return 0;
      return VFP_KNOB_VLAN;
    }
  if (g_str_equal (what, "spoofchk") && argc == 2 && parse_bool (argv[1], &cfg->spoofchk))
    return VFP_KNOB_SPOOFCHK;
  if (g_str_equal (what, "trust") && argc == 2 && parse_bool (argv[1], &cfg->trust))
    return VFP_KNOB_TRUST;
  if (g_str_equal (what, "rate") && argc == 3 && parse_uint (argv[1], G_MAXUINT, &cfg->min_tx_rate)
      && parse_uint (argv[2], G_MAXUINT, &cfg->max_tx_rate))
    return VFP_KNOB_RATE;
  if (g_str_equal (what, "link-state") && argc == 2)
    {
      if (g_str_equal (argv[1], "auto"))
        cfg->link_state = VFP_LINK_STATE_AUTO;
      else if (g_str_equal (argv[1], "enable"))
        cfg->link_state = VFP_LINK_STATE_ENABLE;
      else if (g_str_equal (argv[1], "disable"))
        cfg->link_state = VFP_LINK_STATE_DISABLE;
      else
        return 0;
      return VFP_KNOB_LINK_STATE;
    }
  return 0;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VfpNetlink) nl = NULL;
  VfpVfConfig cfg = { 0 };
  guint vf;

  if (argc < 4 || !parse_uint (argv[3], G_MAXINT, &vf))
    return usage ();

  nl = vfp_netlink_kernel_new (&error);
  if (nl == NULL)
    return report (error);

  if (g_str_equal (argv[1], "get") && argc == 4)
    {
      if (!vfp_netlink_get_vf (nl, argv[2], vf, &cfg, &error))
        return report (error);
      print_config (&cfg);
      return PROBE_OK;
    }
  if (g_str_equal (argv[1], "set") && argc >= 6)
    {
      VfpKnob knob = parse_set (argc - 4, argv + 4, &cfg);
      if (knob == 0)
        return usage ();
      cfg.set = knob;
      if (!vfp_netlink_set_vf (nl, argv[2], vf, knob, &cfg, &error))
        return report (error);
      printf ("ok\n");
      return PROBE_OK;
    }
  return usage ();
}
