#!/usr/bin/env bash
# clang-tidy (clang-tidy-14, the checks of .clang-tidy, warnings are errors) on every source
# file of src/, with the compile commands of a configured build (the asan preset's by
# default: scripts/test.sh configures it first). Runs N translation units at a time; fails
# naming each one with a finding, whose findings are printed. Clean verdicts are cached (see
# below).
#   scripts/clang-tidy.sh [--build-dir build/asan] [--jobs 2] [file...]
#
# With unity builds (cmake/Unity.cmake) a source file is compiled inside its batch's generated
# file: clang-tidy checks the batch, once, and reports what it finds in each of its files
# (HeaderFilterRegex: src/). Checked a file at a time, every check went over the system headers
# (Beast, Asio, nlohmann) again for each file: 671 s of 2 cores against 181 s by batch. One check,
# misc-unused-using-decls, looks only at the main file of a translation unit; it runs on its own
# on each file holding a using-declaration, with its batch's compile command.
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
root=$(pwd)
out=$(mktemp -d /tmp/attrition-tidy-XXXXXX)
trap 'rm -rf "$out"' EXIT
# Units: each file compiled on its own, or else the unity batch including it; and, for the
# main-file check, each file of a batch that holds a using-declaration, with the batch's
# command (a compile database of their own, $out/db).
units=()
using_files=()
pairs=()  # "batch<TAB>file", absolute paths, for the derived database
declare -A compiled=()
while IFS= read -r compiled_file; do compiled[$compiled_file]=1; done \
  < <(jq -r '.[].file' "$build_dir/compile_commands.json")
for file in "${files[@]}"; do
  if [ -n "${compiled[$root/$file]:-}" ]; then
    units+=("$file")
    continue
  fi
  batch=$(grep -lF "#include \"$file\"" "$build_dir"/unity/*.cpp 2>/dev/null | head -1 || true)
  [ -n "$batch" ] || { echo "clang-tidy.sh: $file is in no compile command of $build_dir" >&2; exit 2; }
  units+=("${batch#"$root/"}")
  if grep -qE '\busing\s+(typename\s+)?[A-Za-z_:]*::' "$file"; then
    using_files+=("$file")
    pairs+=("$(cd "$(dirname "$batch")" && pwd)/$(basename "$batch")"$'\t'"$root/$file")
  fi
done
# One jq pass: each such file gets its batch's command, the batch's path replaced by its own.
printf '%s\n' "${pairs[@]}" | jq -R -s --slurpfile db "$build_dir/compile_commands.json" '
  [split("\n")[] | select(length > 0) | split("\t") as [$b, $f]
   | $db[0][] | select(.file == $b) | .command |= (split($b) | join($f)) | .file = $f]' \
  >"$out/db.json"
mapfile -t units < <(printf '%s\n' "${units[@]}" | sort -u)
mkdir -p "$out/db" && mv "$out/db.json" "$out/db/compile_commands.json"
# Boost 1.74's Asio detects coroutine support from the compiler's feature macros, which clang
# 14 with libstdc++ 12 does not set; the build (g++) needs none of this.
extra=(--extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1
       --extra-arg=-Wno-unknown-warning-option)
# A file found clean is not checked again while nothing its verdict depends on has changed:
# the key hashes the clang-tidy version, .clang-tidy, these arguments, the compile commands
# (checkout folder left out), every file of src/ (the file and any project header it includes)
# and the installed Debian packages (the system headers), then the unit's path and checks. Findings are
# never cached. A second checkout of the same commit (CI warm) checks nothing again.
cache="${ATTRITION_TIDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/attrition-clang-tidy}"
mkdir -p "$cache"
inputs=$( {
  clang-tidy-14 --version
  cat .clang-tidy
  echo "${extra[*]}"
  sed "s|$root||g" "$build_dir/compile_commands.json"
  find src -type f -print0 | sort -z | xargs -0 sha256sum
  dpkg-query -W -f='${Package}=${Version}\n'
} | sha256sum | cut -d' ' -f1)
tidy_extra="${extra[*]}"
export build_dir out cache inputs root tidy_extra
# Each job: "<compile database folder> <checks or -> <path>".
{
  for unit in "${units[@]}"; do echo "$build_dir - $unit"; done
  for file in "${using_files[@]}"; do echo "$out/db -*,misc-unused-using-decls $file"; done
} | xargs -P "$jobs" -L 1 bash -c \
    'db=$1 checks=$2 unit=$3
     key=$(echo "$inputs $checks $unit" | sha256sum | cut -d" " -f1)
     if [ -f "$cache/$key" ]; then echo "$unit" >>"$out/cached"; exit 0; fi
     # shellcheck disable=SC2086 # the extra arguments hold no blanks
     set -- $tidy_extra
     [ "$checks" = - ] || set -- "$@" "--checks=$checks"
     log="$out/$(echo "$checks $unit" | tr "/ *," "____").log"
     case $unit in /*) path=$unit ;; *) path=$root/$unit ;; esac
     if clang-tidy-14 --quiet -p "$db" "$@" "$path" >"$log" 2>&1
     then touch "$cache/$key"; else echo "$log" >>"$out/failed"; fi' bash
if [ -f "$out/failed" ]; then
  while read -r log; do
    echo "clang-tidy.sh: findings ($(basename "$log" .log)):" >&2
    cat "$log" >&2
  done <"$out/failed"
  echo "clang-tidy.sh: $(wc -l <"$out/failed") runs have findings (${#files[@]} files)" >&2
  exit 1
fi
cached=0
[ -f "$out/cached" ] && cached=$(wc -l <"$out/cached")
# The verdicts of other source trees are dropped once a month.
find "$cache" -type f -mtime +30 -delete 2>/dev/null || true
echo "clang-tidy.sh: ${#files[@]} files clean in $(( $(date +%s) - start )) s (${#units[@]}" \
  "translation units and ${#using_files[@]} files for misc-unused-using-decls; $cached of the" \
  "runs unchanged since a clean check: $cache)"
