/* fuzz-lease.c: libFuzzer target for lease file text (vfp_lease_from_data), with the to_data round trip that must be stable. */
#include "fuzz-common.h"

#include <string.h>

#include "vfp-lease.h"

FUZZ_DEFAULT_INITIALIZE

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (VfpLease) lease = NULL;
  g_autoptr (VfpLease) again = NULL;
  g_autoptr (VfpLease) third = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;
  gsize len = 0, len2 = 0;

  if (!vfp_lease_from_data ((const char *) data, size, &lease, &error))
    {
      FUZZ_CHECK (error != NULL && lease == NULL, "failure without an error");
      return 0;
    }
  FUZZ_CHECK (lease->state <= VFP_LEASE_CONFIGURED, "state %d", lease->state);
  (void) vfp_lease_state_to_string (lease->state);

  /* What vfpool writes it must read back, to the same text: a lease that
   * changes on every rewrite would drift. */
  text = vfp_lease_to_data (lease, &len);
  FUZZ_CHECK (text != NULL && strlen (text) == len, "to_data");
  FUZZ_CHECK (vfp_lease_from_data (text, len, &again, &error),
              "own output does not parse: %s\n%s", error->message, text);
  text2 = vfp_lease_to_data (again, &len2);
  FUZZ_CHECK (len == len2 && memcmp (text, text2, len) == 0,
              "round trip changed the text:\n%s\n----\n%s", text, text2);
  FUZZ_CHECK (vfp_lease_from_data (text2, len2, &third, NULL), "second round trip");
  return 0;
}
