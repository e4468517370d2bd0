/* vfp-liveness.c: placeholder until written. */
