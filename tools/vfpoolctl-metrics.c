/* vfpoolctl-metrics.c: placeholder until the subcommand is written. */
#include "config.h"
#include "vfpoolctl.h"

#include <stdio.h>

int
vfpctl_metrics (VfpCtl *ctl, int argc, char **argv)
{
  fprintf (stderr, "vfpoolctl: metrics is not implemented yet\n");
  return 1;
}
