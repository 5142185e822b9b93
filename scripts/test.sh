#!/usr/bin/env bash
# Quick start, test: install what is missing, build with ASan+UBSan, check formatting, run the
# whole suite (unit, integration against a throwaway PostgreSQL 15 and pgbouncer in
# transaction mode, black-box HTTP tests against the real binary) with clang-tidy and a Release
# build of every target beside it, then the install test (scripts/install-test.sh), the
# concurrency tests under ThreadSanitizer (scripts/tsan.sh) and the fuzz targets for a bounded
# time (scripts/fuzz.sh). Non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/install-deps.sh
bash scripts/check-format.sh
# Modules include and link only the layers below them (docs/architecture.md).
bash scripts/check-layers.sh
cmake --preset asan >/dev/null
# Two cores: one compile job per core; ccache keeps warm rebuilds short.
cmake --build --preset asan -- -j2
# Beside the suite, at the lowest priority (nice 19: it gets only the CPU the suite leaves
# idle while it waits on PostgreSQL, services and timeouts): clang-tidy on src/ (the checks of
# .clang-tidy, warnings are errors), then the Release build of every target with warnings as
# errors (the ci-release preset; users' release preset keeps them warnings). Its output goes to
# a file, printed when it fails.
cmake --preset ci-release >/dev/null
side_log=$(mktemp /tmp/attrition-test-side-XXXXXX)
# Its own process group (setsid), so that a failing suite stops all of it.
setsid nice -n 19 bash -c 'bash scripts/clang-tidy.sh --jobs 2 &&
  cmake --build --preset ci-release -- -j2' >"$side_log" 2>&1 &
side_pid=$!
trap 'kill -- -"$side_pid" 2>/dev/null || true' EXIT
# A test that fails is run once more (the machine has 2 cores shared by the
# PostgreSQL clusters, the services and chromium); one that fails twice fails the run. The
# ctest summary above says which tests needed the second run.
ctest --preset asan -j2 --repeat until-pass:2
if ! wait "$side_pid"; then
  cat "$side_log" >&2
  echo "test.sh: clang-tidy or the Release build failed (above)" >&2
  exit 1
fi
grep -E '^clang-tidy.sh:' "$side_log"
trap - EXIT
rm -f "$side_log"
# The Release build's unit tests (seconds: what only -O3 would break), then the install test
# on that build: `cmake --install` into a temporary prefix and the .deb extracted with
# dpkg-deb, each started from another folder.
ctest --preset ci-release -L unit
bash scripts/install-test.sh --build-dir build/ci-release --jobs 2
# ThreadSanitizer on the concurrency tests (server, log writer, pool, spool, rate limiter,
# metrics, scheduler): its own build of those targets; fails on any test failure or report.
bash scripts/tsan.sh
# libFuzzer targets (clang++ build of the few sources they need), 50 s each: fails on a crash.
bash scripts/fuzz.sh --seconds 50
echo "test.sh: done in $(( $(date +%s) - start )) s"
