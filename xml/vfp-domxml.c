/* vfp-domxml.c: placeholder until written. */
