/* vfpoolctl-request.c: placeholder until the subcommand is written. */
#include "config.h"
#include "vfpoolctl.h"

#include <stdio.h>

int
vfpctl_request (VfpCtl *ctl, int argc, char **argv)
{
  fprintf (stderr, "vfpoolctl: request is not implemented yet\n");
  return 1;
}

int
vfpctl_unrequest (VfpCtl *ctl, int argc, char **argv)
{
  fprintf (stderr, "vfpoolctl: unrequest is not implemented yet\n");
  return 1;
}
