#!/usr/bin/env bash
# Quick start, test: install what is missing, build with ASan+UBSan, check formatting, run the
# whole suite (unit, integration against a throwaway PostgreSQL 15 and pgbouncer in
# transaction mode, black-box HTTP tests against the real binary) with clang-tidy, a Release
# build of every target, its unit tests, the install test (scripts/install-test.sh) and the
# ThreadSanitizer and fuzz builds beside it, then the concurrency tests under ThreadSanitizer
# (scripts/tsan.sh) and the fuzz targets for a bounded time (scripts/fuzz.sh). Non-zero on any
# failure. Each stage's wall time is printed at the end (on failure too), each of the side
# job's steps with it.
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
# idle while it waits on PostgreSQL, services and timeouts), the side job: clang-tidy on src/
# (the checks of .clang-tidy, warnings are errors); the Release build of every target with
# warnings as errors (the ci-release preset; users' release preset keeps them warnings), its
# unit tests (what only -O3 would break) and the install test on it (`cmake --install` into a
# temporary prefix and the .deb extracted with dpkg-deb, each started from another folder);
# then the ThreadSanitizer and fuzz builds, whose tests run after the suite. Its output goes to
# a file, printed when it fails; the time of each of its steps on its summary line.
side_job() {
  set -e
  local times="" last now
  last=$(date +%s)
  lap() { now=$(date +%s); times+=" $1 $(( now - last )) s,"; last=$now; }
  bash scripts/clang-tidy.sh --jobs 2; lap clang-tidy
  cmake --build --preset ci-release -- -j2; lap build-release
  ctest --preset ci-release -L unit; lap unit-release
  bash scripts/install-test.sh --build-dir build/ci-release --jobs 2; lap install-test
  bash scripts/tsan.sh --build-only; lap build-tsan
  bash scripts/fuzz.sh --build-only; lap build-fuzz
  echo "side:${times%,}"
}
export -f side_job
cmake --preset ci-release >/dev/null
side_log=$(mktemp /tmp/attrition-test-side-XXXXXX)
# Its own process group (setsid), so that a failing suite stops all of it.
setsid nice -n 19 bash -c side_job >"$side_log" 2>&1 &
side_pid=$!
# Every test runs once: one that fails fails the run (a test that fails now and then is a
# defect to find, not to retry). Three at a time on two cores: the tests wait on PostgreSQL,
# the services they start and their timeouts; at -j2 their own processes (PostgreSQL's not
# counted) used 342 of the 700 CPU-seconds of its 350 s. -j3: 296-305 s here, and 364 s in a
# fresh-clone CI run against 460-544 s at -j2.
stage suite-asan ctest --preset asan -j3
waited=$(date +%s)
if ! wait "$side_pid"; then
  side_pid=""
  cat "$side_log" >&2
  echo "test.sh: the side job failed (above)" >&2
  exit 1
fi
side_pid=""
stages+=("$(printf '%-28s %5d s' "wait-side-job" $(( $(date +%s) - waited )))")
grep -E '^(clang-tidy.sh:|install-test:|side:)' "$side_log"
rm -f "$side_log"
# ThreadSanitizer on the concurrency tests (server, log writer, pool, spool, rate limiter,
# metrics, scheduler): fails on any test failure or report.
stage tsan bash scripts/tsan.sh
# The libFuzzer targets, 50 s each, two at a time, each on a core of its own: fails on a crash.
stage fuzz bash scripts/fuzz.sh --seconds 50 --jobs 2
report done
