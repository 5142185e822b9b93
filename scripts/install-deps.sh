#!/usr/bin/env bash
# The one place that lists what the project needs from Debian 12. Idempotent: installs only
# what is missing, runs `apt-get update` once per call when something is missing.
#   scripts/install-deps.sh           everything: build, serve, and test (scripts/test.sh)
#   scripts/install-deps.sh --serve   what building and serving need (scripts/run.sh, the image)
#   scripts/install-deps.sh [--serve] --list   print the Debian packages, install nothing
set -euo pipefail

mode=all
list=false
for arg in "$@"; do
  case "$arg" in
    --serve) mode=serve ;;
    --list) list=true ;;
    *) echo "install-deps: unknown argument $arg (--serve, --list)" >&2; exit 2 ;;
  esac
done

# Building and serving (scripts/run.sh: the `serve` preset, no tests, no benchmarks).
packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config
  # libraries
  libboost-dev libboost-system-dev libxgboost-dev libpq-dev libsqlite3-dev libssl-dev
  libsimdjson-dev nlohmann-json3-dev libexpected-dev libspdlog-dev libfmt-dev libcli11-dev
)
# Testing (scripts/test.sh) and benchmarking, on top.
if [ "$mode" = all ]; then
  packages+=(
    # formatting, the layer and duplicate checks
    clang-format git
    # fuzzing (scripts/fuzz.sh) and clang-tidy: clang++ with libFuzzer and the sanitizer runtimes
    clang-14 libclang-rt-14-dev
    # tests and benchmarks
    libgtest-dev libgmock-dev libbenchmark-dev postgresql-15 pgbouncer wrk curl procps
    # the replicas test (tests/e2e/replicas_test.cpp): three services behind a load balancer
    haproxy
    # the doc test (tests/docs): the README's and the docs' commands use curl and jq
    jq
    # browser tests (tests/browser): driven by playwright-core from web/node_modules
    chromium
    # operations: promtool checks deploy/prometheus/ rules and the /metrics exposition
    prometheus
  )
fi
if $list; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js and npm fetch the browser assets from the npm registry. A machine may already have
# them from another source (which bundles npm): only ask Debian when there is no npm at all.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all Debian packages present"
else
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Browser assets (Swagger UI, ReDoc), pinned by web/package-lock.json, served by the binary;
# for the tests also playwright-core (drives chromium), axe-core, Prism and Redocly (contract
# tests): npm's dev dependencies, left out for serving. A marker remembers what was installed
# from which lock file, so that a test run after a quick start adds the dev dependencies.
web_dir="$(cd "$(dirname "$0")/.." && pwd)/web"
marker="$web_dir/node_modules/.attrition-installed"
lock=$(sha256sum "$web_dir/package-lock.json" | cut -d' ' -f1)
installed=$(cat "$marker" 2>/dev/null || true)
if [ "$installed" != "all $lock" ] && { [ "$mode" = all ] || [ "$installed" != "serve $lock" ]; }; then
  omit=()
  [ "$mode" = serve ] && omit=(--omit=dev)
  echo "install-deps: npm ci ${omit[*]} in web/"
  npm ci --prefix "$web_dir" "${omit[@]}" --no-audit --no-fund --ignore-scripts --loglevel=error
  echo "$mode $lock" > "$marker"
fi
