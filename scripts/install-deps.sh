#!/usr/bin/env bash
# The one place that lists what the project needs from Debian 12. Idempotent: installs only
# what is missing, runs `apt-get update` once per call when something is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config clang-format git
  # fuzzing (scripts/fuzz.sh): clang++ with libFuzzer and the sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # libraries
  libboost-dev libboost-system-dev libxgboost-dev libpq-dev libsqlite3-dev libssl-dev
  libsimdjson-dev nlohmann-json3-dev libexpected-dev libspdlog-dev libfmt-dev libcli11-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev postgresql-15 pgbouncer wrk curl procps
  # the replicas test (tests/e2e/replicas_test.cpp): three services behind a load balancer
  haproxy
  # browser tests (tests/browser): driven by playwright-core from web/node_modules
  chromium
  # operations: promtool checks deploy/prometheus/ rules and the /metrics exposition
  prometheus
)

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
# with them playwright-core, which drives chromium in the browser tests.
web_dir="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ ! -f "$web_dir/node_modules/.package-lock.json" ] ||
   ! cmp -s "$web_dir/package-lock.json" "$web_dir/node_modules/.package-lock.json.src" 2>/dev/null; then
  echo "install-deps: npm ci in web/"
  npm ci --prefix "$web_dir" --no-audit --no-fund --ignore-scripts --loglevel=error
  cp "$web_dir/package-lock.json" "$web_dir/node_modules/.package-lock.json.src"
fi
