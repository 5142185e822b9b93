#!/usr/bin/env bash
# Quick start, test: install what is missing, build with ASan+UBSan, check formatting, run the
# whole suite (unit, integration against a throwaway PostgreSQL 15 and pgbouncer in
# transaction mode, black-box HTTP tests against the real binary) with clang-tidy and a Release
# build of every target beside it, then the install test (scripts/install-test.sh), the
# concurrency tests under ThreadSanitizer (scripts/tsan.sh) and the fuzz targets for a bounded
# time (scripts/fuzz.sh). Non-zero on any failure. Each stage's wall time is printed at the end
# (on failure too), the side job's (clang-tidy, Release build) with it.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# ccache hits across checkouts (a new clone in another folder compiles nothing it compiled
# before): paths under the parent folder are hashed relative to the build folder, and the
# build folder itself is not hashed.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}"
export CCACHE_NOHASHDIR=true
stages=()
stage() {
  local name=$1 began
  shift
  began=$(date +%s)
  "$@"
  stages+=("$(printf '%-28s %5d s' "$name" $(( $(date +%s) - began )))")
}
report() {
  local line
  for line in "${stages[@]}"; do echo "test.sh: stage $line"; done
  echo "test.sh: $1 in $(( $(date +%s) - start )) s"
}
side_pid=""
finish() {
  local code=$?
  [ -z "$side_pid" ] || kill -- -"$side_pid" 2>/dev/null || true
  [ "$code" -eq 0 ] || report "FAILED (exit $code)"
}
trap finish EXIT
stage install-deps bash scripts/install-deps.sh
stage format bash scripts/check-format.sh
# Modules include and link only the layers below them (docs/architecture.md).
stage layers bash scripts/check-layers.sh
cmake --preset asan >/dev/null
# Two cores: one compile job per core; ccache keeps warm rebuilds short.
stage build-asan cmake --build --preset asan -- -j2
# Beside the suite, at the lowest priority (nice 19: it gets only the CPU the suite leaves
# idle while it waits on PostgreSQL, services and timeouts): clang-tidy on src/ (the checks of
# .clang-tidy, warnings are errors), then the Release build of every target with warnings as
# errors (the ci-release preset; users' release preset keeps them warnings). Its output goes to
# a file, printed when it fails.
cmake --preset ci-release >/dev/null
side_log=$(mktemp /tmp/attrition-test-side-XXXXXX)
# Its own process group (setsid), so that a failing suite stops all of it.
setsid nice -n 19 bash -c 'began=$(date +%s)
  bash scripts/clang-tidy.sh --jobs 2 && tidied=$(date +%s) &&
  cmake --build --preset ci-release -- -j2 &&
  echo "side: clang-tidy $(( tidied - began )) s, build-release $(( $(date +%s) - tidied )) s"' \
  >"$side_log" 2>&1 &
side_pid=$!
# Every test runs once: one that fails fails the run (a test that fails now and then is a
# defect to find, not to retry).
stage suite-asan ctest --preset asan -j2
waited=$(date +%s)
if ! wait "$side_pid"; then
  side_pid=""
  cat "$side_log" >&2
  echo "test.sh: clang-tidy or the Release build failed (above)" >&2
  exit 1
fi
side_pid=""
stages+=("$(printf '%-28s %5d s' "wait-side-job" $(( $(date +%s) - waited )))")
grep -E '^(clang-tidy.sh:|side:)' "$side_log"
rm -f "$side_log"
# The Release build's unit tests (seconds: what only -O3 would break), then the install test
# on that build: `cmake --install` into a temporary prefix and the .deb extracted with
# dpkg-deb, each started from another folder.
stage unit-release ctest --preset ci-release -L unit
stage install-test bash scripts/install-test.sh --build-dir build/ci-release --jobs 2
# ThreadSanitizer on the concurrency tests (server, log writer, pool, spool, rate limiter,
# metrics, scheduler): its own build of those targets; fails on any test failure or report.
stage tsan bash scripts/tsan.sh
# libFuzzer targets (clang++ build of the few sources they need), 50 s each, two at a time:
# fails on a crash.
stage fuzz bash scripts/fuzz.sh --seconds 50 --jobs 2
report done
