# tests/reliability/reliability.mk: fault injection and torture tests; included by Makefile.am.
#
# `make check` must run in a normal build, so the crash points are compiled
# into copies of the library, the hook and vfpoolctl built here from the same
# sources with -DVFP_FAULT_INJECTION (check programs: never installed).  The
# installed binaries never contain them unless configured with
# --enable-fault-injection.
#   make torture                  the full torture run (600 operations)
#   make torture TORTURE_OPS=N    N operations
#   make torture TORTURE_SEED=N   another random sequence

REL_CPPFLAGS = $(AM_CPPFLAGS) -DVFP_FAULT_INJECTION=1
REL_LIB = tests/reliability/libvfpool-fault.a
REL_LIBS = $(REL_LIB) $(GLIB_LIBS) $(XML_LIBS) $(NL_LIBS)

check_LIBRARIES += tests/reliability/libvfpool-fault.a
tests_reliability_libvfpool_fault_a_SOURCES = $(plugin_libvfpool_a_SOURCES)
tests_reliability_libvfpool_fault_a_CPPFLAGS = $(REL_CPPFLAGS)
# Its objects land in plugin/ and xml/, so nothing else creates this
# directory in a VPATH build (make distcheck).
EXTRA_tests_reliability_libvfpool_fault_a_DEPENDENCIES = tests/reliability/.dir-stamp
tests/reliability/.dir-stamp:
	$(MKDIR_P) tests/reliability && touch $@
CLEANFILES += tests/reliability/.dir-stamp

# The fault hook execs the hot-plug worker from beside itself, so its
# worker (with the same fault points) is tests/reliability/vfpool-hotplug.
check_PROGRAMS += tests/reliability/vfpool-hook-fault tests/reliability/vfpoolctl-fault \
	tests/reliability/vfpool-hotplug
tests_reliability_vfpool_hotplug_SOURCES = $(hooks_vfpool_hotplug_SOURCES)
tests_reliability_vfpool_hotplug_CPPFLAGS = $(REL_CPPFLAGS)
tests_reliability_vfpool_hotplug_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS)
tests_reliability_vfpool_hotplug_LDADD = $(REL_LIBS) $(LIBVIRT_LIBS)
tests_reliability_vfpool_hook_fault_SOURCES = $(hooks_vfpool_hook_SOURCES)
tests_reliability_vfpool_hook_fault_CPPFLAGS = $(REL_CPPFLAGS)
tests_reliability_vfpool_hook_fault_LDADD = $(REL_LIBS)
tests_reliability_vfpoolctl_fault_SOURCES = $(tools_vfpoolctl_SOURCES)
tests_reliability_vfpoolctl_fault_CPPFLAGS = $(REL_CPPFLAGS)
tests_reliability_vfpoolctl_fault_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS) $(JSON_CFLAGS)
tests_reliability_vfpoolctl_fault_LDADD = $(REL_LIBS) $(LIBVIRT_LIBS) $(JSON_LIBS)

reliability_tests = \
	tests/reliability/state-dir.sh \
	tests/reliability/crash-points.sh \
	tests/reliability/torture.sh
TESTS += $(reliability_tests)
$(reliability_tests:.sh=.log): tests/_inst.stamp
AM_TESTS_ENVIRONMENT += \
	VFP_REL_BIN='$(abs_top_builddir)/tests/reliability'; export VFP_REL_BIN;

torture: tests/reliability/vfpool-hook-fault tests/reliability/vfpoolctl-fault tests/_inst.stamp
	$(AM_TESTS_ENVIRONMENT) TORTURE_OPS='$(TORTURE_OPS)' TORTURE_SEED='$(TORTURE_SEED)' \
	  TORTURE_DEFAULT_OPS=600 $(SHELL) $(top_srcdir)/tests/reliability/torture.sh

EXTRA_DIST += tests/reliability
.PHONY: torture
