# tests/reliability/reliability.mk: fault injection and torture tests; included by Makefile.am.
