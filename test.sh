#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite:
#   1. unit tests and fuzz-corpus replays (make check)
#   2. the same under ASan+UBSan, in a scratch copy of the tree; every fuzz
#      target under libFuzzer for FUZZ_SECONDS (10) each; make distcheck
#   3. the interop suites in tests/interop/ (real peers, real sockets)
# The last line is "N passed, N failed, N skipped".
# Options: --quick skips the sanitizer build and distcheck; --only PATTERN runs only the
# interop suites whose file name matches PATTERN (and skips 1 and 2).
set -uo pipefail
cd "$(dirname "$0")"
top=$PWD

quick=0 only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --only) only="$2"; shift ;;
    *) echo "usage: ./test.sh [--quick] [--only PATTERN]" >&2; exit 2 ;;
  esac
  shift
done

scripts/deps.sh test || exit 1
scripts/build.sh || exit 1
# The Node side of the interop suites (playwright-core drives Debian's Chromium).
if [ ! -d tests/interop/node_modules/playwright-core ]; then
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
export ARTIFACTS=$top/test-artifacts

passed=0 failed=0 skipped=0
mkdir -p test-artifacts

# Adds the automake test-suite summary of a `make check` run in $1.
make_check() {
  local dir=$1 label=$2 log
  log=$(mktemp)
  echo "== $label"
  (cd "$dir" && make -j"$(nproc)" check >"$log" 2>&1)
  local rc=$?
  grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$log" | grep -v '^PASS' | sed 's/^/   /'
  local p f e x s
  p=$(awk '/^# PASS:/{print $3}' "$log" | tail -1); f=$(awk '/^# FAIL:/{print $3}' "$log" | tail -1)
  e=$(awk '/^# ERROR:/{print $3}' "$log" | tail -1); x=$(awk '/^# XPASS:/{print $3}' "$log" | tail -1)
  s=$(awk '/^# SKIP:/{print $3}' "$log" | tail -1)
  if [ -z "$p" ]; then
    echo "   $label did not run to its summary (exit $rc):"; tail -30 "$log" | sed 's/^/   /'
    failed=$((failed + 1))
  else
    echo "   $p passed, $((f + e + x)) failed, $s skipped"
    passed=$((passed + p)); failed=$((failed + f + e + x)); skipped=$((skipped + s))
    [ "$rc" -ne 0 ] && [ $((f + e + x)) -eq 0 ] && { echo "   make check exited $rc"; failed=$((failed + 1)); }
  fi
  cp "$log" "test-artifacts/$(echo "$label" | tr ' /' '__').log"
  [ -f "$dir/test-suite.log" ] && cp "$dir/test-suite.log" "test-artifacts/$(echo "$label" | tr ' /' '__').test-suite.log"
  rm -f "$log"
}

if [ -z "$only" ]; then
  make_check "$top" "unit tests and fuzz corpus replay"

  if [ $quick -eq 0 ]; then
    # A scratch copy of the tracked files, built with ASan+UBSan.
    san=$(mktemp -d /tmp/rtc2sip-san.XXXXXX)
    git ls-files -z | xargs -0 cp --parents -t "$san" 2>/dev/null
    if (cd "$san" && ./autogen.sh >/dev/null 2>&1 && \
        ./configure --enable-sanitizers --enable-werror >/dev/null && \
        make -j"$(nproc)" >/dev/null 2>"$san/build-errors.log"); then
      make_check "$san" "unit tests under ASan+UBSan"
    else
      echo "== sanitizer build failed:"; tail -20 "$san/build-errors.log"; failed=$((failed + 1))
    fi
    rm -rf "$san"

    # Every fuzz target under libFuzzer for a bounded time (clang).
    if command -v clang >/dev/null; then
      fz=$(mktemp -d /tmp/rtc2sip-fuzz.XXXXXX)
      git ls-files -z | xargs -0 cp --parents -t "$fz" 2>/dev/null
      echo "== fuzz targets (libFuzzer, ${FUZZ_SECONDS:-10} s each)"
      if (cd "$fz" && ./autogen.sh >/dev/null 2>&1 && CC=clang ./configure --enable-fuzzing >/dev/null && \
          make -j"$(nproc)" >/dev/null 2>"$fz/build-errors.log"); then
        for t in $(cd "$fz" && make -s -f Makefile print-fuzz-targets 2>/dev/null); do
          mkdir -p "$fz/work/$t"
          if (cd "$fz" && timeout $(( ${FUZZ_SECONDS:-10} + 60 )) ./tests/fuzz/fuzz_$t -max_total_time=${FUZZ_SECONDS:-10} \
                -rss_limit_mb=2048 -print_final_stats=1 "work/$t" "tests/fuzz/corpus/$t" \
                >"$top/test-artifacts/fuzz-$t.log" 2>&1); then
            runs=$(awk '/stat::number_of_executed_units/{print $2}' "$top/test-artifacts/fuzz-$t.log")
            echo "   ok   $t ($runs runs)"; passed=$((passed + 1))
          else
            echo "   FAIL $t:"; tail -30 "$top/test-artifacts/fuzz-$t.log" | sed 's/^/   | /'; failed=$((failed + 1))
          fi
        done
      else
        echo "   fuzz build failed:"; tail -20 "$fz/build-errors.log"; failed=$((failed + 1))
      fi
      rm -rf "$fz"
    fi

    # The release tarball builds and passes its tests on its own.
    echo "== make distcheck"
    if make distcheck >test-artifacts/distcheck.log 2>&1; then
      echo "   1 passed"; passed=$((passed + 1))
    else
      echo "   failed:"; tail -20 test-artifacts/distcheck.log | sed 's/^/   /'; failed=$((failed + 1))
    fi
  fi
fi

# Interop suites: executables printing TAP ("ok N - …", "not ok N - …",
# "ok N # SKIP why"). A suite that exits non-zero without a failed test
# counts as one failure.
# Gateway logs and admin answers of this run only (99-secret-scan.py reads them).
rm -rf test-artifacts/gateway-logs test-artifacts/admin-responses
for t in tests/interop/[0-9]*; do
  [ -x "$t" ] || continue
  [ -n "$only" ] && [[ "$t" != *$only* ]] && continue
  name=$(basename "$t")
  echo "== interop $name"
  out="test-artifacts/interop-$name.log"
  timeout 600 "$t" >"$out" 2>&1
  rc=$?
  p=$(grep -cE '^ok [0-9]+' "$out" | head -1); s=$(grep -cE '^ok [0-9]+.*# SKIP' "$out")
  f=$(grep -cE '^not ok [0-9]+' "$out")
  p=$((p - s))
  grep -E '^(not ok|ok [0-9]+.*# SKIP)' "$out" | sed 's/^/   /'
  echo "   $p passed, $f failed, $s skipped"
  if [ $f -gt 0 ] || [ $rc -ne 0 ]; then
    tail -40 "$out" | sed 's/^/   | /'
  fi
  if [ $rc -ne 0 ] && [ $f -eq 0 ]; then echo "   $name exited with status $rc"; f=1; fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
