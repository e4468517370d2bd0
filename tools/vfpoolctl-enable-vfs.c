/* vfpoolctl-enable-vfs.c: placeholder until the subcommand is written. */
#include "config.h"
#include "vfpoolctl.h"

#include <stdio.h>

int
vfpctl_enable_vfs (VfpCtl *ctl, int argc, char **argv)
{
  fprintf (stderr, "vfpoolctl: enable-vfs is not implemented yet\n");
  return 1;
}
