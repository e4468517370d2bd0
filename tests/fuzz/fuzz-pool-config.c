/* fuzz-pool-config.c: libFuzzer target for pools.d text, loaded by vfp_config_load against a fake sysfs tree built once at startup. */
#include "fuzz-common.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vfp-config.h"
#include "vfp-error.h"

/* tests/sysfs/mksysfs; the build passes the source tree's, the environment
 * may override it (a fuzzer binary copied elsewhere). */
#ifndef FUZZ_MKSYSFS
#define FUZZ_MKSYSFS "tests/sysfs/mksysfs"
#endif

static char *fuzz_root;         /* TMP */
static char *fuzz_sysfs;        /* TMP/sys */
static char *fuzz_config;       /* TMP/etc */
static char *fuzz_conf_file;    /* TMP/etc/pools.d/f.conf */

static void
fuzz_cleanup (void)
{
  const char *argv[] = { "/bin/rm", "-rf", fuzz_root, NULL };

  if (fuzz_root != NULL)
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                  NULL, NULL, NULL);
}

static void
fuzz_mksysfs (const char *layout)
{
  const char *script = g_getenv ("VFP_FUZZ_MKSYSFS");
  const char *argv[] = { "/bin/bash", script != NULL ? script : FUZZ_MKSYSFS,
                         fuzz_sysfs, layout, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                     NULL, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      fprintf (stderr, "fuzz-pool-config: mksysfs %s: %s\n", layout, error->message);
      exit (1);
    }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *pools_d = NULL;

  fuzz_common_init ();
  fuzz_root = g_dir_make_tmp ("vfpool-fuzz-config.XXXXXX", &error);
  if (fuzz_root == NULL)
    {
      fprintf (stderr, "fuzz-pool-config: %s\n", error->message);
      exit (1);
    }
  atexit (fuzz_cleanup);
  fuzz_sysfs = g_build_filename (fuzz_root, "sys", NULL);
  fuzz_config = g_build_filename (fuzz_root, "etc", NULL);
  pools_d = g_build_filename (fuzz_config, "pools.d", NULL);
  fuzz_conf_file = g_build_filename (pools_d, "f.conf", NULL);
  g_mkdir_with_parents (pools_d, 0700);
  /* two dual-purpose hosts in one tree (their addresses do not collide):
   * ens1f0/ens1f1 with 4 VFs each, ens2f0 (0000:3b:00.0) with 64 */
  fuzz_mksysfs ("demo");
  fuzz_mksysfs ("e810");
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (VfpConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  int fd;

  /* plain write: g_file_set_contents' fsync+rename would dominate */
  fd = open (fuzz_conf_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  FUZZ_CHECK (fd >= 0, "open %s: %s", fuzz_conf_file, g_strerror (errno));
  FUZZ_CHECK (size == 0 || write (fd, data, size) == (ssize_t) size, "short write");
  close (fd);

  if (!vfp_config_load (fuzz_config, fuzz_sysfs, &config, &error))
    {
      FUZZ_CHECK (error != NULL && config == NULL, "failure without an error");
      return 0;
    }

  /* a broken pool always says why, on one line */
  for (guint i = 0; i < config->broken->len; i++)
    {
      VfpBrokenPool *broken = config->broken->pdata[i];

      FUZZ_CHECK (broken->reason != NULL && strchr (broken->reason, '\n') == NULL,
                  "broken entry without a one-line reason");
      FUZZ_CHECK (broken->name == NULL || vfp_config_find_pool (config, broken->name) == NULL,
                  "pool %s is both loaded and broken", broken->name);
    }
  for (guint i = 0; i < config->pools->len; i++)
    {
      VfpPool *pool = config->pools->pdata[i];
      VfpVfConfig asked = { 0 }, want;
      gboolean failover = FALSE;

      FUZZ_CHECK (vfp_config_find_pool (config, pool->name) == pool, "find_pool %s",
                  pool->name);
      FUZZ_CHECK (pool->pfs->len > 0, "pool %s has no PF", pool->name);
      (void) vfp_pool_allows (pool, "web1", "00000000-0000-4000-8000-000000000001");
      /* an empty request gets the pool's values, unless vlans= needs a VLAN
       * and the pool names none */
      FUZZ_CHECK (vfp_pool_resolve_request (pool, &asked, VFP_FAILOVER_UNSET, &want, &failover,
                                            NULL)
                  == (pool->vlans == NULL || (pool->defaults.set & VFP_KNOB_VLAN) != 0),
                  "pool %s: an empty request resolves wrongly", pool->name);
      /* and its failover is the pool's */
      FUZZ_CHECK (failover == (pool->failover == VFP_FAILOVER_YES)
                  || (pool->vlans != NULL && !(pool->defaults.set & VFP_KNOB_VLAN)),
                  "pool %s: failover %d for failover= %d", pool->name, failover, pool->failover);
      for (guint j = 0; j < pool->members->len; j++)
        {
          VfpVf *vf = pool->members->pdata[j];
          VfpVf *found = NULL;

          /* a VF belongs to one pool only (check_overlap) */
          FUZZ_CHECK (vfp_config_find_vf (config, vf->pci, &found) == pool && found == vf,
                      "VF %s is in two pools", vf->pci);
        }
    }
  return 0;
}
