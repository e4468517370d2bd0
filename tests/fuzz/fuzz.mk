# tests/fuzz/fuzz.mk: libFuzzer targets (make fuzz); included by Makefile.am.
