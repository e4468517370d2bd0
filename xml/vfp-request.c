/* vfp-request.c: placeholder until written. */
