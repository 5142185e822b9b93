#!/usr/bin/env bash
# clang-tidy (clang-tidy-14, the checks of .clang-tidy, warnings are errors) on every source
# file of src/, with the compile commands of a configured build (the asan preset's by
# default: scripts/test.sh configures it first). Runs N files at a time; fails naming each
# file with a finding, whose findings are printed.
#   scripts/clang-tidy.sh [--build-dir build/asan] [--jobs 2] [file...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build/asan
jobs=2
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    -*) echo "clang-tidy.sh: unknown option $1" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
[ -f "$build_dir/compile_commands.json" ] || {
  echo "clang-tidy.sh: no $build_dir/compile_commands.json (cmake --preset asan first)" >&2
  exit 2
}
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(git ls-files 'src/*.cpp')
start=$(date +%s)
out=$(mktemp -d /tmp/attrition-tidy-XXXXXX)
trap 'rm -rf "$out"' EXIT
# Boost 1.74's Asio detects coroutine support from the compiler's feature macros, which clang
# 14 with libstdc++ 12 does not set; the build (g++) needs none of this.
extra=(--extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1
       --extra-arg=-Wno-unknown-warning-option)
export build_dir out
printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -I{} sh -c \
    'clang-tidy-14 --quiet -p "$build_dir" "$@" "{}" >"$out/$(echo "{}" | tr / _).log" 2>&1 ||
     echo "{}" >>"$out/failed"' sh "${extra[@]}"
if [ -f "$out/failed" ]; then
  while read -r file; do
    echo "clang-tidy.sh: findings in $file:" >&2
    cat "$out/$(echo "$file" | tr / _).log" >&2
  done <"$out/failed"
  echo "clang-tidy.sh: $(wc -l <"$out/failed") of ${#files[@]} files have findings" >&2
  exit 1
fi
echo "clang-tidy.sh: ${#files[@]} files clean in $(( $(date +%s) - start )) s"
