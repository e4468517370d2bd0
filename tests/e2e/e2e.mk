# tests/e2e/e2e.mk: the QEMU igb fixture (make check-e2e); included by Makefile.am.
