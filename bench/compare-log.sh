#!/usr/bin/env bash
# The prediction log's cost in two builds of the service, alternated in one invocation so that
# both see the same machine: logged /api/v1/predict (bench/load.sh's body), wrk -c16, server
# --threads 2, each run on a fresh database (a new SQLite file, or a new database in one
# throwaway PostgreSQL cluster). Per run, per request: the server's CPU, its log-writer
# thread's, PostgreSQL's (its processes'), and the records each commit held (the service's
# metrics). Then per binary the median, min and max of each figure.
#   bench/compare-log.sh BEFORE_BINARY AFTER_BINARY [--backend sqlite|postgresql]
#                        [--rounds 3] [--seconds 6] [--windows 3]
# A run measures --windows consecutive windows of --seconds each (the database grows from one to
# the next), after a 2 s warm-up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: bench/compare-log.sh BEFORE AFTER [--backend sqlite|postgresql] [--rounds N] [--seconds S] [--windows W]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
for binary in "$1" "$2"; do
  [ -x "$binary" ] || { echo "compare-log.sh: $binary is not an executable" >&2; exit 2; }
done
# shellcheck disable=SC2034 # read through ${!name}
before=$(realpath "$1")
# shellcheck disable=SC2034
after=$(realpath "$2")  # absolute: the servers run in the work folder
shift 2
backend=sqlite rounds=3 seconds=6 windows=3
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=${2:-}; shift ;;
    --rounds) rounds=${2:-}; shift ;;
    --seconds) seconds=${2:-}; shift ;;
    --windows) windows=${2:-}; shift ;;
    *) echo "compare-log.sh: unknown argument $1" >&2; echo "$usage" >&2; exit 2 ;;
  esac
  shift
done
case "$backend" in sqlite | postgresql) ;; *) echo "$usage" >&2; exit 2 ;; esac
work=$(mktemp -d /tmp/attrition-compare-log-XXXXXX)
chmod 755 "$work"  # the postgres user reaches its cluster under it
server_pid=""
source "$root/bench/lib.sh"
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  pkill -KILL -f "$work/pg/pgbouncer.ini" 2>/dev/null || true  # start_postgres starts it too
  if [ -d "$work/pg/data" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
printf '{%s}' "$(sed -n "s/^employee='\(.*\)'$/\1/p" "$root/bench/load.sh")" >"$work/employee.json"
if [ "$backend" = postgresql ]; then start_postgres; fi
tick=$(getconf CLK_TCK)
pg_ticks() { if [ "$backend" = sqlite ]; then echo 0; else pg_cpu_ticks; fi; }
run=0
for round in $(seq 1 "$rounds"); do
  for name in before after; do
    run=$((run + 1))
    if [ "$backend" = sqlite ]; then
      url="sqlite:///$work/run$run.db"
    else
      psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE run$run" postgres
      url="postgresql://postgres@127.0.0.1:$pg_port/run$run"
    fi
    port=$(free_port)
    # Its own spool: nothing one run leaves is replayed into the next run's database.
    (cd "$work" && exec "${!name}" --log-level warn serve --host 127.0.0.1 --port "$port" \
      --threads 2 --model-dir "$root/model" --web-dir "$root/web" --database-url "$url" \
      --spool-dir "$work/spool$run" --migrate >"$work/server.log" 2>&1) &
    server_pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
    curl -sf "http://127.0.0.1:$port/health" >/dev/null ||
      { echo "compare-log.sh: $name did not start" >&2; cat "$work/server.log" >&2; exit 1; }
    grep -qx log-writer "/proc/$server_pid/task/"*/comm ||
      { echo "compare-log.sh: no log-writer thread in $name" >&2; exit 1; }
    BODY_FILE="$work/employee.json" wrk -t1 -c16 -d2s -s "$root/bench/wrk/post_json.lua" \
      "http://127.0.0.1:$port/api/v1/predict" >/dev/null
    for window in $(seq 1 "$windows"); do
      read -r rows0 commits0 <<<"$(log_commits)"
      s0=$(cpu_ticks) w0=$(writer_ticks) p0=$(pg_ticks)
      BODY_FILE="$work/employee.json" wrk -t1 -c16 -d"${seconds}s" \
        -s "$root/bench/wrk/post_json.lua" "http://127.0.0.1:$port/api/v1/predict" >"$work/wrk.out" ||
        { echo "compare-log.sh: wrk failed" >&2; cat "$work/wrk.out" >&2; exit 1; }
      # A request the service did not acknowledge (no 2xx) is not a logged request.
      if ! grep -q '^NON2XX 0$' "$work/wrk.out"; then
        echo "compare-log.sh: $name answered non-2xx" >&2; cat "$work/wrk.out" >&2; exit 1
      fi
      n=$(awk '/requests in/ {print $1}' "$work/wrk.out")
      s1=$(cpu_ticks) w1=$(writer_ticks) p1=$(pg_ticks)
      read -r rows1 commits1 <<<"$(log_commits)"
      [ "$commits1" -gt "$commits0" ] || { echo "no commit in a window of $name" >&2; exit 1; }
      awk -v r="$round" -v b="$name" -v w="$window" -v n="$n" -v t="$tick" -v s=$((s1 - s0)) \
        -v lw=$((w1 - w0)) -v p=$((p1 - p0)) -v rows=$((rows1 - rows0)) \
        -v c=$((commits1 - commits0)) 'BEGIN {
          printf "%s %s %s requests %d server %.1f writer %.1f postgresql %.1f per_commit %.1f\n",
            r, b, w, n, s / t * 1e6 / n, lw / t * 1e6 / n, p / t * 1e6 / n, rows / c}' |
        tee -a "$work/runs"
    done
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    if [ "$backend" = postgresql ]; then
      psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "DROP DATABASE run$run WITH (FORCE)" postgres
    fi
  done
done
echo "binary figure: per request (µs; records for per_commit), median (min..max) over $rounds runs × $windows windows"
for name in before after; do
  for field in server:7 writer:9 postgresql:11 per_commit:13; do
    if [ "$backend" = sqlite ] && [ "${field%%:*}" = postgresql ]; then continue; fi
    awk -v b="$name" -v f="${field#*:}" '$2 == b {print $f}' "$work/runs" | sort -n |
      awk -v b="$name" -v l="${field%%:*}" '{a[NR] = $1} END {
        printf "%s %s: %s (%s..%s)\n", b, l, a[int((NR + 1) / 2)], a[1], a[NR]}'
  done
done
