/* vfp-config.c: placeholder until written. */
