/* fuzz-request.c: libFuzzer target for the domain XML the hook reads on stdin: parse, read the request, and the injector's add/list/serialise/re-parse/remove round trip. */
#include "fuzz-common.h"

#include <string.h>

#include "vfp-domxml.h"
#include "vfp-error.h"
#include "vfp-request.h"

/* A VF address per nic, distinct and well-formed, as the allocator would give. */
static char *
fuzz_vf_pci (guint nic)
{
  return g_strdup_printf ("0000:01:%02x.%x", 0x10 + nic / 8, nic % 8);
}

static gboolean
fuzz_same_devices (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      VfpDomDevice *da = a->pdata[i], *db = b->pdata[i];

      if (da->nic != db->nic || da->form != db->form || strcmp (da->pci, db->pci) != 0)
        return FALSE;
    }
  return TRUE;
}

/* What a filtered document must still be: parseable, the same domain, the
 * same request, the same devices. */
static VfpDomXml *
fuzz_reparse (VfpDomXml *dom, guint nics, GPtrArray *devices)
{
  g_autofree char *text = vfp_domxml_to_string (dom);
  g_autoptr (VfpDomXml) again = NULL;
  g_autoptr (VfpRequest) req = NULL;
  g_autoptr (GPtrArray) listed = NULL;
  g_autoptr (GError) error = NULL;

  FUZZ_CHECK (text != NULL, "serialising a parsed document failed");
  FUZZ_CHECK (vfp_domxml_parse (text, strlen (text), &again, &error),
              "own output does not parse: %s\n%s", error->message, text);
  FUZZ_CHECK (strcmp (vfp_domxml_get_name (again), vfp_domxml_get_name (dom)) == 0,
              "name changed");
  FUZZ_CHECK (strcmp (vfp_domxml_get_uuid (again), vfp_domxml_get_uuid (dom)) == 0,
              "uuid changed");
  FUZZ_CHECK (vfp_request_read (again, &req, &error), "request no longer reads: %s",
              error->message);
  FUZZ_CHECK (req != NULL && req->nics->len == nics, "request changed");
  listed = vfp_domxml_list_devices (again);
  FUZZ_CHECK (fuzz_same_devices (listed, devices), "devices changed in serialisation");
  return g_steal_pointer (&again);
}

FUZZ_DEFAULT_INITIALIZE

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (VfpDomXml) dom = NULL;
  g_autoptr (VfpDomXml) injected = NULL;
  g_autoptr (VfpRequest) req = NULL;
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (GError) error = NULL;
  guint added = 0;

  (void) vfp_domxml_mentions_vfpool ((const char *) data, size);
  if (!vfp_domxml_parse ((const char *) data, size, &dom, &error))
    {
      FUZZ_CHECK (error != NULL && error->message != NULL, "failure without an error");
      return 0;
    }
  FUZZ_CHECK (strlen (vfp_domxml_get_uuid (dom)) == 36, "uuid not canonical");
  (void) vfp_domxml_get_numa_node (dom);
  (void) vfp_domxml_count_free_hotplug_slots (dom);
  before = vfp_domxml_list_devices (dom);

  if (!vfp_request_read (dom, &req, &error))
    {
      FUZZ_CHECK (error != NULL && error->message != NULL && req == NULL,
                  "failure without an error");
      return 0;
    }
  if (req == NULL)
    return 0;
  FUZZ_CHECK (req->nics->len > 0 && req->nics->len <= VFP_REQUEST_MAX_NICS,
              "nic count %u", req->nics->len);

  /* The injector: a device per nic, alternating the two forms; failover
   * nics as the pair (VF interface + standby unless one is present). */
  for (guint i = 0; i < req->nics->len; i++)
    {
      VfpNicRequest *nic = req->nics->pdata[i];
      g_autofree char *pci = fuzz_vf_pci (nic->index);
      VfpDeviceForm form = i % 2 ? VFP_FORM_INTERFACE : VFP_FORM_HOSTDEV;
      g_autofree char *alone = vfp_domxml_device_to_string (nic->index, pci, form, &nic->cfg);
      g_autoptr (GError) add_error = NULL;
      gboolean fo = nic->failover == VFP_FAILOVER_YES;

      FUZZ_CHECK (nic->index == i && nic->pool != NULL && (nic->cfg.set & VFP_KNOB_MAC),
                  "nic %u incomplete", i);
      FUZZ_CHECK (alone != NULL, "device_to_string failed");
      if (fo ? vfp_domxml_add_failover_device (dom, nic->index, pci, TRUE, &nic->cfg, "default",
                                               &add_error)
             : vfp_domxml_add_device (dom, nic->index, pci, form, &nic->cfg, &add_error))
        added++;
      /* again: the alias is taken now */
      FUZZ_CHECK (!(fo ? vfp_domxml_add_failover_device (dom, nic->index, pci, TRUE, &nic->cfg,
                                                         "default", NULL)
                       : vfp_domxml_add_device (dom, nic->index, pci, form, &nic->cfg, NULL)),
                  "alias added twice");
    }
  after = vfp_domxml_list_devices (dom);
  FUZZ_CHECK (after->len == before->len + added, "had %u, added %u, listed %u",
              before->len, added, after->len);

  injected = fuzz_reparse (dom, req->nics->len, after);
  /* restore/migrate: re-pointing changes exactly that device's VF */
  if (after->len > 0)
    {
      VfpDomDevice *first = after->pdata[0];

      if (vfp_domxml_repoint_device (injected, first->nic, "0000:02:00.1", NULL))
        {
          g_autoptr (GPtrArray) moved = vfp_domxml_list_devices (injected);
          VfpDomDevice *now = moved->pdata[0];

          FUZZ_CHECK (now->nic == first->nic && strcmp (now->pci, "0000:02:00.1") == 0,
                      "re-pointed nic %u is at %s", now->nic, now->pci);
        }
    }

  /* Stopping: every vfpool device goes, the request stays. */
  /* devices without a source address are removed but not listed */
  FUZZ_CHECK (vfp_domxml_remove_devices (dom) >= after->len, "remove count");
  g_clear_pointer (&after, g_ptr_array_unref);
  after = vfp_domxml_list_devices (dom);
  FUZZ_CHECK (after->len == 0, "%u devices left after remove", after->len);
  g_clear_pointer (&injected, vfp_domxml_free);
  injected = fuzz_reparse (dom, req->nics->len, after);
  return 0;
}
