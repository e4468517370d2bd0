/* vfp-context.c: placeholder until written. */
