/* vfp-vf-config.h: the per-VF knobs (MAC, VLAN, spoof check, trust, rates, link
 * state) as a value with an explicit "set" mask, so a request only touches what
 * it names.  Also their text form, shared by pool config, requests, leases and
 * the fake netlink backend. */
#pragma once

#include <glib.h>
#include "vfp-keyfile-writer.h"

G_BEGIN_DECLS

/* Knobs in the order they are applied to a VF.  Each one is a separate
 * netlink request so a driver that rejects one does not half-apply another. */
typedef enum {
  VFP_KNOB_MAC        = 1 << 0,
  VFP_KNOB_VLAN       = 1 << 1, /* vlan id + qos + proto together (one IFLA_VF_VLAN*) */
  VFP_KNOB_SPOOFCHK   = 1 << 2,
  VFP_KNOB_TRUST      = 1 << 3,
  VFP_KNOB_RATE       = 1 << 4, /* min + max together (one IFLA_VF_RATE) */
  VFP_KNOB_LINK_STATE = 1 << 5,
} VfpKnob;

#define VFP_KNOB_ALL 0x3f
#define VFP_KNOB_COUNT 6

typedef enum {
  VFP_LINK_STATE_AUTO = 0,
  VFP_LINK_STATE_ENABLE = 1,
  VFP_LINK_STATE_DISABLE = 2,
} VfpLinkState;

#define VFP_VLAN_PROTO_8021Q  0x8100
#define VFP_VLAN_PROTO_8021AD 0x88a8

typedef struct {
  guint set;                /* VfpKnob mask: which fields below mean something */
  guint8 mac[6];
  guint vlan;               /* 0..4094, 0 = untagged */
  guint qos;                /* 0..7 */
  guint vlan_proto;         /* VFP_VLAN_PROTO_* */
  gboolean spoofchk;
  gboolean trust;
  guint min_tx_rate;        /* Mbit/s, 0 = unlimited */
  guint max_tx_rate;        /* Mbit/s, 0 = unlimited */
  VfpLinkState link_state;
} VfpVfConfig;

/* Attribute names as users write them (request XML, pools.d, lease files). */
#define VFP_ATTR_MAC         "mac"
#define VFP_ATTR_VLAN        "vlan"
#define VFP_ATTR_QOS         "qos"
#define VFP_ATTR_VLAN_PROTO  "vlan-proto"
#define VFP_ATTR_SPOOFCHK    "spoofchk"
#define VFP_ATTR_TRUST       "trust"
#define VFP_ATTR_MIN_TX_RATE "min-tx-rate"
#define VFP_ATTR_MAX_TX_RATE "max-tx-rate"
#define VFP_ATTR_LINK_STATE  "link-state"

/* TRUE if @name is one of the VFP_ATTR_* names. */
gboolean vfp_vf_config_is_attr (const char *name);

/* Parse one attribute (@name, @value) into @cfg and mark its knob set.
 * Errors (VFP_ERROR_INVALID_REQUEST) name the attribute and the bad value;
 * the caller prefixes where it came from. */
gboolean vfp_vf_config_set_attr (VfpVfConfig *cfg, const char *name,
                                 const char *value, GError **error);

/* Overlay every knob set in @top onto @base (request over pool defaults).
 * Rates are per attribute: a max-tx-rate alone keeps base's min. */
void vfp_vf_config_merge (VfpVfConfig *base, const VfpVfConfig *top);

/* MAC helpers.  Parsing accepts "aa:bb:cc:dd:ee:ff" only. */
gboolean vfp_mac_parse (const char *text, guint8 mac[6], GError **error);
char *vfp_mac_to_string (const guint8 mac[6]);
/* The same text in @text (returned), without allocating. */
#define VFP_MAC_STRLEN 18
const char *vfp_mac_format (const guint8 mac[6], char text[VFP_MAC_STRLEN]);
gboolean vfp_mac_is_multicast (const guint8 mac[6]);
gboolean vfp_mac_is_zero (const guint8 mac[6]);
/* Stable, locally administered, unicast MAC from a domain UUID and nic index. */
void vfp_mac_derive (const char *uuid, guint nic_index, guint8 mac[6]);

const char *vfp_knob_name (VfpKnob knob);
const char *vfp_link_state_to_string (VfpLinkState state);

/* Text form of the set knobs as a key file group (VFP_ATTR_* keys), used by
 * lease files and the fake backend: written with a VfpKeyfileWriter (no
 * group at all when no knob is set), read back with GKeyFile.  Reading is
 * strict: unknown keys and bad values fail with VFP_ERROR_STATE_CORRUPT. */
void vfp_vf_config_write (const VfpVfConfig *cfg, VfpKeyfileWriter *w, const char *group);
gboolean vfp_vf_config_from_keyfile (VfpVfConfig *cfg, GKeyFile *kf,
                                     const char *group, GError **error);

/* One-line human form, e.g. "mac 02:..:01 vlan 100 qos 0 spoofchk on". */
char *vfp_vf_config_describe (const VfpVfConfig *cfg);

/* Private bits of VfpVfConfig.set above VFP_KNOB_ALL: which attributes of a
 * multi-attribute knob were named, so merging can overlay per attribute (a
 * request's max-tx-rate alone keeps the pool's min-tx-rate).  A knob set
 * without any of its attribute bits (e.g. read from the kernel) counts as all
 * of its attributes named. */
#define VFP_ATTR_FLAG_MIN_RATE (1 << 8)
#define VFP_ATTR_FLAG_MAX_RATE (1 << 9)
#define VFP_ATTR_FLAG_QOS      (1 << 10)
#define VFP_ATTR_FLAG_PROTO    (1 << 11)
#define VFP_ATTR_FLAG_VLAN_ID  (1 << 12)
#define VFP_ATTR_FLAGS_VLAN (VFP_ATTR_FLAG_VLAN_ID | VFP_ATTR_FLAG_QOS | VFP_ATTR_FLAG_PROTO)
#define VFP_ATTR_FLAGS_RATE (VFP_ATTR_FLAG_MIN_RATE | VFP_ATTR_FLAG_MAX_RATE)

/* "802.1Q" / "802.1ad"; NULL for any other protocol number. */
const char *vfp_vlan_proto_to_string (guint vlan_proto);

G_END_DECLS
