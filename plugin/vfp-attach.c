/* vfp-attach.c: which nic a detach means and which lease it frees. */
#include "config.h"
#include "vfp-attach.h"
#include "vfp-error.h"
#include "vfp-request.h"

VfpLease *
vfp_attach_find_lease (GPtrArray *leases, guint nic)
{
  for (guint i = 0; i < leases->len; i++)
    if (((VfpLease *) leases->pdata[i])->nic == nic)
      return leases->pdata[i];
  return NULL;
}

const VfpDomDevice *
vfp_attach_find_device (GPtrArray *devices, guint nic)
{
  for (guint i = 0; i < devices->len; i++)
    if (((VfpDomDevice *) devices->pdata[i])->nic == nic)
      return devices->pdata[i];
  return NULL;
}

static int
compare_nic (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

GArray *
vfp_attach_list_nics (GPtrArray *devices, GPtrArray *leases)
{
  GArray *nics = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < devices->len; i++)
    g_array_append_val (nics, ((VfpDomDevice *) devices->pdata[i])->nic);
  for (guint i = 0; i < leases->len; i++)
    if (vfp_attach_find_device (devices, ((VfpLease *) leases->pdata[i])->nic) == NULL)
      g_array_append_val (nics, ((VfpLease *) leases->pdata[i])->nic);
  g_array_sort (nics, compare_nic);
  return nics;
}

static char *
describe_nics (GArray *nics, GPtrArray *devices, GPtrArray *leases)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < nics->len; i++)
    {
      guint nic = g_array_index (nics, guint, i);
      const VfpDomDevice *dev = vfp_attach_find_device (devices, nic);
      const VfpLease *lease = vfp_attach_find_lease (leases, nic);

      g_string_append_printf (s, "%snic %u (VF %s%s)", i ? ", " : "", nic,
                              dev != NULL ? dev->pci : lease->vf_pci,
                              dev != NULL ? "" : ", unplugged");
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
vfp_attach_pick_nic (VfpDomXml *live, GPtrArray *leases, gboolean have_want, guint want,
                     guint *nic, gboolean *plugged, GError **error)
{
  g_autoptr (GPtrArray) devices = vfp_domxml_list_devices (live);
  g_autoptr (GArray) nics = vfp_attach_list_nics (devices, leases);
  g_autoptr (VfpRequest) request = NULL;
  g_autofree char *name = vfp_error_quote (vfp_domxml_get_name (live));
  g_autofree char *listed = describe_nics (nics, devices, leases);
  gboolean found = FALSE;

  if (nics->len == 0)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND, "domain '%s' has no vfpool nic", name);
      return FALSE;
    }
  if (!have_want && nics->len > 1)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s' has %u vfpool nics: %s; name one with --nic N", name,
                   nics->len, listed);
      return FALSE;
    }
  if (!have_want)
    want = g_array_index (nics, guint, 0);
  for (guint i = 0; i < nics->len; i++)
    found |= g_array_index (nics, guint, i) == want;
  if (!found)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_NOT_FOUND,
                   "domain '%s' has no vfpool nic %u (it has %s)", name, want, listed);
      return FALSE;
    }
  if (!vfp_request_read (live, &request, error))
    return FALSE;
  if (request != NULL && want + 1 < request->nics->len)
    {
      g_set_error (error, VFP_ERROR, VFP_ERROR_INVALID_REQUEST,
                   "domain '%s': nic %u is not the last nic of its request (0-%u); nics are "
                   "numbered by their place in it, so removing it would renumber nic %u-%u "
                   "of the running domain: detach nic %u first",
                   name, want, request->nics->len - 1, want + 1, request->nics->len - 1,
                   request->nics->len - 1);
      return FALSE;
    }
  *nic = want;
  *plugged = vfp_attach_find_device (devices, want) != NULL;
  return TRUE;
}
