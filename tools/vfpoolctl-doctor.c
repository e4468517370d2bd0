/* vfpoolctl-doctor.c: placeholder until the subcommand is written. */
#include "config.h"
#include "vfpoolctl.h"

#include <stdio.h>

int
vfpctl_doctor (VfpCtl *ctl, int argc, char **argv)
{
  fprintf (stderr, "vfpoolctl: doctor is not implemented yet\n");
  return 1;
}
