/* vfp-host.c: placeholder until written. */
