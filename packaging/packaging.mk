# packaging/packaging.mk: systemd unit, bash completion, Debian packaging; included by Makefile.am.
