/* vfp-netlink-fake.c: placeholder until written. */
