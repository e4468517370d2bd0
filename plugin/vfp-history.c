/* vfp-history.c: placeholder until written. */
