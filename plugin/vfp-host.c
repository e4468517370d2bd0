/* vfp-host.c: SR-IOV host discovery (PFs, their VFs, VF details) from sysfs under a configurable root. */
#include "config.h"
#include "vfp-host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vfp-error.h"
#include "vfp-file.h"

/* Attribute files in sysfs are one short line; anything longer is not the
 * file we think it is. */
#define ATTR_MAX 4096
/* Link texts in sysfs are a few dozen bytes; a longer one is refused. */
#define LINK_MAX_TEXT 4096
/* A name longer than this cannot be one path component. */
#define NAME_MAX_LEN 255
/* PCIe SR-IOV counts are 16-bit registers. */
#define VFS_MAX 65535

/* g_autofd needs GLib 2.76; we pin 2.74. */
typedef int VfpHostFd;
static void
host_fd_close (int fd)
{
  if (fd >= 0)
    close (fd);
}
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (VfpHostFd, host_fd_close, -1)

const char *
vfp_host_root (const char *sysfs_root)
{
  return sysfs_root != NULL && *sysfs_root != '\0' ? sysfs_root : "/sys";
}

static void
set_errno_error (GError **error, int errnum, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Syscall failures keep their errno as a G_FILE_ERROR code. */
static void
set_errno_error (GError **error, int errnum, const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errnum), "%s: %s",
               what, g_strerror (errnum));
}


/* Names come from config files and domain XML and become one path
 * component, so anything that could climb out of the sysfs root or address
 * more than one component is refused before it touches the file system. */
static gboolean
check_name (const char *what, const char *name, GError **error)
{
  gsize len = name != NULL ? strlen (name) : 0;
  const char *problem = NULL;

  if (len == 0)
    problem = "it is empty";
  else if (len > NAME_MAX_LEN)
    problem = "it is longer than 255 bytes";
  else if (strchr (name, '/') != NULL)
    problem = "it contains '/'";
  else if (strstr (name, "..") != NULL || strcmp (name, ".") == 0)
    problem = "it contains '..' or is '.'";
  else
    for (const char *p = name; *p != '\0'; p++)
      if (!g_ascii_isgraph (*p))
        {
          problem = "it contains spaces or control characters";
          break;
        }

  if (problem != NULL)
    {
      g_autofree char *shown = vfp_error_quote (name != NULL ? name : "");
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "invalid %s '%s': %s", what, shown, problem);
      return FALSE;
    }
  return TRUE;
}

/* ---- small sysfs readers (all relative to an open directory) ---------- */

/* Read attribute @name of @dirfd, trailing whitespace stripped.  Returns
 * NULL with errno in @errnum (ENOENT when the attribute does not exist). */
static char *
attr_read (int dirfd, const char *name, int *errnum)
{
  g_auto (VfpHostFd) fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  /* On the stack, the result copied out: a 4 KiB block from the heap per
   * attribute, three per PF on every hook call, cost more in malloc's
   * splitting and merging than the copy. */
  char buf[ATTR_MAX + 1];
  gsize len = 0;

  if (fd < 0)
    {
      *errnum = errno;
      return NULL;
    }
  for (;;)
    {
      ssize_t n = read (fd, buf + len, ATTR_MAX + 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *errnum = errno;
          return NULL;
        }
      if (n == 0)
        break;
      len += n;
      if (len > ATTR_MAX)
        {
          *errnum = EFBIG;
          return NULL;
        }
      /* sysfs hands out an attribute in one read, so a short read is its
       * end: no second read to see EOF (two syscalls per attribute, per PF,
       * on every hook call). */
      if ((gsize) n < ATTR_MAX + 1 - (len - n))
        break;
    }
  while (len > 0 && g_ascii_isspace (buf[len - 1]))
    len--;
  return g_strndup (buf, len);
}

/* The last component of the text of link @name in @dirfd ("igb" for
 * driver -> ../../../bus/pci/drivers/igb).  NULL with errno in @errnum. */
static char *
link_base (int dirfd, const char *name, int *errnum)
{
  gsize size = 64;

  for (;;)
    {
      g_autofree char *buf = g_malloc (size);
      ssize_t n = readlinkat (dirfd, name, buf, size);
      char *slash;

      if (n < 0)
        {
          *errnum = errno;
          return NULL;
        }
      if ((gsize) n < size)
        {
          buf[n] = '\0';
          while (n > 1 && buf[n - 1] == '/')
            buf[--n] = '\0';
          slash = strrchr (buf, '/');
          if (slash != NULL)
            memmove (buf, slash + 1, strlen (slash + 1) + 1);
          return g_steal_pointer (&buf);
        }
      if (size >= LINK_MAX_TEXT)
        {
          *errnum = ENAMETOOLONG;
          return NULL;
        }
      size *= 2;
    }
}

/* Parse an unsigned attribute: hex (with or without "0x") when @base is
 * 16, decimal otherwise.  Unlike strtoull, "-1", "" and trailing junk fail. */
static gboolean
parse_uint (const char *text, guint base, guint64 max, guint64 *out)
{
  if (base == 16 && (g_str_has_prefix (text, "0x") || g_str_has_prefix (text, "0X")))
    text += 2;
  return g_ascii_string_to_unsigned (text, base, 0, max, out, NULL);
}

/* Read an unsigned attribute of device @dev_name; a missing or malformed
 * one is an error that names the device and the attribute. */
static gboolean
read_uint_attr (int dirfd, const char *dev_name, const char *attr, guint base,
                guint64 max, guint64 *out, GError **error)
{
  int errnum = 0;
  g_autofree char *text = attr_read (dirfd, attr, &errnum);

  if (text == NULL)
    {
      set_errno_error (error, errnum, "reading %s of %s", attr, dev_name);
      return FALSE;
    }
  if (!parse_uint (text, base, max, out))
    {
      g_autofree char *shown = vfp_error_quote (text);
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "%s of %s has unexpected content '%s'", attr, dev_name, shown);
      return FALSE;
    }
  return TRUE;
}

/* numa_node is "-1" on machines without NUMA and absent on some kernels;
 * both mean "unknown", which allocation treats as "anywhere". */
static int
read_numa_node (int dirfd)
{
  int errnum = 0;
  g_autofree char *text = attr_read (dirfd, "numa_node", &errnum);
  gint64 node;

  if (text == NULL || !g_ascii_string_to_signed (text, 10, -1, G_MAXINT, &node, NULL))
    return -1;
  return (int) node;
}

/* The driver of the device whose driver link is @link in @dirfd ("driver"
 * in its directory), NULL when unbound. */
static char *
read_driver (int dirfd, const char *link)
{
  int errnum = 0;

  return link_base (dirfd, link, &errnum);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The first (in byte order, so the answer is stable) network interface of
 * the device: the entries of its net/ directory.  NULL when it has none, e.g.
 * a VF bound to vfio-pci. */
static char *
read_first_netdev (int dirfd)
{
  g_autofree char *first = NULL;
  struct dirent *entry;
  DIR *dir;
  int fd;

  fd = openat (dirfd, "net", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return NULL;
    }
  while ((entry = readdir (dir)) != NULL)
    {
      if (entry->d_name[0] == '.')
        continue;
      if (first == NULL || strcmp (entry->d_name, first) < 0)
        {
          g_free (first);
          first = g_strdup (entry->d_name);
        }
    }
  closedir (dir);
  return g_steal_pointer (&first);
}

/* ---- sysfs opened once --------------------------------------------- */

void
vfp_sysfs_init (VfpSysfs *sys, const char *sysfs_root)
{
  sys->root = vfp_host_root (sysfs_root);
  sys->net_fd = -2;
  sys->pci_fd = -2;
  sys->skip = 0;
}

void
vfp_sysfs_clear (VfpSysfs *sys)
{
  if (sys->net_fd >= 0)
    close (sys->net_fd);
  if (sys->pci_fd >= 0)
    close (sys->pci_fd);
  sys->net_fd = sys->pci_fd = -2;
}

/* ROOT/@sub opened on first use (*@fd is -2 until then), or AT_FDCWD when
 * it cannot be (then callers use whole paths, as without the handle). */
static int
sysfs_dir (const VfpSysfs *sys, int *fd, const char *sub)
{
  if (*fd == -2)
    {
      g_autofree char *path = g_strconcat (sys->root, sub, NULL);
      *fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  return *fd;
}

/* Open the device directory of PCI address @pci (already validated). */
static int
open_pci_device (VfpSysfs *sys, const char *pci, GError **error)
{
  int dir_fd = sysfs_dir (sys, &sys->pci_fd, "/bus/pci/devices");
  g_autofree char *path = NULL;
  int fd;

  /* The whole path only without the directory, or for the message. */
  if (dir_fd >= 0)
    fd = openat (dir_fd, pci, O_PATH | O_DIRECTORY | O_CLOEXEC);
  else
    {
      path = g_strconcat (sys->root, "/bus/pci/devices/", pci, NULL);
      fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
  if (fd < 0)
    {
      int errnum = errno;
      if (path == NULL)
        path = g_strconcat (sys->root, "/bus/pci/devices/", pci, NULL);
      if (errnum == ENOENT || errnum == ENOTDIR)
        g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                     "no PCI device %s (nothing at %s)", pci, path);
      else
        set_errno_error (error, errnum, "opening %s", path);
    }
  return fd;
}

/* ---- PCI addresses --------------------------------------------------- */

/* Lower-case hex digits only: the kernel's spelling of PCI addresses.
 * -1 for anything else, the NUL included. */
static inline int
hex_digit (char c)
{
  if ((guchar) (c - '0') < 10)
    return c - '0';
  if ((guchar) (c - 'a') < 6)
    return c - 'a' + 10;
  return -1;
}

gboolean
vfp_pci_address_parse (const char *text, guint *domain, guint *bus,
                       guint *slot, guint *function)
{
  int x[12];
  guint s, f;

  /* "DDDD:BB:SS.F": exactly 12 bytes; slot is 5 bits, function 3 bits.
   * Left to right, stopping at the first byte that does not fit, so
   * nothing past a short string's NUL is read; no strlen, no loop: a start
   * parses every lease name of the host. */
#define HEX_AT(i) ((x[i] = hex_digit (text[i])) >= 0)
  if (text == NULL
      || !(HEX_AT (0) && HEX_AT (1) && HEX_AT (2) && HEX_AT (3) && text[4] == ':'
           && HEX_AT (5) && HEX_AT (6) && text[7] == ':' && HEX_AT (8) && HEX_AT (9)
           && text[10] == '.' && HEX_AT (11)))
    return FALSE;
#undef HEX_AT
  s = x[8] << 4 | x[9];
  f = x[11];
  if (text[12] != '\0' || s > 0x1f || f > 7)
    return FALSE;
  if (domain != NULL)
    *domain = x[0] << 12 | x[1] << 8 | x[2] << 4 | x[3];
  if (bus != NULL)
    *bus = x[5] << 4 | x[6];
  if (slot != NULL)
    *slot = s;
  if (function != NULL)
    *function = f;
  return TRUE;
}

gboolean
vfp_pci_address_rid (const char *text, guint *domain, guint *rid)
{
  guint bus, slot, function;

  if (!vfp_pci_address_parse (text, domain, &bus, &slot, &function))
    return FALSE;
  *rid = bus << 8 | slot << 3 | function;
  return TRUE;
}

gboolean
vfp_pci_address_is_valid (const char *text)
{
  return vfp_pci_address_parse (text, NULL, NULL, NULL, NULL);
}

/* ---- PF ---------------------------------------------------------------- */

void
vfp_pf_free (VfpPf *pf)
{
  if (pf == NULL)
    return;
  g_free (pf->pci);
  g_free (pf->netdev);
  g_free (pf->driver);
  g_free (pf->phys_port_id);
  g_free (pf->operstate);
  if (pf->vfs != NULL)
    g_ptr_array_unref (pf->vfs);
  g_free (pf->vf_block);
  g_free (pf->pci_block);
  g_free (pf);
}

const char *
vfp_pf_driver (VfpPf *pf, const char *sysfs_root)
{
  if (pf->driver_unread)
    {
      g_autofree char *link = g_strconcat (vfp_host_root (sysfs_root), "/bus/pci/devices/",
                                           pf->pci, "/driver", NULL);

      g_free (pf->driver);
      pf->driver = read_driver (AT_FDCWD, link);
      pf->driver_unread = FALSE;
    }
  return pf->driver;
}

VfpLink
vfp_pf_link (VfpPf *pf, const char *sysfs_root)
{
  if (pf->link_unread)
    {
      g_clear_pointer (&pf->operstate, g_free);
      pf->link = vfp_host_read_link (sysfs_root, pf->netdev, &pf->operstate);
      pf->link_unread = FALSE;
    }
  return pf->link;
}

const char *
vfp_pf_port_key (const VfpPf *pf)
{
  return pf->phys_port_id != NULL ? pf->phys_port_id : pf->pci;
}

const char *
vfp_link_to_string (VfpLink link)
{
  switch (link)
    {
    case VFP_LINK_UP:
      return "up";
    case VFP_LINK_DOWN:
      return "down";
    default:
      return "unknown";
    }
}

/* @prefix then @name into @buf (NAME_MAX_LEN + 32 bytes, enough for
 * "net/" + a safe name + "/" + an attribute name): paths built on the
 * stack, since this runs for every PF on every hook call. */
static const char *
attr_path (char *buf, const char *prefix, const char *name)
{
  gsize a = strlen (prefix), b = strlen (name);

  g_assert (a + b < NAME_MAX_LEN + 32);
  memcpy (buf, prefix, a);
  memcpy (buf + a, name, b + 1);
  return buf;
}

/* The link of the interface whose sysfs directory is @prefix (relative to
 * @dirfd: "" or "net/NETDEV/"), and its operstate as read (NULL when
 * unreadable). */
static VfpLink
read_link (int dirfd, const char *prefix, char **operstate)
{
  char path[NAME_MAX_LEN + 32];
  g_autofree char *carrier = NULL;
  int errnum = 0;

  *operstate = attr_read (dirfd, attr_path (path, prefix, "operstate"), &errnum);
  carrier = attr_read (dirfd, attr_path (path, prefix, "carrier"), &errnum);
  /* "unknown" is what drivers that do not track link report: not down. */
  if ((*operstate != NULL && strcmp (*operstate, "up") != 0
       && strcmp (*operstate, "unknown") != 0)
      || g_strcmp0 (carrier, "0") == 0)
    return VFP_LINK_DOWN;
  if (g_strcmp0 (*operstate, "up") == 0 || g_strcmp0 (carrier, "1") == 0)
    return VFP_LINK_UP;
  return VFP_LINK_UNKNOWN;
}

/* Port identity and link from net/NETDEV/ of the PF, each unless @skip
 * says so.  Read on every config load (each hook call), so a pick sees the
 * link as it is now; by paths relative to the device, not an open of
 * net/NETDEV (two syscalls per PF).  Missing files are not errors: many
 * drivers have no phys_port_id (reading it fails with EOPNOTSUPP), and
 * carrier cannot be read while the interface is administratively down
 * (EINVAL). */
static void
read_port_and_link (int dev_fd, VfpPf *pf, VfpPfFacts skip)
{
  char prefix[NAME_MAX_LEN + 32], path[NAME_MAX_LEN + 32];
  int errnum = 0;

  pf->link = VFP_LINK_UNKNOWN;
  if (pf->netdev == NULL || !vfp_name_is_safe (pf->netdev))   /* at most 255 bytes */
    return;
  attr_path (prefix, "net/", pf->netdev);
  strcat (prefix, "/");
  if (!(skip & VFP_PF_FACT_PORT))
    {
      pf->phys_port_id = attr_read (dev_fd, attr_path (path, prefix, "phys_port_id"), &errnum);
      if (pf->phys_port_id != NULL && *pf->phys_port_id == '\0')
        g_clear_pointer (&pf->phys_port_id, g_free);
    }
  if (!(skip & VFP_PF_FACT_LINK))
    pf->link = read_link (dev_fd, prefix, &pf->operstate);
  else
    pf->link_unread = TRUE;
}

VfpLink
vfp_host_read_link (const char *sysfs_root, const char *netdev, char **operstate)
{
  g_autofree char *path = NULL;
  g_auto (VfpHostFd) net_fd = -1;

  *operstate = NULL;
  if (netdev == NULL || !vfp_name_is_safe (netdev))
    return VFP_LINK_UNKNOWN;
  path = g_build_filename (vfp_host_root (sysfs_root), "class", "net", netdev, NULL);
  net_fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (net_fd < 0)
    return VFP_LINK_UNKNOWN;
  return read_link (net_fd, "", operstate);
}

/* The short way from interface @name to its device directory, for PFs
 * read on every hook call: the link class/net/NAME itself is read (one
 * component, not followed), and its target, "../../devices/.../PCI/net/NAME",
 * opened without "/net/NAME": the kernel files a PCI netdev under the
 * device its device link names.  Two path walks of a few components instead
 * of two through both links.  -1 when the link is not of that shape (a
 * virtual interface, an absolute target): the caller takes the long way,
 * which also says what is wrong. */
static int
open_netdev_parent (int net_dir, const char *name, char **pci)
{
  char target[512];
  gsize name_len = strlen (name);
  ssize_t n = readlinkat (net_dir, name, target, sizeof target);
  char *tail, *addr;
  int fd;

  if (n <= 0 || (gsize) n >= sizeof target || target[0] == '/'
      || (gsize) n < sizeof "/dddd:bb:ss.f/net/" - 1 + name_len)
    return -1;
  target[n] = '\0';
  tail = target + n - name_len - (sizeof "/net/" - 1);
  if (memcmp (tail, "/net/", sizeof "/net/" - 1) != 0
      || strcmp (tail + sizeof "/net/" - 1, name) != 0)
    return -1;
  *tail = '\0';
  addr = strrchr (target, '/');
  if (addr == NULL || !vfp_pci_address_is_valid (addr + 1))
    return -1;
  fd = openat (net_dir, target, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    *pci = g_strdup (addr + 1);
  return fd;
}

/* Resolve @name to its device directory: a PCI address through
 * bus/pci/devices/, anything else as a network interface through
 * class/net/NAME/device.  Sets @pci (and @netdev for an interface name). */
static int
open_pf_device (VfpSysfs *sys, const char *name, char **pci, char **netdev,
                GError **error)
{
  const char *root = sys->root;
  g_autofree char *net_path = NULL;
  g_autofree char *dev_path = NULL;
  g_autofree char *dev_pci = NULL;
  g_autofree char *rel_path = NULL;
  int dev_fd, net_dir, errnum = 0;

  if (vfp_pci_address_is_valid (name))
    {
      dev_fd = open_pci_device (sys, name, error);
      if (dev_fd >= 0)
        *pci = g_strdup (name);
      return dev_fd;
    }

  /* The device link and the directory behind it, by path: two syscalls
   * per PF on every hook call, not an open of class/net/NAME as well.  Why
   * it failed is worked out on the error path only. */
  /* g_strconcat: g_build_filename costs ~1,500 instructions a call, twice
   * per PF on every start (a root given with a trailing '/' makes a
   * harmless "//"). */
  /* Relative to class/net opened once per config load: two components
   * walked per PF, not the whole root twice. */
  net_dir = sysfs_dir (sys, &sys->net_fd, "/class/net");
  if (net_dir >= 0 && (dev_fd = open_netdev_parent (net_dir, name, pci)) >= 0)
    {
      *netdev = g_strdup (name);
      return dev_fd;
    }
  net_path = g_strconcat (root, "/class/net/", name, NULL);
  dev_path = g_strconcat (net_path, "/device", NULL);
  if (net_dir >= 0)
    rel_path = g_strconcat (name, "/device", NULL);
  else
    net_dir = AT_FDCWD;
  dev_pci = link_base (net_dir, rel_path != NULL ? rel_path : dev_path, &errnum);
  if (dev_pci == NULL && (errnum == ENOENT || errnum == ENOTDIR)
      && !g_file_test (net_path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                   "no network interface or PCI device '%s' (nothing at %s)",
                   name, net_path);
      return -1;
    }
  /* Virtual interfaces (bridges, bonds, veths) have no device link. */
  if (dev_pci == NULL || !vfp_pci_address_is_valid (dev_pci))
    {
      if (dev_pci == NULL && errnum != ENOENT)
        set_errno_error (error, errnum, "reading %s/device", net_path);
      else
        g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                     "'%s' is not a PCI network interface, so not an SR-IOV "
                     "physical function", name);
      return -1;
    }
  dev_fd = openat (net_dir, rel_path != NULL ? rel_path : dev_path,
                   O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dev_fd < 0)
    {
      set_errno_error (error, errno, "opening %s/device", net_path);
      return -1;
    }
  *pci = g_steal_pointer (&dev_pci);
  *netdev = g_strdup (name);
  return dev_fd;
}

/* How messages name a PF: as the user wrote it, plus its PCI address when
 * the user named an interface. */
static char *
pf_label (const char *name, const char *pci)
{
  if (g_strcmp0 (name, pci) == 0)
    return g_strdup_printf ("'%s'", name);
  return g_strdup_printf ("'%s' at %s", name, pci);
}

/* The sriov_numvfs file a person would write to, for the error message. */
static char *
numvfs_path (const char *root, const VfpPf *pf)
{
  if (pf->netdev != NULL)
    return g_build_filename (root, "class", "net", pf->netdev, "device",
                             "sriov_numvfs", NULL);
  return g_build_filename (root, "bus", "pci", "devices", pf->pci,
                           "sriov_numvfs", NULL);
}

/* Write the address of routing ID @rid in @domain to @s ("dddd:bb:ss.f"
 * and a NUL: 13 bytes).  By hand, not printf: this runs for every VF of
 * every pool on each hook call, and printf was a third of the hook's own
 * instructions. */
static void
format_rid (char *s, guint domain, guint rid)
{
  static const char hex[] = "0123456789abcdef";
  guint bus = rid >> 8, slot = (rid >> 3) & 0x1f;

  s[0] = hex[domain >> 12];
  s[1] = hex[(domain >> 8) & 15];
  s[2] = hex[(domain >> 4) & 15];
  s[3] = hex[domain & 15];
  s[4] = ':';
  s[5] = hex[bus >> 4];
  s[6] = hex[bus & 15];
  s[7] = ':';
  s[8] = hex[slot >> 4];
  s[9] = hex[slot & 15];
  s[10] = '.';
  s[11] = hex[rid & 7];
  s[12] = '\0';
}

/* @n addresses of routing IDs @rid0, @rid0 + @stride, ... into @block
 * (sizeof "dddd:bb:ss.f" each): the domain is the same for all, so each
 * address is the one before with its bus, slot and function written
 * again — a few stores per VF, thousands of VFs on every start. */
static void
format_rids (char *block, guint domain, guint rid0, guint stride, guint n)
{
  static const char hex[] = "0123456789abcdef";
  const gsize size = sizeof "dddd:bb:ss.f";

  if (n == 0)
    return;
  format_rid (block, domain, rid0);
  for (guint i = 1, prev = rid0; i < n; i++)
    {
      char *s = block + (gsize) i * size;
      guint rid = rid0 + i * stride, slot = (rid >> 3) & 0x1f;

      /* From the address before: usually only the function digit differs
       * (8 functions a slot), so the slot and bus digits are written only
       * when they changed. */
      memcpy (s, s - size, size);
      s[11] = hex[rid & 7];
      if ((rid ^ prev) >> 3)
        {
          s[8] = hex[slot >> 4];
          s[9] = hex[slot & 15];
          if ((rid ^ prev) >> 8)
            {
              s[5] = hex[rid >> 12];
              s[6] = hex[(rid >> 8) & 15];
            }
        }
      prev = rid;
    }
}

static gboolean
read_virtfn (int dev_fd, const char *name, const VfpPf *pf, guint i, char **out,
             GError **error)
{
  char link_name[sizeof "virtfn" + 10], digits[10];
  g_autofree char *vf_pci = NULL;
  int errnum = 0, nd = 0;

  /* "virtfn%u" by hand: g_snprintf cost ~700 instructions a call, three
   * calls per PF on every start. */
  do
    digits[nd++] = '0' + i % 10;
  while ((i /= 10) > 0 && nd < (int) sizeof digits);
  memcpy (link_name, "virtfn", 6);
  for (int k = 0; k < nd; k++)
    link_name[6 + k] = digits[nd - 1 - k];
  link_name[6 + nd] = '\0';
  vf_pci = link_base (dev_fd, link_name, &errnum);
  if (vf_pci == NULL)
    {
      g_autofree char *label = pf_label (name, pf->pci);

      /* Seen while VFs are being enabled or disabled. */
      set_errno_error (error, errnum, "PF %s has sriov_numvfs = %u but %s cannot be read",
                       label, pf->num_vfs, link_name);
      return FALSE;
    }
  if (!vfp_pci_address_is_valid (vf_pci))
    {
      g_autofree char *shown = vfp_error_quote (vf_pci);
      g_autofree char *label = pf_label (name, pf->pci);

      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED, "PF %s: %s points to '%s', not a PCI address",
                   label, link_name, shown);
      return FALSE;
    }
  *out = g_steal_pointer (&vf_pci);
  return TRUE;
}

/* The storage of @pf's vfs: one block of structs and one of strings, so a
 * 256-VF PF costs two allocations, not 512 (and as many frees at exit). */
static void
alloc_vfs (VfpPf *pf)
{
  /* Every field is set below: nothing zeroed first (thousands of VFs on
   * every start). */
  VfpVf *block;
  gpointer *pdata;
  char *pci;

  pf->vf_block = block = g_new (VfpVf, pf->num_vfs);
  g_ptr_array_set_size (pf->vfs, pf->num_vfs);
  pf->pci_block = pci = g_malloc ((gsize) pf->num_vfs * sizeof "dddd:bb:ss.f");
  /* Through locals: the stores through pf-> fields made the compiler
   * reload them for every VF (they might alias the blocks). */
  pdata = pf->vfs->pdata;
  for (guint i = 0; i < pf->num_vfs; i++, pci += sizeof "dddd:bb:ss.f")
    {
      block[i].pf = pf;
      block[i].index = i;
      block[i].pci = pci;
      pdata[i] = &block[i];
    }
}

/* VF addresses.  The hook reads pools of thousands of VFs on every start,
 * and a readlink per VF was most of its cost.  The kernel places VF i at
 * routing ID RID(PF) + sriov_offset + i x sriov_stride (the SR-IOV rule its
 * virtfnN links are made from), so the links of the first and the last VF
 * give the rule: two readlinks per PF, not two files read as well.  The
 * last link also catches VFs still being enabled (their links appear in
 * order).  A layout the rule does not fit has every virtfnN link read.
 * Everything else about a VF is read on demand by vfp_host_read_vf_info()
 * for the one VF allocation picks.  @name: the PF as the user wrote it. */
static gboolean
read_vfs (int dev_fd, const char *name, VfpPf *pf, GError **error)
{
  guint n = pf->num_vfs, domain, rid0, domain_last, rid_last, stride = 1;
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;

  if (n == 0)
    return TRUE;
  if (!read_virtfn (dev_fd, name, pf, 0, &first, error)
      || (n > 1 && !read_virtfn (dev_fd, name, pf, n - 1, &last, error)))
    return FALSE;
  if (vfp_pci_address_rid (first, &domain, &rid0)
      && (n == 1
          || (vfp_pci_address_rid (last, &domain_last, &rid_last) && domain_last == domain
              && rid_last > rid0 && (rid_last - rid0) % (n - 1) == 0
              && (stride = (rid_last - rid0) / (n - 1)) > 0)))
    {
      pf->vf_domain = domain;
      pf->vf_rid0 = rid0;
      pf->vf_stride = stride;
      alloc_vfs (pf);
      format_rids (pf->pci_block, domain, rid0, stride, n);
      return TRUE;
    }
  alloc_vfs (pf);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *vf_pci = NULL;

      if (!read_virtfn (dev_fd, name, pf, i, &vf_pci, error))
        return FALSE;
      /* Valid addresses are exactly 12 characters. */
      memcpy (pf->pci_block + (gsize) i * sizeof "dddd:bb:ss.f", vf_pci, sizeof "dddd:bb:ss.f");
    }
  return TRUE;
}

int
vfp_pf_vf_index_at (const VfpPf *pf, guint domain, guint rid)
{
  guint step;

  if (pf->vf_stride == 0 || pf->vfs == NULL || domain != pf->vf_domain || rid < pf->vf_rid0)
    return -1;
  step = rid - pf->vf_rid0;
  if (step % pf->vf_stride != 0 || step / pf->vf_stride >= pf->vfs->len)
    return -1;
  return step / pf->vf_stride;
}

int
vfp_pf_vf_index (const VfpPf *pf, const char *pci)
{
  guint domain, rid;

  if (pf->vfs == NULL)
    return -1;
  if (pf->vf_stride > 0)
    return vfp_pci_address_rid (pci, &domain, &rid) ? vfp_pf_vf_index_at (pf, domain, rid) : -1;
  for (guint i = 0; i < pf->vfs->len; i++)
    if (strcmp (((VfpVf *) pf->vfs->pdata[i])->pci, pci) == 0)
      return i;
  return -1;
}

/* Why @label is no SR-IOV PF: a VF (it has a physfn link) or no SR-IOV
 * capability at all. */
static void
not_sriov_pf (int dev_fd, const char *label, GError **error)
{
  int link_errno = 0;
  g_autofree char *physfn = link_base (dev_fd, "physfn", &link_errno);

  if (physfn != NULL)
    g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                 "%s is a virtual function of %s, not an SR-IOV "
                 "physical function", label, physfn);
  else
    g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                 "%s is not an SR-IOV physical function "
                 "(the device has no SR-IOV capability)", label);
}

char *
vfp_host_pf_address (const char *sysfs_root, const char *name)
{
  g_auto (VfpSysfs) sys = { NULL, -1, -1, 0 };

  sys.root = vfp_host_root (sysfs_root);
  return vfp_host_pf_address_in (&sys, name);
}

char *
vfp_host_pf_address_in (VfpSysfs *sys, const char *name)
{
  g_autofree char *dev_path = NULL;
  g_autofree char *pci = NULL;
  int net_dir, errnum = 0;

  if (vfp_pci_address_is_valid (name))
    return g_strdup (name);
  if (!vfp_name_is_safe (name))
    return NULL;
  net_dir = sysfs_dir (sys, &sys->net_fd, "/class/net");
  if (net_dir >= 0)
    dev_path = g_strconcat (name, "/device", NULL);
  else
    {
      net_dir = AT_FDCWD;
      dev_path = g_strconcat (sys->root, "/class/net/", name, "/device", NULL);
    }
  pci = link_base (net_dir, dev_path, &errnum);
  return pci != NULL && vfp_pci_address_is_valid (pci) ? g_steal_pointer (&pci) : NULL;
}

gboolean
vfp_host_read_pf (const char *sysfs_root, const char *name, VfpPf **out,
                  GError **error)
{
  /* One PF: its paths walked whole, no directory opened for it. */
  g_auto (VfpSysfs) sys = { NULL, -1, -1, 0 };

  sys.root = vfp_host_root (sysfs_root);
  return vfp_host_read_pf_in (&sys, name, out, error);
}

gboolean
vfp_host_read_pf_in (VfpSysfs *sys, const char *name, VfpPf **out, GError **error)
{
  const char *root = sys->root;
  g_autoptr (VfpPf) pf = NULL;
  g_autofree char *numvfs_text = NULL;
  g_autofree char *label = NULL;
  g_auto (VfpHostFd) dev_fd = -1;
  guint64 value;
  int errnum = 0;

  g_return_val_if_fail (out != NULL, FALSE);

  if (!check_name ("PF name", name, error))
    return FALSE;

  pf = g_new0 (VfpPf, 1);
  pf->numa_node = -1;
  pf->vfs = g_ptr_array_new ();
  dev_fd = open_pf_device (sys, name, &pf->pci, &pf->netdev, error);
  if (dev_fd < 0)
    return FALSE;

  /* 1. Is it an SR-IOV PF with VFs enabled?  The kernel creates
   *    sriov_numvfs and sriov_totalvfs only for devices with the SR-IOV
   *    capability; sriov_totalvfs is read only for the messages (each file
   *    is three syscalls per PF on every hook call). */
  numvfs_text = attr_read (dev_fd, "sriov_numvfs", &errnum);
  if (numvfs_text == NULL && errnum != ENOENT)
    {
      label = pf_label (name, pf->pci);
      set_errno_error (error, errnum, "reading sriov_numvfs of %s", label);
      return FALSE;
    }
  if (numvfs_text == NULL)
    {
      label = pf_label (name, pf->pci);
      not_sriov_pf (dev_fd, label, error);
      return FALSE;
    }
  if (!parse_uint (numvfs_text, 10, VFS_MAX, &value))
    {
      g_autofree char *shown = vfp_error_quote (numvfs_text);
      g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                   "sriov_numvfs of %s has unexpected content '%s'", pf->pci, shown);
      return FALSE;
    }
  pf->num_vfs = value;
  if (pf->num_vfs == 0)
    {
      g_autofree char *path = numvfs_path (root, pf);
      guint64 total = 0;

      label = pf_label (name, pf->pci);
      /* 2. Enabling VFs is the administrator's decision (it resets the
       *    PF), so say how instead of doing it. */
      if (!read_uint_attr (dev_fd, pf->pci, "sriov_totalvfs", 10, VFS_MAX, &total, NULL)
          || total == 0)
        {
          not_sriov_pf (dev_fd, label, error);
          return FALSE;
        }
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "SR-IOV is off on PF %s (sriov_numvfs = 0); enable VFs "
                   "with: echo N > %s (N from 1 to %u)",
                   label, path, (guint) total);
      return FALSE;
    }

  /* 3. The facts allocation needs. */
  if (!(sys->skip & VFP_PF_FACT_NUMA))
    pf->numa_node = read_numa_node (dev_fd);
  if (!(sys->skip & VFP_PF_FACT_DRIVER))
    pf->driver = read_driver (dev_fd, "driver");
  else
    pf->driver_unread = TRUE;
  if (pf->netdev == NULL)
    pf->netdev = read_first_netdev (dev_fd);
  read_port_and_link (dev_fd, pf, sys->skip);

  /* 4. The enabled VFs. */
  if (!read_vfs (dev_fd, name, pf, error))
    return FALSE;

  *out = g_steal_pointer (&pf);
  return TRUE;
}

/* ---- VF details -------------------------------------------------------- */

void
vfp_vf_info_free (VfpVfInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->pci);
  g_free (info->netdev);
  g_free (info->driver);
  g_strfreev (info->iommu_peers);
  g_strfreev (info->iommu_foreign);
  g_free (info);
}

/* The other members of IOMMU group @group, and among them those that are not
 * VFs (no physfn link).  VFIO hands a VM the whole group, so a VF that shares
 * its group with a host device (a sound card behind a bridge without ACS)
 * would give that device to the VM as well. */
static gboolean
read_iommu_group (const char *root, int group, const char *self,
                  GStrv *peers_out, GStrv *foreign_out, GError **error)
{
  g_autofree char *group_name = g_strdup_printf ("%d", group);
  g_autofree char *path = g_build_filename (root, "kernel", "iommu_groups",
                                            group_name, "devices", NULL);
  g_autoptr (GPtrArray) peers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) foreign = g_ptr_array_new_with_free_func (g_free);
  struct dirent *entry;
  DIR *dir;
  int fd;

  fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      set_errno_error (error, errno, "reading IOMMU group %d of %s (%s)", group, self, path);
      return FALSE;
    }
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      set_errno_error (error, errno, "reading %s", path);
      close (fd);
      return FALSE;
    }
  while ((entry = readdir (dir)) != NULL)
    {
      if (entry->d_name[0] == '.' || strcmp (entry->d_name, self) == 0)
        continue;
      g_ptr_array_add (peers, g_strdup (entry->d_name));
    }
  g_ptr_array_sort (peers, compare_strings);

  for (guint i = 0; i < peers->len; i++)
    {
      const char *peer = peers->pdata[i];
      g_autofree char *physfn_link = g_strconcat (peer, "/physfn", NULL);
      int errnum = 0;
      g_autofree char *physfn = link_base (dirfd (dir), physfn_link, &errnum);

      /* Only a readable physfn link proves a VF; anything else counts as
       * foreign, so a doubt never lets a host device through. */
      if (physfn == NULL)
        g_ptr_array_add (foreign, g_strdup (peer));
    }
  closedir (dir);

  g_ptr_array_add (peers, NULL);
  g_ptr_array_add (foreign, NULL);
  *peers_out = (GStrv) g_ptr_array_free (g_steal_pointer (&peers), FALSE);
  *foreign_out = (GStrv) g_ptr_array_free (g_steal_pointer (&foreign), FALSE);
  return TRUE;
}

gboolean
vfp_host_read_vf_info (const char *sysfs_root, const char *vf_pci,
                       VfpVfInfo **out, GError **error)
{
  const char *root = vfp_host_root (sysfs_root);
  g_autoptr (VfpVfInfo) info = NULL;
  /* One device: its path walked whole, no directory opened for it. */
  g_auto (VfpSysfs) sys = { NULL, -1, -1, 0 };
  g_autofree char *group_text = NULL;
  g_auto (VfpHostFd) dev_fd = -1;
  guint64 value;
  int errnum = 0;

  g_return_val_if_fail (out != NULL, FALSE);

  if (!check_name ("VF PCI address", vf_pci, error))
    return FALSE;
  if (!vfp_pci_address_is_valid (vf_pci))
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_CONFIG,
                   "invalid VF PCI address '%s' (expected DDDD:BB:SS.F in "
                   "lower-case hex)", vf_pci);
      return FALSE;
    }

  sys.root = root;
  dev_fd = open_pci_device (&sys, vf_pci, error);
  if (dev_fd < 0)
    return FALSE;

  info = g_new0 (VfpVfInfo, 1);
  info->pci = g_strdup (vf_pci);
  info->iommu_group = -1;

  if (!read_uint_attr (dev_fd, vf_pci, "vendor", 16, 0xffff, &value, error))
    return FALSE;
  info->vendor = value;
  if (!read_uint_attr (dev_fd, vf_pci, "device", 16, 0xffff, &value, error))
    return FALSE;
  info->device = value;
  info->numa_node = read_numa_node (dev_fd);
  info->driver = read_driver (dev_fd, "driver");
  info->netdev = read_first_netdev (dev_fd);

  group_text = link_base (dev_fd, "iommu_group", &errnum);
  if (group_text == NULL && errnum != ENOENT)
    {
      set_errno_error (error, errnum, "reading iommu_group of %s", vf_pci);
      return FALSE;
    }
  if (group_text != NULL)
    {
      if (!parse_uint (group_text, 10, G_MAXINT, &value))
        {
          g_autofree char *shown = vfp_error_quote (group_text);
          g_set_error (error, VFP_ERROR, VFP_ERROR_FAILED,
                       "iommu_group of %s points to '%s', not a group number",
                       vf_pci, shown);
          return FALSE;
        }
      info->iommu_group = value;
      if (!read_iommu_group (root, info->iommu_group, vf_pci,
                             &info->iommu_peers, &info->iommu_foreign, error))
        return FALSE;
    }
  else
    {
      /* Without an IOMMU there is no group, and no peers to worry about
       * (libvirt refuses VFIO passthrough there anyway). */
      info->iommu_peers = g_new0 (char *, 1);
      info->iommu_foreign = g_new0 (char *, 1);
    }

  *out = g_steal_pointer (&info);
  return TRUE;
}
