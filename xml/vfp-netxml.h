/* vfp-netxml.h: the libvirt networks vfpool keeps for network-backed pools
 * (network=yes): their XML as net-sync writes it, what a network's XML says
 * (ownership marker, forward mode, VF list), and the <hookData> libvirt hands
 * its network hook (the network and the <networkport>). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A network-backed pool P is served by the libvirt network "vfpool-P". */
#define VFP_NETWORK_PREFIX "vfpool-"
/* Ownership marker, in the network's <metadata>:
 *   <vfpool:network xmlns:vfpool="urn:vfpool:network:1" pool="P"/>
 * vfpool touches a network only when its name is VFP_NETWORK_PREFIX + P AND
 * the marker names P: a same-named network someone else defined is left
 * alone (net-sync refuses to overwrite it, the hook ignores its ports). */
#define VFP_NETWORK_NS "urn:vfpool:network:1"
/* Cap on <hookData> (bytes): one network of at most a few thousand VFs. */
#define VFP_HOOKDATA_MAX_SIZE (4 * 1024 * 1024)

/* What a <network> element says. */
typedef struct {
  char *name;
  char *uuid;            /* lower-case dashed, NULL when absent */
  char *marker_pool;     /* pool= of vfpool's marker, NULL: no marker */
  char *forward_mode;    /* <forward mode=>, NULL when absent */
  gboolean managed;      /* <forward managed='yes'> */
  GPtrArray *vfs;        /* char * "DDDD:BB:SS.F" of <forward><address/>, sorted */
} VfpNetInfo;

void vfp_net_info_free (VfpNetInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpNetInfo, vfp_net_info_free)

/* The pool @info belongs to, or NULL when vfpool does not own the network
 * (name without the prefix, no marker, or a marker naming another pool). */
const char *vfp_net_info_owner_pool (const VfpNetInfo *info);

/* Parse a network's XML (virNetworkGetXMLDesc).  VFP_ERROR_INVALID_REQUEST
 * when it is not one. */
gboolean vfp_net_info_parse (const char *data, gsize len, VfpNetInfo **out, GError **error);

/* The XML net-sync defines for pool @pool: <forward mode='hostdev'
 * managed=@managed> listing @vfs (sorted), the marker, and @uuid when the
 * network exists already (libvirt refuses a redefinition with another). */
char *vfp_net_xml_build (const char *pool, gboolean managed, GPtrArray *vfs, const char *uuid);

/* One libvirt network port, as the network hook sees it. */
typedef struct {
  VfpNetInfo *network;
  char *port_uuid;       /* lower-case dashed */
  char *owner_name;
  char *owner_uuid;      /* lower-case dashed */
  char *plug_type;       /* <plug type=>, NULL: none */
  char *vf_pci;          /* type='hostdev-pci': the VF's address, else NULL */
} VfpNetPort;

void vfp_net_port_free (VfpNetPort *port);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpNetPort, vfp_net_port_free)

/* Parse the hook's stdin: <hookData><network>…</network><networkport>…
 * </networkport></hookData>.  Refuses (VFP_ERROR_INVALID_REQUEST, one line)
 * anything larger than VFP_HOOKDATA_MAX_SIZE, malformed, with a DTD or
 * entities, another root, no <network><name>, no <networkport>, or a port
 * without a well-formed UUID, owner name or owner UUID. */
gboolean vfp_net_port_parse (const char *data, gsize len, VfpNetPort **out, GError **error);

G_END_DECLS
