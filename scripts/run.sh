#!/usr/bin/env bash
# Quick start, run: install what serving needs, build Release, serve on 127.0.0.1:8000 with the
# embedded SQLite database (var/attrition.db, created if absent). Arguments are `attrition
# serve` flags (`attrition serve --help`) and win over the defaults here: a default is added
# only when neither its flag (`--port 8010`, `--port=8010`) nor its OC5_* variable is given.
#   bash scripts/run.sh --port 8010 --log-level debug
set -euo pipefail
cd "$(dirname "$0")/.."

# flag, value, environment variable
defaults=(
  --host 127.0.0.1 OC5_HOST
  --port 8000 OC5_PORT
)

given() {  # given FLAG ARGS...: whether FLAG is among ARGS, as `FLAG VALUE` or `FLAG=VALUE`
  local flag=$1 arg
  shift
  for arg in "$@"; do
    case "$arg" in
      --) return 1 ;;
      "$flag" | "$flag"=*) return 0 ;;
    esac
  done
  return 1
}

flags=()
for ((i = 0; i < ${#defaults[@]}; i += 3)); do
  flag=${defaults[i]} value=${defaults[i + 1]} env=${defaults[i + 2]}
  # An empty variable counts as unset, as for the binary (CLI11).
  if [ -z "${!env:-}" ] && ! given "$flag" "$@"; then
    flags+=("$flag" "$value")
  fi
done

# Only what serving needs: no PostgreSQL, browser or test library (scripts/test.sh adds them).
bash scripts/install-deps.sh --serve
cmake --preset serve >/dev/null
cmake --build --preset serve --target attrition
mkdir -p var
exec build/serve/src/attrition serve "${flags[@]}" "$@"
