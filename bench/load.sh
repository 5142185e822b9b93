#!/usr/bin/env bash
# Load benchmarks of the real binary with wrk on loopback, each endpoint reported as a ratio to
# /health measured in the same run: req/s (min/median/max over repeats), p50/p99 latency, server
# CPU per request, peak RSS. Backends: logging off, SQLite, PostgreSQL direct, PostgreSQL
# through pgbouncer (transaction pooling), started here on free ports and torn down at exit;
# and SQLite again with shadow scoring on (a second version scores every prediction into its
# own log rows), for the cost of shadow scoring against the SQLite run without it.
#
# Beside each logged backend, its floor (bench/log_floor.cpp): the same rows inserted the
# cheapest way the backend has (PostgreSQL: binary COPY; SQLite: one transaction through its
# prepared statements), 1,000 rows per transaction, into a fresh database of the same schema;
# CPU per logged request (PostgreSQL's for those, the process's for SQLite), the median of as
# many runs as the endpoints get. And the floor again in transactions of as many requests as
# the service's commits held in the run (its metrics: rows written ÷ insert_batch statements),
# which tells the cost of the commit size the load allowed from the service's own.
#
#   bench/load.sh [--smoke] [--binary PATH] [--floor PATH] [--out FILE] [--only BACKEND,...]
#                 [--seconds S] [--repeats N]
#
# --floor: the log_floor binary (default: beside the attrition binary's build, bench/log_floor).
# --smoke: 1 s runs, one repeat (CI runs it so the scripts cannot rot; figures are meaningless).
# --only: these backends only (none, sqlite, sqlite+shadow, postgresql, pgbouncer), e.g.
#   --only sqlite,sqlite+shadow for the cost of shadow scoring.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary="$root/build/release/src/attrition"
floor=""
out=""
only=""
duration=8
repeats=3
connections=16
floor_records=20000  # logged predicts per floor run; a tenth as many batches
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) duration=1; repeats=1; connections=4; floor_records=200 ;;
    --binary) binary="$2"; shift ;;
    --floor) floor="$2"; shift ;;
    --out) out="$2"; shift ;;
    --only) only=",$2,"; shift ;;
    --seconds) duration="$2"; shift ;;   # per wrk run (default 8)
    --repeats) repeats="$2"; shift ;;    # wrk runs per endpoint (default 3)
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$binary" ] || { echo "no binary at $binary (build the release preset)" >&2; exit 2; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
[ -n "$floor" ] || floor="$(dirname "$(dirname "$binary")")/bench/log_floor"
[ -x "$floor" ] || { echo "no log_floor at $floor (build the release preset's log_floor)" >&2; exit 2; }

work=$(mktemp -d /tmp/attrition-load-XXXXXX)
chmod 755 "$work"  # the postgres user must reach its data folder
server_pid=""
bouncer_pid=""
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
cleanup() {
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  # By its config path: as root pgbouncer runs under runuser in a subshell, and runuser
  # outlives a signalled child.
  [ -n "$bouncer_pid" ] && pkill -KILL -f "$work/pg/pgbouncer.ini" 2>/dev/null || true
  if [ -d "$work/pg/data" ]; then as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Request bodies: one employee, and a batch of 100.
employee='"age":41,"revenu_mensuel":5993,"nombre_experiences_precedentes":8,"nombre_heures_travailless":80,"annees_dans_le_poste_actuel":4,"satisfaction_employee_environnement":2,"satisfaction_employee_nature_travail":4,"satisfaction_employee_equipe":1,"satisfaction_employee_equilibre_pro_perso":1,"note_evaluation_precedente":3,"note_evaluation_actuelle":3,"nombre_participation_pee":0,"nb_formations_suivies":0,"nombre_employee_sous_responsabilite":1,"distance_domicile_travail":1,"niveau_education":2,"annees_depuis_la_derniere_promotion":0,"annes_sous_responsable_actuel":5,"genre":"F","statut_marital":"Célibataire","departement":"Commercial","poste":"Cadre Commercial","domaine_etude":"Infra & Cloud","heure_supplementaires":"Oui"'
printf '{%s}' "$employee" > "$work/employee.json"
{
  printf '{"employees":['
  for i in $(seq 1 100); do
    [ "$i" -gt 1 ] && printf ','
    printf '{"employee_id":"E%03d",%s}' "$i" "$employee"
  done
  printf ']}'
} > "$work/batch.json"


# A repository of the committed version and a copy of it as shadow_v1, for the shadow run.
shadow_repository="$work/shadow-model"
mkdir -p "$shadow_repository"
cp -r "$root/model/xgb_enhanced_v2.0" "$shadow_repository/"
mkdir -p "$shadow_repository/shadow_v1"
cp "$root/model/xgb_enhanced_v2.0/booster.json" "$shadow_repository/shadow_v1/"
sed 's/"model_version": "xgb_enhanced_v2.0"/"model_version": "shadow_v1"/' \
  "$root/model/xgb_enhanced_v2.0/metadata.json" > "$shadow_repository/shadow_v1/metadata.json"

start_server() {  # $1 = database URL, $2 = "shadow" for shadow scoring
  local models=(--model-dir "$root/model")
  [ "${2:-}" = shadow ] && models=(--model-dir "$shadow_repository" --default-model xgb_enhanced_v2.0
                                   --shadow-model shadow_v1)
  port=$(free_port)
  rm -rf "$work/run"; mkdir -p "$work/run"
  (cd "$work/run" && exec "$binary" --log-level warn serve --host 127.0.0.1 --port "$port" \
      --threads 2 "${models[@]}" --web-dir "$root/web" --database-url "$1" --migrate \
      >"$work/run/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 1 200); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return
    sleep 0.05
  done
  cat "$work/run/server.log" >&2; exit 1
}

stop_server() {
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
}

peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$server_pid/status"; }
bouncer_cpu_ticks() {
  local pid total=0
  if [ -n "$bouncer_pid" ]; then
    for pid in $(pgrep -f "$work/pg/pgbouncer.ini"); do
      total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
    done
  fi
  echo "$total"
}

# One wrk run; prints "rps p50_ms p99_ms cpu_us_per_request non2xx db_cpu_us_per_request
# bouncer_cpu_us_per_request writer_cpu_us_per_request records_per_commit pg_cpu_us_per_request"
# (the database's CPU is PostgreSQL's and pgbouncer's; records per commit 0 when nothing was
# committed).
measure() {  # $1 = path, $2 = body file or ""
  local ticks_before ticks_after db_before db_after output rps p50 p99 requests non2xx hz
  local bouncer_before bouncer_after writer_before writer_after commits_before commits_after
  hz=$(getconf CLK_TCK)
  commits_before=$(log_commits)
  db_before=$(pg_cpu_ticks)
  bouncer_before=$(bouncer_cpu_ticks)
  writer_before=$(writer_ticks)
  ticks_before=$(cpu_ticks)
  if [ -n "$2" ]; then
    output=$(BODY_FILE="$2" wrk -t1 -c"$connections" -d"${duration}s" --latency \
             -s "$root/bench/wrk/post_json.lua" "http://127.0.0.1:$port$1")
  else
    output=$(wrk -t1 -c"$connections" -d"${duration}s" --latency \
             -s "$root/bench/wrk/report.lua" "http://127.0.0.1:$port$1")
  fi
  ticks_after=$(cpu_ticks)
  writer_after=$(writer_ticks)
  bouncer_after=$(bouncer_cpu_ticks)
  db_after=$(pg_cpu_ticks)
  commits_after=$(log_commits)
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$output")
  requests=$(awk '/requests in/ {print $1}' <<<"$output")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$output")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$output")
  non2xx=$(awk '/^NON2XX/ {print $2}' <<<"$output")
  awk -v rps="$rps" -v p50="$p50" -v p99="$p99" -v req="$requests" -v hz="$hz" \
      -v dt="$(( ticks_after - ticks_before ))" -v bad="$non2xx" \
      -v ddb="$(( db_after - db_before + bouncer_after - bouncer_before ))" \
      -v dbouncer="$(( bouncer_after - bouncer_before ))" -v dwriter="$(( writer_after - writer_before ))" \
      -v commits="$commits_before $commits_after" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    function per(ticks) { return req > 0 ? ticks / hz * 1e6 / req : 0 }
    BEGIN { split(commits, c, " "); rows = c[3] - c[1]; batches = c[4] - c[2]
            printf "%s %.3f %.3f %.1f %d %.1f %.1f %.1f %.1f %.1f\n", rps, ms(p50), ms(p99), per(dt), bad,
                   per(ddb), per(dbouncer), per(dwriter), (batches > 0 ? rows / batches : 0), per(ddb - dbouncer) }'
}

# min/median/max of req/s over repeats; every other column is its own median.
summarize() {
  local runs column
  runs=$(cat)
  column() { awk -v c="$1" '{print $c}' <<<"$runs" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
  awk -v rmin="$(awk '{print $1}' <<<"$runs" | sort -g | head -1)" \
      -v rmed="$(column 1)" -v rmax="$(awk '{print $1}' <<<"$runs" | sort -g | tail -1)" \
      -v p50="$(column 2)" -v p99="$(column 3)" -v cpu="$(column 4)" \
      -v bad="$(awk '{s+=$5} END {print s+0}' <<<"$runs")" -v db="$(column 6)" \
      -v bouncer="$(column 7)" -v writer="$(column 8)" -v commit="$(column 9)" -v pg="$(column 10)" \
      'BEGIN { printf "%.0f %.0f %.0f %.3f %.3f %.1f %d %.1f %.1f %.1f %.1f %.1f\n", rmin, rmed, rmax, p50, p99, cpu, bad, db,
                      bouncer, writer, commit, pg }'
}

# The floor of a logged backend: prints "predict batch predict_at batch_at", the CPU per logged
# request of inserting its rows (a predict's, a batch of 100's) into a fresh, migrated
# database, in 1,000-row transactions, then in transactions of as many requests as the
# service's commits held ($2 for predicts, $3 for batches): PostgreSQL's CPU for those, the
# process's own for SQLite, which works inside it. Each the median of $repeats runs, each on a
# database of its own.
measure_floor() {  # $1 = backend name, $2 and $3 = records per commit in the service's runs
  local shape size figures="" runs value i
  for size in "" "$2|$3"; do
    for shape in predict batch; do
      runs=""
      for i in $(seq 1 "$repeats"); do
        if [ -z "$size" ]; then
          value=$(floor_run "$1" "$shape" "$i" "") || exit 1
        else
          value=$(floor_run "$1" "$shape" "$i" "$([ "$shape" = batch ] && echo "${size#*|}" || echo "${size%|*}")") || exit 1
        fi
        runs="$runs $value"
      done
      figures="$figures $(tr ' ' '\n' <<<"$runs" | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')"
    done
  done
  echo "${figures# }"
}

# Records per commit of a backend's endpoint in this run (rounded, at least 1). Fails when the
# run counted no commit (its /metrics unreadable: an API key or rate limit in the environment).
commit_size() {  # $1 = backend, $2 = path
  awk -v b="$1" -v e="$2" '$1 == b && $2 == e { n = $14 + 0 }
    END { if (n <= 0) { printf "load.sh: no commits counted for %s %s (is /metrics readable?)\n", b, e > "/dev/stderr"; exit 1 }
          printf "%.0f\n", (n < 1 ? 1 : n) }' "$results"
}

# One floor figure, on a database of its own. Runs in a command substitution, where set -e does
# not hold: each step fails the function itself.
floor_run() {  # $1 = backend name, $2 = predict or batch, $3 = the run's number,
               # $4 = records per transaction ("": 1,000 rows)
  local records=$floor_records url db_before db_after line hz name="floor_${1}_${2}_$3_${4:-rows}"
  local size=(--rows-per-batch 1000)
  [ -n "$4" ] && size=(--records-per-transaction "$4")
  hz=$(getconf CLK_TCK)
  [ "$2" = batch ] && records=$((floor_records / 10))
  case "$1" in
    sqlite) url="sqlite:///$work/$name.db" ;;
    *)
      psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE $name" postgres || return 1
      if [ "$1" = postgresql ]; then
        url="postgresql://postgres@127.0.0.1:$pg_port/$name"
      else
        url="postgresql://postgres@127.0.0.1:$bouncer_port/$name"
      fi ;;
  esac
  "$binary" --log-level warn migrate --database-url "$url" up >/dev/null || return 1
  # The logged runs' dirty pages are written now, not by the checkpointer during the floor.
  if [ "$1" != sqlite ]; then
    psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c CHECKPOINT postgres || return 1
  fi
  db_before=$(pg_cpu_ticks)
  line=$("$floor" --database-url "$url" --model-dir "$root/model" --records "$records" \
           --body "$work/$([ "$2" = batch ] && echo batch || echo employee).json" \
           "${size[@]}" $([ "$2" = batch ] && echo --batch)) || return 1
  db_after=$(pg_cpu_ticks)
  if [ "$1" != sqlite ]; then
    psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "DROP DATABASE $name WITH (FORCE)" postgres >&2 || return 1
  fi
  if [ "$1" = sqlite ]; then
    sed -n 's/.*cpu_us_per_record=\([0-9.]*\).*/\1/p' <<<"$line"
  else
    awk -v d="$((db_after - db_before))" -v hz="$hz" -v n="$records" \
        'BEGIN { printf "%.1f\n", d / hz * 1e6 / n }'
  fi
}

run_endpoint() {  # $1 label, $2 path, $3 body
  local i
  for i in $(seq 1 "$repeats"); do measure "$2" "$3"; done | summarize
}

results="$work/results.txt"
: > "$results"
backends=("none|none" "sqlite|sqlite:///$work/run/log.db" "sqlite+shadow|sqlite:///$work/run/log.db")
if [ -x "$pg_bin/initdb" ] && [ -x /usr/sbin/pgbouncer ] &&
   { [ -z "$only" ] || [[ "$only" == *",postgresql,"* || "$only" == *",pgbouncer,"* ]]; }; then
  start_postgres
  backends+=("postgresql|postgresql://postgres@127.0.0.1:$pg_port/attrition"
             "pgbouncer|postgresql://postgres@127.0.0.1:$bouncer_port/attrition")
fi

for entry in "${backends[@]}"; do
  name=${entry%%|*}; url=${entry#*|}
  [ -n "$only" ] && [[ "$only" != *",$name,"* ]] && continue
  # What the runs before left to write (the floors' rows) is not counted in this backend's.
  if [[ "$url" == postgresql://* ]]; then
    psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c CHECKPOINT postgres
  fi
  start_server "$url" "$([ "$name" = sqlite+shadow ] && echo shadow)"
  health=$(run_endpoint health /health "")
  health_rps=$(awk '{print $2}' <<<"$health")
  echo "$name /health $(cut -d' ' -f1-8 <<<"$health") 1.00 $(cut -d' ' -f9- <<<"$health")" >> "$results"
  for spec in "predict|/api/v1/predict|$work/employee.json" \
              "batch|/api/v1/predict/batch|$work/batch.json" \
              "explain|/api/v1/explain|$work/employee.json"; do
    IFS='|' read -r label path body <<<"$spec"
    line=$(run_endpoint "$label" "$path" "$body")
    ratio=$(awk -v a="$(awk '{print $2}' <<<"$line")" -v b="$health_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    # The ratio stays the 11th column, as the report reads it; the log's detail follows.
    echo "$name $path $(cut -d' ' -f1-8 <<<"$line") $ratio $(cut -d' ' -f9- <<<"$line")" >> "$results"
  done
  echo "$name peak_rss_kib $(peak_rss_kib)" >> "$results"
  stop_server
  case "$name" in
    sqlite|postgresql|pgbouncer)
      predict_size=$(commit_size "$name" /api/v1/predict)
      batch_size=$(commit_size "$name" /api/v1/predict/batch)
      # A plain assignment: set -e stops the run on a failure.
      floors=$(measure_floor "$name" "$predict_size" "$batch_size")
      echo "$name floor $floors $predict_size $batch_size" >> "$results" ;;
  esac
done

report() {
  echo "| backend | endpoint | req/s min | req/s median | req/s max | p50 ms | p99 ms | server CPU µs/req | database CPU µs/req | non-2xx | ratio to /health |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  awk '$2 ~ /^\// { printf "| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $10, $9, $11 }' "$results"
  echo
  echo "| backend | peak RSS (MiB) |"
  echo "|---|---|"
  awk '$2 == "peak_rss_kib" { printf "| %s | %.1f |\n", $1, $3 / 1024 }' "$results"
  echo
  echo "Database CPU is that of this run's PostgreSQL (postmaster and backends) and pgbouncer"
  echo "during the run, per request; SQLite works inside the service, so its cost is in the"
  echo "server column."
  echo
  echo "### The log against its floor"
  echo
  echo "The floor (\`bench/log_floor.cpp\`): the rows of the same requests inserted the cheapest way"
  echo "the backend has into a fresh database of the same schema (PostgreSQL: binary COPY, PostgreSQL's"
  echo "CPU per logged request; SQLite: one transaction through its prepared statements, the inserting"
  echo "process's CPU), in 1,000-row transactions, and again in transactions of as many requests as"
  echo "the service's commits held in its run (records per commit: the log's rows written ÷ its"
  echo "insert_batch statements). × floor: PostgreSQL's CPU per logged request (pgbouncer's apart)"
  echo "against the floor; for SQLite, whose work is in the server's CPU, the server CPU logging adds"
  echo "(logged − unlogged). Log writer: the CPU of the server's log-writer thread per request (its"
  echo "encoding, libpq or SQLite, its waits and wake-ups); the rest of logged − unlogged is the io"
  echo "threads' (the record, the wait for the commit)."
  echo
  echo "| backend | endpoint | server CPU µs/req unlogged | logged | of which log writer | PostgreSQL CPU µs/req | pgbouncer CPU µs/req | records per commit | floor, 1,000-row commits | × floor | floor at the run's commit size | × that floor |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  awk '
    $2 == "floor" { floor[$1 "|/api/v1/predict"] = $3; floor[$1 "|/api/v1/predict/batch"] = $4
                    at[$1 "|/api/v1/predict"] = $5; at[$1 "|/api/v1/predict/batch"] = $6; next }
    $2 ~ /^\// { cpu[$1 "|" $2] = $8; db[$1 "|" $2] = $10; bouncer[$1 "|" $2] = $12
                 writer[$1 "|" $2] = $13; commit[$1 "|" $2] = $14; pg[$1 "|" $2] = $15 }
    # A floor too small to read (a --smoke run) has no ratio.
    function times(cost, floor) { return floor > 0 ? sprintf("%.2f×", cost / floor) : "–" }
    END {
      split("sqlite postgresql pgbouncer", logged, " ")
      for (i = 1; i <= 3; i++) for (j = 1; j <= 2; j++) {
        b = logged[i]; k = b "|" (j == 1 ? "/api/v1/predict" : "/api/v1/predict/batch")
        e = (j == 1 ? "/api/v1/predict" : "/api/v1/predict/batch")
        if (!(k in floor) || !(("none|" e) in cpu)) continue
        cost = (b == "sqlite" ? cpu[k] - cpu["none|" e] : pg[k])
        printf "| %s | `%s` | %.1f | %.1f | %.1f | %s | %s | %.1f | %.1f | %s | %.1f | %s |\n", b, e,
               cpu["none|" e], cpu[k], writer[k], (b == "sqlite" ? "–" : sprintf("%.1f", pg[k])),
               (b == "pgbouncer" ? sprintf("%.1f", bouncer[k]) : "–"), commit[k],
               floor[k], times(cost, floor[k]), at[k], times(cost, at[k])
      }
    }' "$results"
  echo
  echo "### Targets (issues 9, 16 and 32), from the medians above"
  echo
  echo "| target | measured | met |"
  echo "|---|---|---|"
  awk '
    $2 == "peak_rss_kib" { rss[$1] = $3 / 1024; next }
    $2 == "floor" { floor[$1 "|/api/v1/predict"] = $3; floor[$1 "|/api/v1/predict/batch"] = $4
                    at[$1 "|/api/v1/predict"] = $5; size[$1] = $7; next }
    { rps[$1 "|" $2] = $4; cpu[$1 "|" $2] = $8; db[$1 "|" $2] = $10; ratio[$1 "|" $2] = $11
      pgcpu[$1 "|" $2] = $15 }
    function row(name, value, ok) { printf "| %s | %s | %s |\n", name, value, (ok ? "yes" : "**no**") }
    END {
      if ("none|/api/v1/predict" in ratio) {  # absent with --only
        r = ratio["none|/api/v1/predict"]
        row("`/api/v1/predict` ≥ 50 % of `/health` req/s, logging off", sprintf("%.0f %%", 100 * r), r >= 0.5)
      }
      split("sqlite postgresql pgbouncer", logged, " ")
      base = rps["none|/api/v1/predict"]
      for (i = 1; i <= 3; i++) {
        b = logged[i]
        if (!((b "|/api/v1/predict") in rps) || base <= 0) continue
        share = base > 0 ? rps[b "|/api/v1/predict"] / base : 0
        row(sprintf("`/api/v1/predict` with %s logging ≥ 70 %% of logging off", b),
            sprintf("%.0f %%", 100 * share), share >= 0.7)
      }
      split("none sqlite postgresql pgbouncer", all, " ")
      for (i = 1; i <= 4; i++) {
        b = all[i]
        if (!((b "|/api/v1/predict") in cpu) || cpu[b "|/api/v1/predict"] <= 0) continue
        k = cpu[b "|/api/v1/predict/batch"] / cpu[b "|/api/v1/predict"]
        row(sprintf("batch of 100 ≤ 10× one predict in server CPU (%s)", b), sprintf("%.1f×", k), k <= 10)
      }
      for (i = 1; i <= 2; i++) {
        e = (i == 1 ? "/api/v1/predict" : "/api/v1/predict/batch")
        if (!(("sqlite+shadow|" e) in cpu) || cpu["sqlite|" e] <= 0) continue
        k = cpu["sqlite+shadow|" e] / cpu["sqlite|" e]
        printf "| shadow scoring: server CPU of `%s` with shadow on ÷ off (SQLite) | %.2f× | (reported) |\n", e, k
      }
      # Issue 32: the logging overhead of the service itself, the database against its floor, and the
      # whole CPU of a logged request (server + database) against the server CPU unlogged.
      for (i = 2; i <= 3; i++) {
        b = logged[i]; e = "/api/v1/predict"
        if (!((b "|" e) in cpu) || !(("none|" e) in cpu)) continue
        own = cpu[b "|" e] - cpu["none|" e]
        row(sprintf("logging overhead of the service itself (%s): server CPU of `%s` logged − unlogged ≤ 10 µs", b, e),
            sprintf("%.1f µs", own), own <= 10)
        if (floor[b "|" e] > 0) {
          pg = pgcpu[b "|" e]
          k = pg / floor[b "|" e]
          row(sprintf("PostgreSQL CPU of a logged `%s` (%s) ≤ 1.25× its floor", e, b),
              sprintf("%.2f× (%.1f µs against %.1f)", k, pg, floor[b "|" e]), k <= 1.25)
          if (at[b "|" e] > 0) {
            printf "| the same against the floor at the commit size of this run (%s records per commit) | %.2f× (%.1f µs against %.1f) | (reported) |\n",
                   size[b], pg / at[b "|" e], pg, at[b "|" e]
          }
        }
      }
      for (i = 1; i <= 3; i++) {
        b = logged[i]
        for (j = 1; j <= 2; j++) {
          e = (j == 1 ? "/api/v1/predict" : "/api/v1/predict/batch")
          if (!((b "|" e) in cpu) || cpu["none|" e] <= 0) continue
          k = (cpu[b "|" e] + db[b "|" e]) / cpu["none|" e]
          row(sprintf("`%s` logged (%s): total CPU ≤ 3× the server CPU unlogged (req/s %.0f %% of unlogged)",
                      e, b, 100 * rps[b "|" e] / rps["none|" e]),
              sprintf("%.1f× (%.0f + %.0f µs against %.0f)", k, cpu[b "|" e], db[b "|" e], cpu["none|" e]),
              k <= 3)
        }
      }
      worst = 0; which = ""
      for (b in rss) if (b != "none" && rss[b] > worst) { worst = rss[b]; which = b }
      if (which != "") row("peak RSS ≤ 64 MiB with logging on", sprintf("%.1f MiB (%s)", worst, which), worst <= 64)
    }' "$results"
}

if [ -n "$out" ]; then report > "$out"; else report; fi
# A run where any request failed is not a measurement.
if awk '$2 ~ /^\// && $9 > 0 { bad = 1 } END { exit !bad }' "$results"; then
  echo "load.sh: some requests got non-2xx answers" >&2
  exit 1
fi
