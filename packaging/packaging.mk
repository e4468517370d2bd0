# packaging/packaging.mk: systemd unit, bash completion, Debian packaging; included by Makefile.am.

# The unit dir is under $(prefix) so `make distcheck` can install it; a
# distribution build sets it on the make command line (debian/rules does).
systemdsystemunitdir = $(prefix)/lib/systemd/system
systemdsystemunit_DATA = packaging/vfpool-vfs.service packaging/vfpool-guests.service \
	packaging/vfpool-net-sync.service

bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = completion/vfpoolctl

sriovconfdir = $(sysconfdir)/vfpool
dist_sriovconf_DATA = packaging/sriov.conf.sample

# Substituted at make time, not by configure: the paths follow a prefix
# given to make install.
subst_unit = $(MKDIR_P) packaging && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	  $(top_srcdir)/$@.in > $@.tmp && mv $@.tmp $@
packaging/vfpool-vfs.service: $(top_srcdir)/packaging/vfpool-vfs.service.in Makefile
	$(AM_V_GEN)$(subst_unit)
packaging/vfpool-guests.service: $(top_srcdir)/packaging/vfpool-guests.service.in Makefile
	$(AM_V_GEN)$(subst_unit)
packaging/vfpool-net-sync.service: $(top_srcdir)/packaging/vfpool-net-sync.service.in Makefile
	$(AM_V_GEN)$(subst_unit)

CLEANFILES += packaging/vfpool-vfs.service packaging/vfpool-guests.service \
	packaging/vfpool-net-sync.service
EXTRA_DIST += packaging/vfpool-vfs.service.in packaging/vfpool-guests.service.in \
	packaging/vfpool-net-sync.service.in packaging/build-deb.sh tests/packaging/deb-chroot.sh
