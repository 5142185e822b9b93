#!/usr/bin/env bash
# Quick start, test: install what is missing, build with ASan+UBSan, check formatting, run the
# whole suite (unit, integration against a throwaway PostgreSQL 15 and pgbouncer in
# transaction mode, black-box HTTP tests against the real binary), then a Release build of
# every target with the install test (scripts/install-test.sh), the concurrency tests under
# ThreadSanitizer (scripts/tsan.sh) and the fuzz targets for a bounded time
# (scripts/fuzz.sh). Non-zero on any failure.
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
# A test that fails is run once more (the machine has 2 cores shared by the
# PostgreSQL clusters, the services and chromium); one that fails twice fails the run. The
# ctest summary above says which tests needed the second run.
ctest --preset asan -j2 --repeat until-pass:2
# Release, every target, warnings as errors (the ci-release preset; users' release preset
# keeps them warnings), its unit tests (seconds: what only -O3 would break), then the install
# test on that build: `cmake --install` into a temporary prefix and the .deb extracted with
# dpkg-deb, each started from another folder.
cmake --preset ci-release >/dev/null
cmake --build --preset ci-release -- -j2
ctest --preset ci-release -L unit
bash scripts/install-test.sh --build-dir build/ci-release --jobs 2
# ThreadSanitizer on the concurrency tests (server, log writer, pool, spool, rate limiter,
# metrics, scheduler): its own build of those targets; fails on any test failure or report.
bash scripts/tsan.sh
# libFuzzer targets (clang++ build of the few sources they need), 50 s each: fails on a crash.
bash scripts/fuzz.sh --seconds 50
echo "test.sh: done in $(( $(date +%s) - start )) s"
