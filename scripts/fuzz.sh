#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang++ with -fsanitize=fuzzer,address,
# undefined) and runs each for a bounded time from its seed corpus tests/fuzz/corpus/<target>/,
# --jobs at a time (each target on one core: the same seconds per target, half the wall time).
# New inputs a run finds go to <build>/fuzz-corpus/<target>/ (the repository's seeds are only
# read); a crashing input is written to <build>/fuzz-artifacts/. Non-zero when any target
# crashes, leaks, times out or breaks one of its checks.
# --build-only builds them and stops (scripts/test.sh builds them beside the ASan suite).
#   scripts/fuzz.sh [--seconds N] [--build-dir DIR] [--jobs N] [--build-only] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
build_dir=build/fuzz
jobs=2
build_only=false
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift ;;
    --build-dir) build_dir="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --build-only) build_only=true ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] ||
  targets=(json_request_fuzz inference_request_fuzz outcomes_body_fuzz csv_reader_fuzz
           http_request_fuzz booster_loader_fuzz spool_decoder_fuzz)

cmake --preset fuzz -B "$build_dir" >/dev/null
cmake --build "$build_dir" --target "${targets[@]}" -- -j"$jobs"
! "$build_only" || exit 0

# One target for `seconds`; its verdict line goes to $results/<target> (the whole log stays in
# <build>/fuzz-<name>.log).
run_target() {
  local target=$1 name=${1%_fuzz}
  local corpus="$build_dir/fuzz-corpus/$name" artifacts="$build_dir/fuzz-artifacts"
  local log="$build_dir/fuzz-$name.log"
  mkdir -p "$corpus" "$artifacts"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a runaway allocation is a bug.
  if ! "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$name-" "$corpus" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
    {
      echo "fuzz.sh: $target FAILED; see $log and $artifacts"
      grep -E "ERROR|SUMMARY|Test unit written" "$log" || tail -30 "$log"
    } >"$results/$target.failed"
    return
  fi
  local runs cov
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  cov=$(grep -oE "DONE +cov: [0-9]+ ft: [0-9]+ corp: [0-9]+" "$log" | tail -1 | sed -E "s/DONE +//" || true)
  echo "fuzz.sh: $target ok: ${runs:-?} executions, ${cov:-no final stats}" >"$results/$target"
}

# `jobs` targets at a time, each on one core for its full `seconds`.
results=$(mktemp -d /tmp/attrition-fuzz-XXXXXX)
trap 'rm -rf "$results"' EXIT
echo "fuzz.sh: ${#targets[@]} targets, ${seconds} s each, $jobs at a time"
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$target" &
done
wait
status=0
for target in "${targets[@]}"; do
  if [ -f "$results/$target.failed" ]; then
    cat "$results/$target.failed" >&2
    status=1
  else
    cat "$results/$target"
  fi
done
exit $status
