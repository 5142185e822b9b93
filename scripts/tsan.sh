#!/usr/bin/env bash
# ThreadSanitizer on the concurrency tests: the server (serve_test, limits_test, hardening_test:
# sessions on strands, the admission hook, rate-limiter shards, connection slots counted per
# client, graceful shutdown under load), the
# prediction log's writer, pool and spool (store_integration_test, store_outage_test, and the
# real binary under concurrent clients in log_load_test), metrics and the scheduler (ops_test),
# the rate limiter under concurrent clients (http_limits_test), model reloads swapping the
# repository under concurrent clients (model_reload_test). Builds the `tsan` preset
# (build/tsan) with only these targets. Every report of every process (test binaries and the
# services they start) goes to a file; the run fails if any test fails or any report exists.
# --build-only builds them and stops (scripts/test.sh builds them beside the ASan suite).
#   scripts/tsan.sh [--jobs N] [--build-only]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=2
build_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs="$2"; shift ;;
    --build-only) build_only=true ;;
    *) echo "tsan.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
tests=(serve_test limits_test hardening_test store_integration_test store_outage_test ops_test
       http_limits_test log_load_test model_reload_test)
# The e2e tests (serve, limits, hardening, log_load, model_reload) are all in e2e_tests.
targets=(attrition e2e_tests store_integration_test store_outage_test ops_test http_limits_test)
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target "${targets[@]}" -- -j"$jobs"
! "$build_only" || exit 0
reports=$(mktemp -d /tmp/attrition-tsan-XXXXXX)
# halt_on_error: the first race stops the process that hit it (its test then fails);
# second_deadlock_stack for lock-order reports. Child processes inherit TSAN_OPTIONS.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 log_path=$reports/report"
regex="^($(IFS='|'; echo "${tests[*]}"))\$"
status=0
ctest --test-dir build/tsan -R "$regex" --output-on-failure -j"$jobs" || status=$?
if compgen -G "$reports/report*" >/dev/null; then
  echo "tsan.sh: ThreadSanitizer reports:" >&2
  cat "$reports"/report* >&2
  status=1
fi
rm -rf "$reports"
[ "$status" -eq 0 ] && echo "tsan.sh: no data race reported"
exit "$status"
