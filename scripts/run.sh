#!/usr/bin/env bash
# Quick start, run: install what is missing, build Release, serve on 127.0.0.1:8000 with the
# embedded SQLite database (var/attrition.db, created if absent). Extra arguments go to
# `attrition serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target attrition
mkdir -p var
exec build/release/src/attrition serve --host 127.0.0.1 --port 8000 "$@"
