/* vfp-file.c: placeholder until written. */
