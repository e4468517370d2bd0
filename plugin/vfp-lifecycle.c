/* vfp-lifecycle.c: placeholder until written. */
