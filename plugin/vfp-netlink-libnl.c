/* vfp-netlink-libnl.c: placeholder until written. */
