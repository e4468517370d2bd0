/* vfpoolctl-explain.c: placeholder until the subcommand is written. */
#include "config.h"
#include "vfpoolctl.h"

#include <stdio.h>

int
vfpctl_explain (VfpCtl *ctl, int argc, char **argv)
{
  fprintf (stderr, "vfpoolctl: explain is not implemented yet\n");
  return 1;
}
