#!/usr/bin/env bash
# ThreadSanitizer on the concurrency tests: the server (serve_test, limits_test: sessions on
# strands, the admission hook, rate-limiter shards), the prediction log's writer, pool and spool
# (store_integration_test, store_outage_test), metrics and the scheduler (ops_test), the rate
# limiter under concurrent clients (http_limits_test). Builds the `tsan` preset (build/tsan)
# with only these targets; non-zero on any data race. Not run by scripts/test.sh: the TSan build
# of the binary takes longer than CI's budget allows (docs/security.md).
#   scripts/tsan.sh [--jobs N]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=2
[ "${1:-}" = "--jobs" ] && jobs="$2"
targets=(attrition serve_test limits_test store_integration_test store_outage_test ops_test
         http_limits_test)
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target "${targets[@]}" -- -j"$jobs"
# halt_on_error: the first race fails the test that hit it; second_deadlock_stack for lock
# order reports. The binary under test inherits TSAN_OPTIONS.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
regex="^($(IFS='|'; echo "${targets[*]:1}"))\$"
ctest --test-dir build/tsan -R "$regex" --output-on-failure -j"$jobs"
