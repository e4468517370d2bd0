# clean-source.sh: sourced by tests/sanitize.sh and tests/fuzz/run-fuzzers.sh.
# An in-tree configured source (./bootstrap.sh, as CI does) cannot also be
# configured out of tree -- automake refuses -- so those builds use a clean
# copy of the checkout's tracked files (edits included, new untracked files
# not).  Needs SRCDIR and a die() function from the caller.

clean_source() {  # COPY_DIR: sets SRCDIR
  local copy=$1
  [ -f "$SRCDIR/config.status" ] || return 0
  git -C "$SRCDIR" rev-parse --git-dir >/dev/null 2>&1 \
    || die "$SRCDIR is configured in tree and not a git checkout; run 'make distclean' there first"
  rm -rf "$copy"
  mkdir -p "$copy"
  git -C "$SRCDIR" ls-files -z \
    | tar -C "$SRCDIR" --null --ignore-failed-read -T - -cf - | tar -C "$copy" -xf -
  (cd "$copy" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf in the copy $copy failed"
  SRCDIR=$copy
}
