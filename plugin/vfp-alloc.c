/* vfp-alloc.c: placeholder until written. */
