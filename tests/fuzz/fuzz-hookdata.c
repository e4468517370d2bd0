/* fuzz-hookdata.c: libFuzzer target for the network hook's stdin (<hookData>)
 * and a network's XML: parse; a parsed port has what the hook relies on, and
 * a network vfpool owns rebuilt by net-sync reads back as the same. */
#include "fuzz-common.h"

#include <string.h>

#include "vfp-error.h"
#include "vfp-netxml.h"

static void
fuzz_info (const VfpNetInfo *info)
{
  const char *pool = vfp_net_info_owner_pool (info);
  g_autofree char *xml = NULL;
  g_autoptr (VfpNetInfo) again = NULL;
  g_autoptr (GError) error = NULL;

  FUZZ_CHECK (info->name != NULL && info->name[0] != '\0', "network without a name");
  if (pool == NULL)
    return;
  FUZZ_CHECK (strcmp (info->name + strlen (VFP_NETWORK_PREFIX), pool) == 0,
              "owner pool is not the name's suffix");
  /* net-sync writes pool names of the pool-name alphabet only */
  for (const char *p = pool; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-'))
      return;
  if (strlen (pool) == 0 || strlen (pool) > 64)
    return;
  xml = vfp_net_xml_build (pool, info->managed, info->vfs, info->uuid);
  FUZZ_CHECK (vfp_net_info_parse (xml, strlen (xml), &again, &error), "own XML: %s\n%s",
              error->message, xml);
  FUZZ_CHECK (g_strcmp0 (vfp_net_info_owner_pool (again), pool) == 0, "owner changed");
  FUZZ_CHECK (again->managed == info->managed, "managed changed");
  FUZZ_CHECK (again->vfs->len == info->vfs->len, "VF count changed");
  for (guint i = 0; i < again->vfs->len; i++)
    FUZZ_CHECK (strcmp (again->vfs->pdata[i], info->vfs->pdata[i]) == 0, "VF %u changed", i);
}

FUZZ_DEFAULT_INITIALIZE

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (VfpNetPort) port = NULL;
  g_autoptr (VfpNetInfo) info = NULL;
  g_autoptr (GError) error = NULL;

  if (vfp_net_port_parse ((const char *) data, size, &port, &error))
    {
      FUZZ_CHECK (port->network != NULL && port->port_uuid != NULL
                  && port->owner_uuid != NULL && port->owner_name != NULL,
                  "parsed port lacks a field");
      FUZZ_CHECK (strlen (port->port_uuid) == 36 && strlen (port->owner_uuid) == 36,
                  "UUID not canonical");
      FUZZ_CHECK (port->vf_pci == NULL || strlen (port->vf_pci) == 12, "VF address shape");
      FUZZ_CHECK (g_strcmp0 (port->plug_type, "hostdev-pci") != 0 || port->vf_pci != NULL,
                  "hostdev-pci plug without a VF");
      fuzz_info (port->network);
    }
  else
    {
      FUZZ_CHECK (error != NULL && error->message != NULL
                  && strchr (error->message, '\n') == NULL,
                  "failure without a one-line error");
      g_clear_error (&error);
    }
  if (vfp_net_info_parse ((const char *) data, size, &info, &error))
    fuzz_info (info);
  else
    FUZZ_CHECK (error != NULL && strchr (error->message, '\n') == NULL,
                "network XML failure without a one-line error");
  return 0;
}
