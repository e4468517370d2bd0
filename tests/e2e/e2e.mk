# tests/e2e/e2e.mk: the QEMU igb fixture (make check-e2e); included by Makefile.am.
#
# check-e2e needs root and network access to a Debian mirror on first run
# (see docs/e2e.md).  It is not part of `make check`.
#   make check-e2e E2E_SCENARIOS="path/a.sh path/b.sh" E2E_CACHE=/var/cache/vfpool-e2e

# nl-probe drives plugin/vfp-netlink-libnl.c from inside the guest.  A plain
# rule rather than an automake program: it must not be built by `make all`
# or `make check`, and EXTRA_PROGRAMS is owned by Makefile.am.
E2E_PROBE = tests/e2e/nl-probe
$(E2E_PROBE): $(top_srcdir)/tests/e2e/nl-probe.c plugin/libvfpool.a
	@$(MKDIR_P) tests/e2e
	$(AM_V_CCLD)$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) \
	  $(AM_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(top_srcdir)/tests/e2e/nl-probe.c \
	  $(VFP_LIBS) $(LIBS)

check-e2e: all $(E2E_PROBE)
	E2E_SRCDIR='$(abs_top_srcdir)' E2E_BUILDDIR='$(abs_top_builddir)' \
	E2E_SCENARIOS='$(E2E_SCENARIOS)' \
	  bash $(top_srcdir)/tests/e2e/run-e2e.sh

# check-e2e-migration: live migration between two libvirt hosts in the same
# fixture (tests/e2e/extra/10-migrate.sh: host B is a second libvirtd in its
# own mount namespace, docs/FIXTURE.md), with two nested guests.  Separate
# from check-e2e because it takes about 10 minutes; CI runs it after it.  A
# nested guest that goes silent after a migration ends it early, with
# vfpool's end state checked (E2E-GUEST-SILENT, docs/e2e.md).
check-e2e-migration: all $(E2E_PROBE)
	E2E_SRCDIR='$(abs_top_srcdir)' E2E_BUILDDIR='$(abs_top_builddir)' \
	E2E_ONLY=none E2E_TIMEOUT=2400 \
	E2E_SCENARIOS='$(abs_top_srcdir)/tests/e2e/extra/10-migrate.sh' \
	  bash $(top_srcdir)/tests/e2e/run-e2e.sh

# bench-e2e: start latency in the same fixture (tests/e2e/bench/bench-start.sh:
# vfpoolctl start vs libvirt's hostdev network, the hot-plug delay of a plain
# virsh start, the hook's share).  Prints numbers and writes them to
# bench-e2e-results.txt; fails only when the harness breaks, never on the
# numbers.  Not part of check or check-e2e.
#   make bench-e2e E2E_BENCH_ROUNDS=10 E2E_BENCH_BUDGET=270
bench-e2e: all
	E2E_SRCDIR='$(abs_top_srcdir)' E2E_BUILDDIR='$(abs_top_builddir)' \
	  bash $(top_srcdir)/tests/e2e/bench/run-bench.sh

CLEANFILES += $(E2E_PROBE)
EXTRA_DIST += tests/e2e/README tests/e2e/run-e2e.sh tests/e2e/prepare.sh \
	tests/e2e/nl-probe.c tests/e2e/guest tests/e2e/scenarios tests/e2e/extra \
	tests/e2e/bench/bench-start.sh tests/e2e/bench/run-bench.sh
clean-local: clean-e2e
clean-e2e:
	rm -rf tests/e2e/work tests/e2e/console*.log bench-e2e-results.txt

.PHONY: check-e2e check-e2e-migration bench-e2e clean-e2e
