#!/bin/bash
# bench/run-bench.sh: make bench-e2e — runs the igb fixture with only bench/bench-start.sh and writes its numbers, with the host's load, to bench-e2e-results.txt in the build dir.
#
# Environment: as run-e2e.sh (make passes E2E_SRCDIR, E2E_BUILDDIR), plus
#   E2E_BENCH_ROUNDS  rounds per case (default 10)
#   E2E_BENCH_BUDGET  seconds of measuring in the guest; later rounds are
#                     skipped once it would be exceeded (default 270)
# Exit: run-e2e.sh's status — non-zero only when the harness broke (a start
# failed, the fixture hung); the numbers are never judged.
set -uo pipefail

E2E_SRCDIR=$(cd "${E2E_SRCDIR:-$(dirname "$0")/../../..}" && pwd)
E2E_BUILDDIR=$(cd "${E2E_BUILDDIR:-.}" && pwd)
RESULTS=$E2E_BUILDDIR/bench-e2e-results.txt
LOG=$E2E_BUILDDIR/tests/e2e/console.log
export E2E_SRCDIR E2E_BUILDDIR
export E2E_ONLY=none E2E_SCENARIOS=$E2E_SRCDIR/tests/e2e/bench/bench-start.sh

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
rc=0
bash "$E2E_SRCDIR/tests/e2e/run-e2e.sh" || rc=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

lines=$(tr -d '\r' < "$LOG" 2>/dev/null | sed -n 's/^e2e: bench| //p')
{
  echo "bench-e2e: $started; host: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
  echo "host load average (1/5/15 min) before: $load_before, after: $load_after"
  echo "fixture: QEMU igb SR-IOV under TCG, libvirtd in the guest (tests/e2e, docs/e2e.md)"
  if [ -n "$lines" ]; then echo "$lines"; else echo "no results: the bench did not report (exit $rc); console: $LOG"; fi
} > "$RESULTS"
echo "---- bench-e2e results ($RESULTS) ----"
cat "$RESULTS"
exit "$rc"
