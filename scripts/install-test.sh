#!/usr/bin/env bash
# Install test (CI: scripts/test.sh): the installed binary and the .deb's binary each find
# their model and web assets without flags when started from another folder.
#   1. `cmake --install BUILD --prefix TMP/prefix`: checks the layout (bin/, share/attrition/
#      model and web with exactly the served vendor files, the systemd unit), then starts
#      TMP/prefix/bin/attrition from an empty folder with no OC5_* variable;
#   2. `cpack -G DEB` of the same build into TMP: checks its control fields (Depends, the
#      maintainer scripts), extracts it with `dpkg-deb -x` (nothing is installed
#      system-wide), checks its contents, the unit (`systemd-analyze verify`) and its user
#      (`systemd-sysusers --root`, a scratch root), and starts its usr/bin/attrition the
#      same way.
# Each start: `serve --database-url none --port 0 --host 127.0.0.1`; GET /health must say
# "healthy" with the model loaded, GET /docs be 200 text/html, its assets 200; SIGTERM must
# stop it with exit code 0. Every wait is bounded; processes and TMP are removed on exit.
#   scripts/install-test.sh [--build-dir build/ci-release] [--jobs 2]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build_dir=build/ci-release
jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    *) echo "install-test: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -f "$build_dir/CMakeCache.txt" ] || {
  echo "install-test: $build_dir is not a configured build (cmake --preset ci-release)" >&2
  exit 2
}
build_dir=$(cd "$build_dir" && pwd)
start=$(date +%s)

tmp=$(cd "$(mktemp -d /tmp/attrition-install-test-XXXXXX)" && pwd -P)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

running() {  # running PID: alive and not a zombie
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ "$state" != Z* ]]
}

fail() {
  echo "install-test: FAIL: $*" >&2
  exit 1
}

# The files a prefix must hold, relative to it; and nothing else under web/node_modules.
expected=(
  bin/attrition
  share/attrition/model/xgb_enhanced_v2.0/booster.json
  share/attrition/model/xgb_enhanced_v2.0/metadata.json
  share/attrition/model/xgb_enhanced_v2.1/booster.json
  share/attrition/model/xgb_enhanced_v2.1/metadata.json
  share/attrition/model/serving.json
  share/attrition/web/index.html
  share/attrition/web/docs.html
  share/attrition/web/redoc.html
  share/attrition/web/playground.html
  share/attrition/web/monitoring.html
  share/attrition/web/static/site.css
  share/attrition/web/node_modules/swagger-ui-dist/swagger-ui.css
  share/attrition/web/node_modules/swagger-ui-dist/swagger-ui-bundle.js
  share/attrition/web/node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js
  share/attrition/web/node_modules/swagger-ui-dist/favicon-32x32.png
  share/attrition/web/node_modules/redoc/bundles/redoc.standalone.js
  share/doc/attrition/LICENSE
  lib/systemd/system/attrition.service
  lib/sysusers.d/attrition.conf
)
check_layout() {  # check_layout PREFIX
  local prefix=$1 file
  for file in "${expected[@]}"; do
    [ -f "$prefix/$file" ] || fail "$prefix/$file is missing"
  done
  [ -x "$prefix/bin/attrition" ] || fail "$prefix/bin/attrition is not executable"
  local vendor
  vendor=$(cd "$prefix/share/attrition/web/node_modules" && find . -type f | wc -l)
  [ "$vendor" -eq 5 ] || fail "$prefix/share/attrition/web/node_modules holds $vendor files, not 5"
  cmp -s "$root/model/xgb_enhanced_v2.0/booster.json" \
    "$prefix/share/attrition/model/xgb_enhanced_v2.0/booster.json" ||
    fail "installed booster.json differs from model/xgb_enhanced_v2.0/booster.json"
  local page
  for page in "$root"/web/*.html "$root"/web/static/*; do
    cmp -s "$page" "$prefix/share/attrition/web/${page#"$root"/web/}" ||
      fail "installed ${page#"$root"/} differs from the source"
  done
}

# get URL: prints "STATUS CONTENT-TYPE"; the body is in $tmp/body.
get() {
  curl -sS --max-time 5 -o "$tmp/body" -w '%{http_code} %{content_type}' "$1"
}

smoke() {  # smoke LABEL BINARY: serve from an empty folder, probe, stop
  local label=$1 binary=$2
  local run_dir="$tmp/run-$label" log="$tmp/$label.log"
  mkdir -p "$run_dir"
  # No flag and no variable names a folder: the binary must find them itself. `env -i`
  # drops every OC5_* variable of the caller (and ASAN_OPTIONS and the like).
  (cd "$run_dir" && exec env -i PATH=/usr/bin:/bin HOME="$run_dir" "$binary" serve \
    --database-url none --host 127.0.0.1 --port 0 --threads 1) 2>"$log" &
  server_pid=$!
  local port="" waited=0
  while [ -z "$port" ]; do
    running "$server_pid" || { cat "$log" >&2; fail "$label: server exited at startup"; }
    [ "$waited" -lt 300 ] || { cat "$log" >&2; fail "$label: not listening after 30 s"; }
    port=$(sed -n 's/.*msg=listening host=[^ ]* port=\([0-9]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$port" ] || { sleep 0.1; waited=$((waited + 1)); }
  done
  # Found next to the binary, not in the (empty) working folder.
  local installed
  installed=$(cd "$(dirname "$binary")/../share/attrition" && pwd -P)
  grep -q "option=--model-dir dir=$installed/model" "$log" ||
    { cat "$log" >&2; fail "$label: the model was not taken from $installed/model"; }
  grep -q "option=--web-dir dir=$installed/web" "$log" ||
    { cat "$log" >&2; fail "$label: the web assets were not taken from $installed/web"; }
  local base="http://127.0.0.1:$port" head url
  head=$(get "$base/health") || { cat "$log" >&2; fail "$label: GET /health failed"; }
  [ "${head%% *}" = 200 ] || fail "$label: GET /health is $head"
  grep -q '"status":"healthy"' "$tmp/body" || fail "$label: not healthy: $(cat "$tmp/body")"
  grep -q '"model_loaded":true' "$tmp/body" || fail "$label: no model: $(cat "$tmp/body")"
  for url in /redoc / /docs; do
    head=$(get "$base$url") || fail "$label: GET $url failed"
    case "$head" in
      "200 text/html"*) ;;
      *) fail "$label: GET $url is '$head', not 200 text/html" ;;
    esac
  done
  grep -q 'swagger-ui-bundle.js' "$tmp/body" || fail "$label: /docs is not the Swagger UI page"
  # What /docs and /redoc load, from this server.
  for url in /static/vendor/swagger-ui/swagger-ui-bundle.js \
             /static/vendor/swagger-ui/swagger-ui.css /static/vendor/redoc/redoc.standalone.js \
             /static/docs.js /static/site.css; do
    head=$(get "$base$url") || fail "$label: GET $url failed"
    [ "${head%% *}" = 200 ] || fail "$label: GET $url is $head"
  done

  kill -TERM "$server_pid"
  local status=0
  waited=0
  while running "$server_pid" && [ "$waited" -lt 150 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if running "$server_pid"; then
    cat "$log" >&2
    fail "$label: still running 15 s after SIGTERM"
  fi
  wait "$server_pid" || status=$?
  server_pid=""
  [ "$status" -eq 0 ] || { cat "$log" >&2; fail "$label: exit code $status after SIGTERM"; }
  echo "install-test: $label: healthy, /docs renders, stopped cleanly (port $port)"
}

cmake --build "$build_dir" --target attrition -- -j"$jobs"

# 1. cmake --install into a prefix.
prefix="$tmp/prefix"
timeout 300 cmake --install "$build_dir" --prefix "$prefix" >"$tmp/install.log" ||
  { cat "$tmp/install.log" >&2; fail "cmake --install"; }
check_layout "$prefix"
smoke prefix "$prefix/bin/attrition"

# 2. The .deb, built into $tmp (the build folder keeps no package).
(cd "$tmp" &&
  timeout 600 cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$tmp/package") \
  >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB"; }
deb=$(find "$tmp/package" -maxdepth 1 -name 'attrition_*.deb' | head -n 1)
[ -n "$deb" ] || { cat "$tmp/cpack.log" >&2; fail "cpack made no attrition_*.deb"; }
depends=$(dpkg-deb -f "$deb" Depends)
for package in libc6 libstdc++6 libxgboost0 libpq5 libsqlite3-0; do
  grep -q "\b$package\b" <<<"$depends" || fail "Depends lacks $package: $depends"
done
dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
  [ -x "$tmp/control/$script" ] || fail "the .deb has no executable $script"
done
dpkg-deb -x "$deb" "$tmp/deb"
check_layout "$tmp/deb/usr"
# The unit as systemd reads it (unknown keys, bad values), its ExecStart pointed at the
# extracted binary, which is not installed at /usr/bin.
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$tmp/unit"
  sed "s|^ExecStart=/usr/bin/attrition |ExecStart=$tmp/deb/usr/bin/attrition |" \
    "$tmp/deb/usr/lib/systemd/system/attrition.service" >"$tmp/unit/attrition.service"
  grep -q "^ExecStart=$tmp/deb/usr/bin/attrition serve" "$tmp/unit/attrition.service" ||
    fail "attrition.service has no ExecStart=/usr/bin/attrition serve"
  verify=$(systemd-analyze verify "$tmp/unit/attrition.service" 2>&1) ||
    fail "systemd-analyze verify: $verify"
  [ -z "$verify" ] || fail "systemd-analyze verify attrition.service: $verify"
else
  echo "install-test: no systemd-analyze: attrition.service not verified"
fi
# The user the unit runs as, as postinst creates it, in a scratch root instead of this machine.
if command -v systemd-sysusers >/dev/null 2>&1; then
  mkdir -p "$tmp/sysroot/etc"
  systemd-sysusers --root="$tmp/sysroot" "$tmp/deb/usr/lib/sysusers.d/attrition.conf" \
    >"$tmp/sysusers.log" 2>&1 || { cat "$tmp/sysusers.log" >&2; fail "systemd-sysusers"; }
  grep -q '^attrition:x:[0-9]*:[0-9]*:.*:/var/lib/attrition:/usr/sbin/nologin$' \
    "$tmp/sysroot/etc/passwd" || fail "attrition.conf does not declare the user attrition"
fi
smoke deb "$tmp/deb/usr/bin/attrition"

echo "install-test: $(basename "$deb") (Depends: $depends)"
echo "install-test: passed in $(($(date +%s) - start)) s"
