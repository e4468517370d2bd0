/* vfpoolctl-nic-options.h: the options that describe one nic of a request
 * (--pool, --bond, the knobs, --failover), one list for `request` and
 * `attach`, so both accept and check exactly the same. */
#pragma once

#include "vfpoolctl.h"
#include "vfp-vf-config.h"

G_BEGIN_DECLS

/* The GOptionArgFunc of every nic option: appends (attribute, value) to the
 * GPtrArray of g_free'd strings given as the options' callback data, in
 * command-line order (the order the nic is written in); a flag
 * (--failover) is the attribute set to "yes". */
gboolean vfpctl_nic_add_attr (const char *option_name, const char *value, gpointer data,
                              GError **error);

#define VFPCTL_NIC_ENTRY(name, help, arg) \
  { name, 0, 0, G_OPTION_ARG_CALLBACK, (gpointer) vfpctl_nic_add_attr, help, arg }

/* The nic options, to put in a command's GOptionEntry list; the command
 * passes its attribute array as vfpctl_parse_options' callback_data. */
#define VFPCTL_NIC_ENTRIES \
  VFPCTL_NIC_ENTRY ("pool", "the pool the nic's VF comes from (required)", "POOL"), \
  VFPCTL_NIC_ENTRY ("bond", "bond NAME: its nics get VFs on distinct ports", "NAME"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_MAC, "the VF's MAC (default: derived from the UUID)", "MAC"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_VLAN, "VLAN id 0-4094", "N"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_QOS, "VLAN priority 0-7", "N"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_VLAN_PROTO, "802.1Q or 802.1ad", "PROTO"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_SPOOFCHK, "on or off", "on|off"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_TRUST, "on or off", "on|off"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_MIN_TX_RATE, "minimum TX rate, Mbit/s", "N"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_MAX_TX_RATE, "maximum TX rate, Mbit/s", "N"), \
  VFPCTL_NIC_ENTRY (VFP_ATTR_LINK_STATE, "auto, enable or disable", "STATE"), \
  { "failover", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, \
    (gpointer) vfpctl_nic_add_attr, "write failover=\"yes\" on the nic", NULL }

/* Refuse a bad value, an option given twice or a missing --pool before
 * anything is read or written, with the message the hook would give at
 * start ("domain 'D': vlan '9999' is out of range 0-4094").  A usage
 * matter: report it with vfpctl_usage_fail. */
gboolean vfpctl_nic_check_attrs (const char *domain, GPtrArray *attrs, GError **error);

/* The value of attribute @name in @attrs, or NULL. */
const char *vfpctl_nic_attr (GPtrArray *attrs, const char *name);

/* --nic ARG as a nic index (0 to VFP_REQUEST_MAX_NICS - 1); else a
 * VFPCTL_USAGE_ERROR "--nic 'x' is not a nic index (0-31)". */
gboolean vfpctl_nic_parse_index (const char *arg, guint *nic, GError **error);

G_END_DECLS
