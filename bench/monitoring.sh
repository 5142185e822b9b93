#!/usr/bin/env bash
# Monitoring over a large log: a prediction log of --rows predictions (default 1,000,000, of
# 100,000 employees, every one resolved by an outcome) is generated straight into SQLite and
# into PostgreSQL (started here), then the real binary answers GET /api/v1/monitoring/
# performance, /drift (sampled) and /fairness over all of it. Reported: wall time of each
# answer (min/median/max over repeats) and the server's peak RSS before and after them.
#
#   bench/monitoring.sh [--smoke] [--binary PATH] [--out FILE] [--rows N]
#
# --smoke: 20,000 rows, one repeat (CI runs it so the script cannot rot).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary="$root/build/release/src/attrition"
out=""
rows=1000000
repeats=3
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) rows=20000; repeats=1 ;;
    --binary) binary="$2"; shift ;;
    --out) out="$2"; shift ;;
    --rows) rows="$2"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$binary" ] || { echo "no binary at $binary (build the release preset)" >&2; exit 2; }
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

work=$(mktemp -d /tmp/attrition-monitoring-XXXXXX)
chmod 755 "$work"
server_pid=""
bouncer_pid=""
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
cleanup() {
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  [ -n "$bouncer_pid" ] && pkill -KILL -f "$work/pg/pgbouncer.ini" 2>/dev/null || true
  if [ -d "$work/pg/data" ]; then as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

key=bench-monitoring-key-0123456789
printf '%s\n' "$key" | "$binary" keys hash --name bench > "$work/keys.txt"
requests=$(( (rows + 99) / 100 ))
employees=$(( rows < 100000 ? rows : 100000 ))

# Predictions made 400 to 429 days ago, 100 per request; an employee in six left 380 days ago
# (within a year of each of their predictions: positive), the others were still employed today
# (a year after: negative). The snapshot is the service's: 18 numbers, 6 categories. Each
# sets $url.
sqlite_log() {
  local db=$work/log.db
  "$binary" migrate up --database-url "sqlite:///$db" >/dev/null
  sqlite3 "$db" <<SQL >/dev/null
PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < $requests - 1)
INSERT INTO api_requests (id, created_at, endpoint, request_data, client_ip, user_agent,
                          http_status, response_time_ms)
SELECT printf('%08x-0000-4000-8000-%012x', i, i),
       strftime('%Y-%m-%dT%H:%M:%S', 'now', '-' || (400 + i % 30) || ' days') || '.000000Z',
       '/api/v1/predict/batch', '{"employee_count":100}', '127.0.0.1', 'bench', 200, 5 FROM r;
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < $rows - 1),
     scored AS (SELECT i, lower(hex(randomblob(16))) AS h, abs(random()) % 1000000 / 1e6 AS p FROM r)
INSERT INTO predictions (id, request_id, created_at, prediction_date, employee_id, attrition_prob,
                         risk_level, model_version, features_snapshot, shadow)
SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a' ||
         substr(h, 18, 3) || '-' || substr(h, 21, 12),
       a.id, a.created_at, a.created_at, 'E' || (i % $employees), p,
       CASE WHEN p < 0.4 THEN 'LOW' WHEN p < 0.6 THEN 'MEDIUM' ELSE 'HIGH' END,
       'xgb_enhanced_v2.0',
       json_object('age', 18 + i % 43, 'revenu_mensuel', 1000 + (i * 7) % 19000,
         'nombre_experiences_precedentes', i % 10, 'nombre_heures_travailless', 80,
         'annees_dans_le_poste_actuel', i % 19, 'satisfaction_employee_environnement', 1 + i % 4,
         'satisfaction_employee_nature_travail', 1 + i % 4, 'satisfaction_employee_equipe', 1 + i % 4,
         'satisfaction_employee_equilibre_pro_perso', 1 + i % 4, 'note_evaluation_precedente', 1 + i % 4,
         'note_evaluation_actuelle', 3 + i % 2, 'nombre_participation_pee', i % 4,
         'nb_formations_suivies', i % 7, 'nombre_employee_sous_responsabilite', 1,
         'distance_domicile_travail', 1 + i % 29, 'niveau_education', 1 + i % 5,
         'annees_depuis_la_derniere_promotion', i % 16, 'annes_sous_responsable_actuel', i % 18,
         'genre', CASE WHEN i % 5 < 2 THEN 'F' ELSE 'M' END,
         'statut_marital', CASE i % 3 WHEN 0 THEN 'Célibataire' WHEN 1 THEN 'Marié(e)' ELSE 'Divorcé(e)' END,
         'departement', 'Commercial', 'poste', 'Cadre Commercial', 'domaine_etude', 'Infra & Cloud',
         'heure_supplementaires', CASE WHEN i % 4 = 0 THEN 'Oui' ELSE 'Non' END),
       0
FROM scored JOIN api_requests a ON a.id = printf('%08x-0000-4000-8000-%012x', i / 100, i / 100);
WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < $employees - 1)
INSERT INTO outcomes (employee_id, event, event_date)
SELECT 'E' || i, CASE WHEN i % 6 = 0 THEN 'left' ELSE 'stayed' END,
       CASE WHEN i % 6 = 0 THEN date('now', '-380 days') ELSE date('now') END FROM r;
ANALYZE;
SQL
  url="sqlite:///$db"
}

postgres_log() {
  start_postgres
  url="postgresql://postgres@127.0.0.1:$pg_port/attrition"
  "$binary" migrate up --database-url "$url" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres attrition <<SQL >/dev/null
INSERT INTO api_requests (id, created_at, endpoint, request_data, client_ip, user_agent,
                          http_status, response_time_ms)
SELECT md5('r' || i)::uuid, now() - make_interval(days => 400 + i % 30), '/api/v1/predict/batch',
       '{"employee_count":100}', '127.0.0.1', 'bench', 200, 5
FROM generate_series(0, $requests - 1) i;
INSERT INTO predictions (id, request_id, created_at, prediction_date, employee_id, attrition_prob,
                         risk_level, model_version, features_snapshot, shadow)
SELECT gen_random_uuid(), a.id, a.created_at, a.created_at, 'E' || (i % $employees), s.p,
       CASE WHEN s.p < 0.4 THEN 'LOW' WHEN s.p < 0.6 THEN 'MEDIUM' ELSE 'HIGH' END,
       'xgb_enhanced_v2.0',
       jsonb_build_object('age', 18 + i % 43, 'revenu_mensuel', 1000 + (i * 7) % 19000,
         'nombre_experiences_precedentes', i % 10, 'nombre_heures_travailless', 80,
         'annees_dans_le_poste_actuel', i % 19, 'satisfaction_employee_environnement', 1 + i % 4,
         'satisfaction_employee_nature_travail', 1 + i % 4, 'satisfaction_employee_equipe', 1 + i % 4,
         'satisfaction_employee_equilibre_pro_perso', 1 + i % 4, 'note_evaluation_precedente', 1 + i % 4,
         'note_evaluation_actuelle', 3 + i % 2, 'nombre_participation_pee', i % 4,
         'nb_formations_suivies', i % 7, 'nombre_employee_sous_responsabilite', 1,
         'distance_domicile_travail', 1 + i % 29, 'niveau_education', 1 + i % 5,
         'annees_depuis_la_derniere_promotion', i % 16, 'annes_sous_responsable_actuel', i % 18)
       || jsonb_build_object('genre', CASE WHEN i % 5 < 2 THEN 'F' ELSE 'M' END,
         'statut_marital', CASE i % 3 WHEN 0 THEN 'Célibataire' WHEN 1 THEN 'Marié(e)' ELSE 'Divorcé(e)' END,
         'departement', 'Commercial', 'poste', 'Cadre Commercial', 'domaine_etude', 'Infra & Cloud',
         'heure_supplementaires', CASE WHEN i % 4 = 0 THEN 'Oui' ELSE 'Non' END),
       false
FROM generate_series(0, $rows - 1) i
CROSS JOIN LATERAL (SELECT random() AS p WHERE i >= 0) s
JOIN api_requests a ON a.id = md5('r' || (i / 100))::uuid;
INSERT INTO outcomes (employee_id, event, event_date)
SELECT 'E' || i, CASE WHEN i % 6 = 0 THEN 'left' ELSE 'stayed' END,
       CASE WHEN i % 6 = 0 THEN current_date - 380 ELSE current_date END
FROM generate_series(0, $employees - 1) i;
VACUUM ANALYZE;
SQL
}

peak_rss_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# Runs the three endpoints $repeats times against a service on $1; one table row each.
measure() {  # $1 backend label, $2 database URL
  local port
  port=$(free_port)
  OC5_DATABASE_URL="$2" "$binary" serve --host 127.0.0.1 --port "$port" \
    --model-dir "$root/model" --web-dir "$root/web" --api-keys-file "$work/keys.txt" \
    --retention-days 0 > "$work/serve-$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
    sleep 0.1
  done
  local before
  before=$(peak_rss_kib "$server_pid")
  local target times
  for target in "performance?horizon_days=365" "drift?days=3650" "fairness?horizon_days=365"; do
    times=()
    for _ in $(seq 1 "$repeats"); do
      times+=("$(curl -sf -o "$work/answer.json" -w '%{time_total}' \
        -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/monitoring/$target")")
    done
    local sorted
    sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
    # The answer's own counts, so that a row proves what it measured.
    local counted
    counted=$(jq -r 'if .resolved != null then "resolved \(.resolved), positives \(.positives)"
      elif .sampled_rows != null then "rows \(.rows), sampled \(.sampled_rows)"
      else "groups \([.live[].groups[]] | length)" end' "$work/answer.json")
    awk -v backend="$1" -v target="${target%%\?*}" -v t="$sorted" -v counted="$counted" 'BEGIN {
      n = split(t, s, " "); printf "| %s | %s | %.2f | %.2f | %.2f | %s |\n", backend, target,
      s[1], s[int((n + 1) / 2)], s[n], counted }'
  done
  local after
  after=$(peak_rss_kib "$server_pid")
  echo "| $1 | peak RSS (MiB) before → after | $(( before / 1024 )) → $(( after / 1024 )) | | | |"
  kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

report=$work/report.md
{
  echo "### Monitoring over $rows logged predictions"
  echo
  echo "\`bash bench/monitoring.sh\`: $rows predictions of $employees employees, every one resolved by an"
  echo "outcome; wall time of each answer in seconds (min / median / max of $repeats), the server's"
  echo "peak RSS before and after the answers."
  echo
  echo "| backend | endpoint | min s | median s | max s | what it covered |"
  echo "|---|---|---|---|---|---|"
  sqlite_log
  measure sqlite "$url"
  if [ -x "$pg_bin/initdb" ]; then
    postgres_log
    measure postgresql "$url"
  fi
} > "$report"
if [ -n "$out" ]; then cp "$report" "$out"; else cat "$report"; fi
