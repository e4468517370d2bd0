/* vfp-netlink.c: placeholder until written. */
