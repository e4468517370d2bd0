/* vfp-vf-config.c: placeholder until written. */
