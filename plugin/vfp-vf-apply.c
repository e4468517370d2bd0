/* vfp-vf-apply.c: placeholder until written. */
