/* vfp-netlink-libnl.c: the kernel VF backend — RTM_GETLINK/RTM_SETLINK on the PF through libnl, one VF attribute per request. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/handlers.h>

#include "vfp-error.h"
#include "vfp-netlink.h"

/* libnl's types are structs without typedefs; g_autoptr needs a type name. */
typedef struct nl_sock VfpNlSock;
typedef struct nl_msg VfpNlMsg;
typedef struct nl_cb VfpNlCb;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpNlSock, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpNlMsg, nlmsg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VfpNlCb, nl_cb_put)

typedef struct {
  VfpNetlink parent;
  struct nl_sock *sock;     /* one per backend object: no shared sequence numbers */
} VfpNetlinkKernel;

/* What one request/answer exchange saw. */
typedef struct {
  gboolean done;            /* the ACK or the error arrived */
  int kernel_errno;         /* > 0: the kernel refused the request */
  /* get_vf only */
  guint vf;
  gboolean found;
  VfpVfConfig cfg;
} VfpNlExchange;

/* The words used in error messages ("setting rate on VF 3 of ens1f0 failed"). */
static const char *
knob_word (VfpKnob knob)
{
  switch (knob)
    {
    case VFP_KNOB_MAC: return "mac";
    case VFP_KNOB_VLAN: return "vlan";
    case VFP_KNOB_SPOOFCHK: return "spoofchk";
    case VFP_KNOB_TRUST: return "trust";
    case VFP_KNOB_RATE: return "rate";
    case VFP_KNOB_LINK_STATE: return "link state";
    }
  return "unknown knob";
}

/* The driver-refusal errnos are what a request naming a knob the PF cannot
 * do gets back (igb: 802.1ad → EPROTONOSUPPORT, min rate → EINVAL, link
 * state → EOPNOTSUPP); callers branch on them, so they get their own code. */
static void
set_errno_error (GError **error, int err, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
set_errno_error (GError **error, int err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);

  if (err == EOPNOTSUPP || err == EPROTONOSUPPORT || err == EINVAL)
    g_set_error (error, VFP_ERROR, VFP_ERROR_UNSUPPORTED, "%s failed: %s", what, g_strerror (err));
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err), "%s failed: %s", what, g_strerror (err));
}

static gboolean
check_ifname (const char *pf_netdev, GError **error)
{
  if (pf_netdev == NULL || *pf_netdev == '\0' || strlen (pf_netdev) >= IFNAMSIZ
      || strchr (pf_netdev, '/') != NULL)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                   "\"%s\" is not a valid network interface name", pf_netdev ? pf_netdev : "");
      return FALSE;
    }
  return TRUE;
}

/* A link message addressed by name: the kernel resolves it, so there is no
 * window between an ifindex lookup and the request. */
static struct nl_msg *
link_msg_new (int type, const char *pf_netdev)
{
  g_autoptr(VfpNlMsg) msg = nlmsg_alloc_simple (type, NLM_F_REQUEST | NLM_F_ACK);
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

  if (msg == NULL
      || nlmsg_append (msg, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0
      || nla_put_string (msg, IFLA_IFNAME, pf_netdev) < 0)
    return NULL;
  return g_steal_pointer (&msg);
}

static int
on_ack (struct nl_msg *msg, void *arg)
{
  VfpNlExchange *ex = arg;
  ex->done = TRUE;
  return NL_STOP;
}

static int
on_error (struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
  VfpNlExchange *ex = arg;
  ex->done = TRUE;
  ex->kernel_errno = e->error < 0 ? -e->error : e->error;
  return NL_STOP;
}

static gboolean
attr_has (struct nlattr *a, size_t len)
{
  return a != NULL && (size_t) nla_len (a) >= len;
}

/* Fills ex->cfg from one IFLA_VF_INFO if it is the VF asked for.  Knobs the
 * driver did not report (the kernel sends (u32)-1) stay unset. */
static void
parse_vf_info (struct nlattr *info, VfpNlExchange *ex)
{
  struct nlattr *vf[IFLA_VF_MAX + 1];
  VfpVfConfig cfg = { 0 };

  if (nla_parse_nested (vf, IFLA_VF_MAX, info, NULL) < 0)
    return;
  /* Every VF carries IFLA_VF_MAC; its index is the one to trust. */
  if (!attr_has (vf[IFLA_VF_MAC], sizeof (struct ifla_vf_mac)))
    return;
  const struct ifla_vf_mac *mac = nla_data (vf[IFLA_VF_MAC]);
  if (mac->vf != ex->vf)
    return;

  memcpy (cfg.mac, mac->mac, sizeof cfg.mac);
  cfg.set |= VFP_KNOB_MAC;

  gboolean have_vlan = FALSE;
  if (vf[IFLA_VF_VLAN_LIST] != NULL)
    {
      struct nlattr *v;
      int rem;
      nla_for_each_nested (v, vf[IFLA_VF_VLAN_LIST], rem)
        {
          if (nla_type (v) != IFLA_VF_VLAN_INFO || !attr_has (v, sizeof (struct ifla_vf_vlan_info)))
            continue;
          const struct ifla_vf_vlan_info *vi = nla_data (v);
          cfg.vlan = vi->vlan;
          cfg.qos = vi->qos;
          /* Drivers that predate vlan_proto leave it 0: that is 802.1Q. */
          cfg.vlan_proto = ntohs (vi->vlan_proto) ? ntohs (vi->vlan_proto) : VFP_VLAN_PROTO_8021Q;
          have_vlan = TRUE;
          break;
        }
    }
  if (!have_vlan && attr_has (vf[IFLA_VF_VLAN], sizeof (struct ifla_vf_vlan)))
    {
      const struct ifla_vf_vlan *vv = nla_data (vf[IFLA_VF_VLAN]);
      cfg.vlan = vv->vlan;
      cfg.qos = vv->qos;
      cfg.vlan_proto = VFP_VLAN_PROTO_8021Q;
      have_vlan = TRUE;
    }
  if (have_vlan)
    cfg.set |= VFP_KNOB_VLAN;

  if (attr_has (vf[IFLA_VF_SPOOFCHK], sizeof (struct ifla_vf_spoofchk)))
    {
      const struct ifla_vf_spoofchk *s = nla_data (vf[IFLA_VF_SPOOFCHK]);
      if (s->setting != (__u32) -1)
        {
          cfg.spoofchk = s->setting != 0;
          cfg.set |= VFP_KNOB_SPOOFCHK;
        }
    }

  if (attr_has (vf[IFLA_VF_TRUST], sizeof (struct ifla_vf_trust)))
    {
      const struct ifla_vf_trust *t = nla_data (vf[IFLA_VF_TRUST]);
      if (t->setting != (__u32) -1)
        {
          cfg.trust = t->setting != 0;
          cfg.set |= VFP_KNOB_TRUST;
        }
    }

  if (attr_has (vf[IFLA_VF_RATE], sizeof (struct ifla_vf_rate)))
    {
      const struct ifla_vf_rate *r = nla_data (vf[IFLA_VF_RATE]);
      cfg.min_tx_rate = r->min_tx_rate;
      cfg.max_tx_rate = r->max_tx_rate;
      cfg.set |= VFP_KNOB_RATE;
    }
  else if (attr_has (vf[IFLA_VF_TX_RATE], sizeof (struct ifla_vf_tx_rate)))
    {
      /* Kernels before IFLA_VF_RATE only know a max rate. */
      const struct ifla_vf_tx_rate *r = nla_data (vf[IFLA_VF_TX_RATE]);
      cfg.min_tx_rate = 0;
      cfg.max_tx_rate = r->rate;
      cfg.set |= VFP_KNOB_RATE;
    }

  if (attr_has (vf[IFLA_VF_LINK_STATE], sizeof (struct ifla_vf_link_state)))
    {
      const struct ifla_vf_link_state *l = nla_data (vf[IFLA_VF_LINK_STATE]);
      if (l->link_state <= IFLA_VF_LINK_STATE_DISABLE)
        {
          cfg.link_state = (VfpLinkState) l->link_state;
          cfg.set |= VFP_KNOB_LINK_STATE;
        }
    }

  ex->cfg = cfg;
  ex->found = TRUE;
}

static int
on_link (struct nl_msg *msg, void *arg)
{
  VfpNlExchange *ex = arg;
  struct nlmsghdr *nlh = nlmsg_hdr (msg);
  struct nlattr *tb[IFLA_MAX + 1];
  struct nlattr *info;
  int rem;

  if (nlh->nlmsg_type != RTM_NEWLINK
      || nlmsg_parse (nlh, sizeof (struct ifinfomsg), tb, IFLA_MAX, NULL) < 0
      || tb[IFLA_VFINFO_LIST] == NULL)
    return NL_OK;

  nla_for_each_nested (info, tb[IFLA_VFINFO_LIST], rem)
    {
      if (nla_type (info) == IFLA_VF_INFO && !ex->found)
        parse_vf_info (info, ex);
    }
  return NL_OK;
}

/* Sends @msg and reads until its ACK or error.  Returns FALSE only for local
 * (socket) failures; a kernel refusal is ex->kernel_errno. */
static gboolean
exchange (VfpNetlinkKernel *self, struct nl_msg *msg, VfpNlExchange *ex, GError **error)
{
  g_autoptr(VfpNlCb) cb = nl_cb_alloc (NL_CB_DEFAULT);
  int r;

  if (cb == NULL)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "netlink: out of memory");
      return FALSE;
    }
  nl_cb_set (cb, NL_CB_VALID, NL_CB_CUSTOM, on_link, ex);
  nl_cb_set (cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, ex);
  nl_cb_err (cb, NL_CB_CUSTOM, on_error, ex);

  r = nl_send_auto (self->sock, msg);
  if (r < 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "netlink send failed: %s", nl_geterror (r));
      return FALSE;
    }
  while (!ex->done)
    {
      r = nl_recvmsgs (self->sock, cb);
      /* on_error stops the loop with a negative return; that is an answer. */
      if (r < 0 && !ex->done)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "netlink receive failed: %s",
                       nl_geterror (r));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
kernel_get_vf (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
               VfpVfConfig *out, GError **error)
{
  VfpNetlinkKernel *self = (VfpNetlinkKernel *) nl;
  VfpNlExchange ex = { .vf = vf_index };

  if (!check_ifname (pf_netdev, error))
    return FALSE;

  g_autoptr(VfpNlMsg) msg = link_msg_new (RTM_GETLINK, pf_netdev);
  /* Without RTEXT_FILTER_VF the kernel leaves IFLA_VFINFO_LIST out. */
  if (msg == NULL || nla_put_u32 (msg, IFLA_EXT_MASK, RTEXT_FILTER_VF) < 0)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "netlink: out of memory");
      return FALSE;
    }
  if (!exchange (self, msg, &ex, error))
    {
      g_prefix_error (error, "reading VF %u of %s: ", vf_index, pf_netdev);
      return FALSE;
    }
  if (ex.kernel_errno != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (ex.kernel_errno),
                   "reading VF %u of %s failed: %s", vf_index, pf_netdev,
                   g_strerror (ex.kernel_errno));
      return FALSE;
    }
  if (!ex.found)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                   "%s has no VF %u (is SR-IOV enabled on it?)", pf_netdev, vf_index);
      return FALSE;
    }
  *out = ex.cfg;
  return TRUE;
}

/* Appends the one attribute for @knob inside IFLA_VF_INFO. */
static gboolean
put_knob (struct nl_msg *msg, guint vf, VfpKnob knob, const VfpVfConfig *cfg)
{
  switch (knob)
    {
    case VFP_KNOB_MAC:
      {
        struct ifla_vf_mac m = { .vf = vf };
        memcpy (m.mac, cfg->mac, sizeof cfg->mac);
        return nla_put (msg, IFLA_VF_MAC, sizeof m, &m) >= 0;
      }
    case VFP_KNOB_VLAN:
      {
        /* IFLA_VF_VLAN has no protocol field: anything but 802.1Q needs the
         * list form, which older kernels and many drivers refuse. */
        if (cfg->vlan_proto == 0 || cfg->vlan_proto == VFP_VLAN_PROTO_8021Q)
          {
            struct ifla_vf_vlan v = { .vf = vf, .vlan = cfg->vlan, .qos = cfg->qos };
            return nla_put (msg, IFLA_VF_VLAN, sizeof v, &v) >= 0;
          }
        struct ifla_vf_vlan_info vi = {
          .vf = vf, .vlan = cfg->vlan, .qos = cfg->qos, .vlan_proto = htons (cfg->vlan_proto),
        };
        struct nlattr *list = nla_nest_start (msg, IFLA_VF_VLAN_LIST);
        if (list == NULL || nla_put (msg, IFLA_VF_VLAN_INFO, sizeof vi, &vi) < 0)
          return FALSE;
        return nla_nest_end (msg, list) >= 0;
      }
    case VFP_KNOB_SPOOFCHK:
      {
        struct ifla_vf_spoofchk s = { .vf = vf, .setting = cfg->spoofchk ? 1 : 0 };
        return nla_put (msg, IFLA_VF_SPOOFCHK, sizeof s, &s) >= 0;
      }
    case VFP_KNOB_TRUST:
      {
        struct ifla_vf_trust t = { .vf = vf, .setting = cfg->trust ? 1 : 0 };
        return nla_put (msg, IFLA_VF_TRUST, sizeof t, &t) >= 0;
      }
    case VFP_KNOB_RATE:
      {
        /* The kernel sets min and max together; cfg carries both (callers
         * merge over the VF's current rates). */
        struct ifla_vf_rate r = { .vf = vf, .min_tx_rate = cfg->min_tx_rate,
                                  .max_tx_rate = cfg->max_tx_rate };
        return nla_put (msg, IFLA_VF_RATE, sizeof r, &r) >= 0;
      }
    case VFP_KNOB_LINK_STATE:
      {
        struct ifla_vf_link_state l = { .vf = vf, .link_state = cfg->link_state };
        return nla_put (msg, IFLA_VF_LINK_STATE, sizeof l, &l) >= 0;
      }
    }
  return FALSE;
}

static gboolean
kernel_set_vf (VfpNetlink *nl, const char *pf_netdev, guint vf_index,
               VfpKnob knob, const VfpVfConfig *cfg, GError **error)
{
  VfpNetlinkKernel *self = (VfpNetlinkKernel *) nl;
  VfpNlExchange ex = { .vf = vf_index };
  struct nlattr *list, *info;

  /* One attribute per request: the kernel applies a VF_INFO's attributes in
   * order and stops at the first refusal, leaving the VF half-configured. */
  if (knob == 0 || (knob & (knob - 1)) != 0 || (knob & ~VFP_KNOB_ALL) != 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "setting VF %u of %s: knob mask 0x%x is not exactly one knob",
                   vf_index, pf_netdev ? pf_netdev : "", (guint) knob);
      return FALSE;
    }
  if (!check_ifname (pf_netdev, error))
    return FALSE;

  g_autoptr(VfpNlMsg) msg = link_msg_new (RTM_SETLINK, pf_netdev);
  if (msg == NULL
      || (list = nla_nest_start (msg, IFLA_VFINFO_LIST)) == NULL
      || (info = nla_nest_start (msg, IFLA_VF_INFO)) == NULL
      || !put_knob (msg, vf_index, knob, cfg)
      || nla_nest_end (msg, info) < 0
      || nla_nest_end (msg, list) < 0)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "netlink: out of memory");
      return FALSE;
    }
  if (!exchange (self, msg, &ex, error))
    {
      g_prefix_error (error, "setting %s on VF %u of %s: ", knob_word (knob), vf_index, pf_netdev);
      return FALSE;
    }
  if (ex.kernel_errno != 0)
    {
      set_errno_error (error, ex.kernel_errno, "setting %s on VF %u of %s",
                       knob_word (knob), vf_index, pf_netdev);
      return FALSE;
    }
  return TRUE;
}

static void
kernel_free (VfpNetlink *nl)
{
  VfpNetlinkKernel *self = (VfpNetlinkKernel *) nl;
  nl_socket_free (self->sock);
  g_free (self);
}

static const VfpNetlinkOps kernel_ops = {
  .get_vf = kernel_get_vf,
  .set_vf = kernel_set_vf,
  .free = kernel_free,
};

VfpNetlink *
vfp_netlink_kernel_new (GError **error)
{
  g_autoptr(VfpNlSock) sock = nl_socket_alloc ();
  VfpNetlinkKernel *self;
  int r, fd, flags;

  if (sock == NULL)
    {
      g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "netlink: out of memory");
      return NULL;
    }
  r = nl_connect (sock, NETLINK_ROUTE);
  if (r < 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "opening a NETLINK_ROUTE socket failed: %s", nl_geterror (r));
      return NULL;
    }
  /* libnl >= 3.2.x opens with SOCK_CLOEXEC; make sure anyway, since the hook
   * forks a worker that must not inherit a socket of the parent. */
  fd = nl_socket_get_fd (sock);
  flags = fcntl (fd, F_GETFD);
  if (flags >= 0 && !(flags & FD_CLOEXEC))
    (void) fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
  /* A PF with many VFs answers RTM_GETLINK with more than a page: let libnl
   * size its receive buffer from the datagram instead of truncating. */
  nl_socket_enable_msg_peek (sock);

  self = g_new0 (VfpNetlinkKernel, 1);
  self->parent.ops = &kernel_ops;
  self->sock = g_steal_pointer (&sock);
  return &self->parent;
}
