# tests/fuzz/fuzz.mk: libFuzzer targets (make fuzz); included by Makefile.am.
#
# Not part of `make check`: it builds its own clang ASan/UBSan/libFuzzer copy
# of the library (installing clang with apt-get when missing) and fuzzes each
# target for FUZZ_SECONDS; see docs/reliability-fuzzing.md.
#   make fuzz FUZZ_SECONDS=300 FUZZ_TARGETS=fuzz-request
FUZZ_SECONDS = 60
FUZZ_BUILDDIR = $(abs_top_builddir)/build-fuzz

fuzz:
	FUZZ_BUILDDIR='$(FUZZ_BUILDDIR)' FUZZ_TARGETS='$(FUZZ_TARGETS)' \
	  $(SHELL) $(top_srcdir)/tests/fuzz/run-fuzzers.sh $(FUZZ_SECONDS)

EXTRA_DIST += tests/fuzz
clean-local: clean-fuzz
clean-fuzz:
	rm -rf build-fuzz

.PHONY: fuzz clean-fuzz
