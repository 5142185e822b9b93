#!/usr/bin/env bash
# The quick start's first command installs what building and serving need, and nothing the
# tests need (issue 30, item 8): `install-deps.sh --serve` lists no database server, browser,
# load balancer, Prometheus, clang or test library, and `--list` (the test command's) holds
# all of those and every serving package; the `serve` preset that scripts/run.sh builds
# configures with GoogleTest and Google Benchmark unfindable.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "quick_start_test: $*" >&2; exit 1; }

serve=$(bash "$root/scripts/install-deps.sh" --serve --list)
all=$(bash "$root/scripts/install-deps.sh" --list)
has() { grep -qx -- "$2" <<<"$1"; }
test_only=(postgresql-15 pgbouncer haproxy chromium prometheus clang-14 libgtest-dev
           libgmock-dev libbenchmark-dev wrk)
for p in "${test_only[@]}"; do
  has "$serve" "$p" && fail "--serve installs $p, which only the tests need"
  has "$all" "$p" || fail "the test command does not install $p"
done
for p in build-essential cmake ninja-build libxgboost-dev libpq-dev libsqlite3-dev; do
  has "$serve" "$p" || fail "--serve does not install $p, which building needs"
done
while read -r p; do
  has "$all" "$p" || fail "the test command does not install $p, which --serve does"
done <<<"$serve"
grep -q 'install-deps.sh --serve' "$root/scripts/run.sh" || fail "scripts/run.sh does not install with --serve"
grep -q -- '--preset serve' "$root/scripts/run.sh" || fail "scripts/run.sh does not build the serve preset"

build=$(mktemp -d /tmp/attrition-quick-start-XXXXXX)
trap 'rm -rf "$build"' EXIT
# The serve preset's cache variables, in a scratch folder: no test or benchmark library.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTRITION_WERROR=OFF \
  -DATTRITION_BUILD_TESTS=OFF -DATTRITION_BUILD_BENCH=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON >"$build/log" 2>&1 ||
  { cat "$build/log" >&2; fail "the serve configuration needs a test or benchmark library"; }
node - "$root/CMakePresets.json" <<'JS' || fail "the serve preset is not the configuration above"
const assert = require("assert");
const presets = Object.fromEntries(
  require(process.argv[2]).configurePresets.map((p) => [p.name, p]));
assert.equal(presets.serve.inherits, "release");
assert.deepEqual(presets.serve.cacheVariables,
                 { ATTRITION_BUILD_TESTS: "OFF", ATTRITION_BUILD_BENCH: "OFF" });
assert.deepEqual(presets.release.cacheVariables,
                 { CMAKE_BUILD_TYPE: "Release", ATTRITION_WERROR: "OFF" });
JS
echo "quick_start_test: ok"
