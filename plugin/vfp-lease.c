/* vfp-lease.c: placeholder until written. */
