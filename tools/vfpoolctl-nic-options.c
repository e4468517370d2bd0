/* vfpoolctl-nic-options.c: the options of one request nic, shared by
 * `request` (persistent, from the next start) and `attach` (live). */
#include "config.h"
#include "vfpoolctl-nic-options.h"
#include "vfp-error.h"
#include "vfp-request.h"

#include <string.h>

gboolean
vfpctl_nic_add_attr (const char *option_name, const char *value, gpointer data,
                     GError **error)
{
  GPtrArray *attrs = data;

  g_ptr_array_add (attrs, g_strdup (option_name + strlen ("--")));
  /* a flag (--failover) is the attribute set to "yes" */
  g_ptr_array_add (attrs, g_strdup (value != NULL ? value : "yes"));
  return TRUE;
}

gboolean
vfpctl_nic_check_attrs (const char *domain, GPtrArray *attrs, GError **error)
{
  VfpVfConfig cfg = { 0 };
  gboolean have_pool = FALSE;

  for (guint j = 0; j + 1 < attrs->len; j += 2)
    {
      const char *name = attrs->pdata[j], *value = attrs->pdata[j + 1];

      for (guint k = 0; k < j; k += 2)
        if (strcmp (attrs->pdata[k], name) == 0)
          {
            g_set_error (error, VFPCTL_USAGE_ERROR, 0, "domain '%s': --%s given twice",
                         domain, name);
            return FALSE;
          }
      if (strcmp (name, "pool") == 0)
        {
          have_pool = TRUE;
          continue;
        }
      if (strcmp (name, "failover") == 0)     /* only ever "yes" from --failover */
        continue;
      if (strcmp (name, "bond") == 0 ? !vfp_request_check_bond (value, error)
                                     : !vfp_vf_config_set_attr (&cfg, name, value, error))
        {
          g_prefix_error (error, "domain '%s': ", domain);
          return FALSE;
        }
    }
  if (!have_pool)
    {
      g_set_error (error, VFPCTL_USAGE_ERROR, 0, "domain '%s': --pool NAME is required",
                   domain);
      return FALSE;
    }
  return TRUE;
}

const char *
vfpctl_nic_attr (GPtrArray *attrs, const char *name)
{
  for (guint j = 0; j + 1 < attrs->len; j += 2)
    if (strcmp (attrs->pdata[j], name) == 0)
      return attrs->pdata[j + 1];
  return NULL;
}

gboolean
vfpctl_nic_parse_index (const char *arg, guint *nic, GError **error)
{
  guint64 value = 0;

  if (!g_ascii_string_to_unsigned (arg, 10, 0, VFP_REQUEST_MAX_NICS - 1, &value, NULL))
    {
      g_set_error (error, VFPCTL_USAGE_ERROR, 0, "--nic '%s' is not a nic index (0-%d)", arg,
                   VFP_REQUEST_MAX_NICS - 1);
      return FALSE;
    }
  *nic = (guint) value;
  return TRUE;
}
