#!/bin/bash
# run-fuzzers.sh: builds the library and the libFuzzer targets with clang ASan+UBSan+fuzzer and runs each target for SECONDS.
#
# Usage: tests/fuzz/run-fuzzers.sh [SECONDS]     (default 60 per target)
#   FUZZ_BUILDDIR=DIR   build and working corpus (default ${TMPDIR:-/tmp}/vfpool-fuzz)
#   FUZZ_TARGETS="…"    subset of: fuzz-request fuzz-pool-config fuzz-lease fuzz-hookdata
#   FUZZ_JOBS=N         make -j for the library (default: number of CPUs)
#
# Exits non-zero when a target crashes, leaks, trips UBSan or breaks one of
# its invariants; the input that did it is left in BUILDDIR/artifacts/.
# Reproduce one: BUILDDIR/fuzz-request BUILDDIR/artifacts/fuzz-request-crash-…
# The seed corpora (tests/fuzz/corpus/TARGET) are read only; what a run finds
# goes to BUILDDIR/corpus/TARGET, which later runs start from.
set -euo pipefail

SECS=${1:-60}
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${FUZZ_BUILDDIR:-${TMPDIR:-/tmp}/vfpool-fuzz}
TARGETS=${FUZZ_TARGETS:-fuzz-request fuzz-pool-config fuzz-lease fuzz-hookdata}
JOBS=${FUZZ_JOBS:-$(nproc)}
PKGS="glib-2.0 gio-2.0 libxml-2.0 libnl-3.0 libnl-route-3.0"

die() { echo "run-fuzzers.sh: $*" >&2; exit 1; }
[[ $SECS =~ ^[0-9]+$ ]] || die "usage: $0 [SECONDS]"

# clang with the libFuzzer runtime (Debian 12: clang-14 + libclang-rt-14-dev).
have_libfuzzer() {
  command -v clang >/dev/null || return 1
  printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}\n' \
    | clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - 2>/dev/null
}
if ! have_libfuzzer; then
  echo "run-fuzzers.sh: installing clang and the libFuzzer runtime" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends clang libclang-rt-14-dev >&2 \
    || die "cannot install clang/libclang-rt-14-dev"
  have_libfuzzer || die "clang cannot link -fsanitize=fuzzer"
fi

. "$(dirname "$0")/../clean-source.sh"

if [ -f "$SRCDIR/config.status" ]; then
  clean_source "$BUILD/src"
  rm -rf "${BUILD:?}/lib"    # the copy is new each time: no incremental build
fi
[ -x "$SRCDIR/configure" ] || (cd "$SRCDIR" && autoreconf -fi) || die "cannot generate configure"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
mkdir -p "$BUILD/lib" "$BUILD/artifacts" "$BUILD/tmp"
t0=$(date +%s)
# The library gets coverage instrumentation (fuzzer-no-link) so libFuzzer is
# guided by vfpool's own branches, not only by the target's.
if [ ! -f "$BUILD/lib/Makefile" ]; then
  (cd "$BUILD/lib" && "$SRCDIR/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
     CC=clang CFLAGS="-g -O1 $SAN -fsanitize=fuzzer-no-link" LDFLAGS="$SAN" \
     > configure.log 2>&1) || { tail -30 "$BUILD/lib/configure.log"; die "configure failed"; }
fi
make -C "$BUILD/lib" -j"$JOBS" plugin/libvfpool.a > "$BUILD/lib/make.log" 2>&1 \
  || { tail -30 "$BUILD/lib/make.log"; die "building libvfpool.a failed"; }

for t in $TARGETS; do
  # shellcheck disable=SC2046
  clang -g -O1 $SAN -fsanitize=fuzzer -Wall -Wextra -Wno-unused-parameter \
    -I"$SRCDIR/plugin" -I"$SRCDIR/xml" -I"$BUILD/lib" $(pkg-config --cflags $PKGS) \
    -DFUZZ_MKSYSFS="\"$SRCDIR/tests/sysfs/mksysfs\"" \
    -o "$BUILD/$t" "$SRCDIR/tests/fuzz/$t.c" "$BUILD/lib/plugin/libvfpool.a" \
    $(pkg-config --libs $PKGS) -ldl || die "building $t failed"
done
echo "run-fuzzers.sh: built in $(( $(date +%s) - t0 )) s"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TMPDIR=$BUILD/tmp
# readable stacks in reports (clang's symbolizer; gcc's addr2line fallback is slow)
for s in llvm-symbolizer llvm-symbolizer-14; do
  command -v $s >/dev/null && { export ASAN_SYMBOLIZER_PATH; ASAN_SYMBOLIZER_PATH=$(command -v $s); break; }
done

status=0
summary=()
for t in $TARGETS; do
  seeds=$SRCDIR/tests/fuzz/corpus/$t
  work=$BUILD/corpus/$t
  mkdir -p "$work"
  args=(-max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1
        -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t-")
  [ -f "$SRCDIR/tests/fuzz/$t.dict" ] && args+=(-dict="$SRCDIR/tests/fuzz/$t.dict")
  # the hostile seeds (1000 nics, huge attribute) must fit
  [ "$t" = fuzz-request ] && args+=(-max_len=81920)
  echo "run-fuzzers.sh: $t for $SECS s"
  rc=0
  "$BUILD/$t" "${args[@]}" "$work" "$seeds" > "$BUILD/$t.log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$BUILD/$t.log" | tail -1)
  found=$(find "$work" -type f | wc -l)
  nseeds=$(find "$seeds" -type f | wc -l)
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "run-fuzzers.sh: $t FAILED (exit $rc); last lines of $BUILD/$t.log:"
    grep -v '^#' "$BUILD/$t.log" | tail -60
  fi
  summary+=("$(printf '%-17s %-6s execs %-9s seeds %-4s corpus %s' "$t" \
    "$([ "$rc" -eq 0 ] && echo ok || echo FAIL)" "${execs:-?}" "$nseeds" "$found")")
done
printf 'run-fuzzers.sh: %s\n' "${summary[@]}"
echo "run-fuzzers.sh: total $(( $(date +%s) - t0 )) s"
exit "$status"
