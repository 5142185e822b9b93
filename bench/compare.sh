#!/usr/bin/env bash
# Server CPU per request of two builds of the service, alternated in one invocation so that
# both see the same machine: logging off, one server thread, wrk -c8, the request bodies of
# bench/load.sh (predict, a batch of 100, explain) and the same 100 employees as Open Inference
# tensors (infer). Prints each run, then per route the median, min and max of each binary.
#   bench/compare.sh BEFORE_BINARY AFTER_BINARY [--rounds 7] [--seconds 3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: bench/compare.sh BEFORE AFTER [--rounds N] [--seconds S]" >&2; exit 2; }
before=$1 after=$2
shift 2
rounds=7 seconds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/attrition-compare-XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
employee=$(sed -n "s/^employee='\(.*\)'$/\1/p" "$root/bench/load.sh")
printf '{%s}' "$employee" >"$work/employee.json"
{
  printf '{"employees":['
  for i in $(seq 1 100); do
    [ "$i" -gt 1 ] && printf ','
    printf '{"employee_id":"E%03d",%s}' "$i" "$employee"
  done
  printf ']}'
} >"$work/batch.json"
# The batch's employees as one V2 inference request: a tensor of 100 values per input.
python3 - "$work/batch.json" "$work/infer.json" <<'PY'
import json, sys
employees = json.load(open(sys.argv[1]))["employees"]
def datatype(values):
    if isinstance(values[0], str):
        return "BYTES"
    return "INT64" if all(isinstance(v, int) for v in values) else "FP64"
inputs = []
for name in employees[0]:
    values = [e[name] for e in employees]
    inputs.append({"name": name, "shape": [len(values)], "datatype": datatype(values), "data": values})
json.dump({"inputs": inputs}, open(sys.argv[2], "w"))
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, in ticks
for round in $(seq 1 "$rounds"); do
  for name in before after; do
    (cd "$root" && exec "${!name}" serve --database-url none --host 127.0.0.1 --port "$port" \
      --threads 1 >/dev/null 2>&1) &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
    for route in predict:/api/v1/predict:employee batch:/api/v1/predict/batch:batch \
                 explain:/api/v1/explain:employee infer:/v2/models/attrition/infer:infer; do
      IFS=: read -r label path body <<<"$route"
      c0=$(cpu "$pid")
      n=$(BODY_FILE="$work/$body.json" wrk -t1 -c8 -d"${seconds}s" -s "$root/bench/wrk/post_json.lua" \
        "http://127.0.0.1:$port$path" | awk '/requests in/ {print $1}')
      c1=$(cpu "$pid")
      echo "$round $name $label $(awk -v a="$c0" -v b="$c1" -v n="$n" -v t="$tick" \
        'BEGIN {printf "%.1f", (b - a) / t * 1e6 / n}')" | tee -a "$work/runs"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  done
done
echo "route binary: server CPU us/request median (min..max) over $rounds runs"
for label in predict batch explain infer; do
  for name in before after; do
    awk -v l="$label" -v n="$name" '$2 == n && $3 == l {print $4}' "$work/runs" | sort -n |
      awk -v l="$label" -v n="$name" '{a[NR] = $1} END {
        printf "%s %s: %s (%s..%s)\n", l, n, a[int((NR + 1) / 2)], a[1], a[NR]}'
  done
done
