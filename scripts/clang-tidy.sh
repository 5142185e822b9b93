#!/usr/bin/env bash
# clang-tidy (clang-tidy-14, the checks of .clang-tidy, warnings are errors) on every source
# file of src/, with the compile commands of a configured build (the asan preset's by
# default: scripts/test.sh configures it first). Runs N files at a time; fails naming each
# file with a finding, whose findings are printed. Clean verdicts are cached (see below).
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
# A file found clean is not checked again while nothing its verdict depends on has changed:
# the key hashes the clang-tidy version, .clang-tidy, these arguments, the compile commands
# (checkout folder left out), every file of src/ (the file and any project header it includes)
# and the installed Debian packages (the system headers), then the file's path. Findings are
# never cached. A second checkout of the same commit (CI warm) checks nothing again.
cache="${ATTRITION_TIDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/attrition-clang-tidy}"
mkdir -p "$cache"
root=$(pwd)
inputs=$( {
  clang-tidy-14 --version
  cat .clang-tidy
  echo "${extra[*]}"
  sed "s|$root||g" "$build_dir/compile_commands.json"
  find src -type f -print0 | sort -z | xargs -0 sha256sum
  dpkg-query -W -f='${Package}=${Version}\n'
} | sha256sum | cut -d' ' -f1)
export build_dir out cache inputs
printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -I{} sh -c \
    'key=$(echo "$inputs {}" | sha256sum | cut -d" " -f1)
     if [ -f "$cache/$key" ]; then echo "{}" >>"$out/cached"; exit 0; fi
     if clang-tidy-14 --quiet -p "$build_dir" "$@" "{}" >"$out/$(echo "{}" | tr / _).log" 2>&1
     then touch "$cache/$key"; else echo "{}" >>"$out/failed"; fi' sh "${extra[@]}"
if [ -f "$out/failed" ]; then
  while read -r file; do
    echo "clang-tidy.sh: findings in $file:" >&2
    cat "$out/$(echo "$file" | tr / _).log" >&2
  done <"$out/failed"
  echo "clang-tidy.sh: $(wc -l <"$out/failed") of ${#files[@]} files have findings" >&2
  exit 1
fi
cached=0
[ -f "$out/cached" ] && cached=$(wc -l <"$out/cached")
# The verdicts of other source trees are dropped once a month.
find "$cache" -type f -mtime +30 -delete 2>/dev/null || true
echo "clang-tidy.sh: ${#files[@]} files clean in $(( $(date +%s) - start )) s ($cached of them" \
  "unchanged since a clean check: $cache)"
