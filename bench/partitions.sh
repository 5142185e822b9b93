#!/usr/bin/env bash
# Retention over a large PostgreSQL log: partition drop against batched DELETE. Two databases
# in one cluster (started here) receive the same back-dated log, --requests requests (default
# 1,000,000) each with one prediction (2,000,000 rows), spread evenly over the last 360 days:
#   partitioned — every month has its partitions (as the service keeps them), so retention
#                 drops the expired months whole and deletes in batches only in the boundary
#                 month;
#   batched     — the same rows in the default partition (no month partitions), so retention
#                 deletes every expired row in batches of 1,000, as an unpartitioned log does.
# Then `attrition cleanup --retention-days 180` runs on each. Reported: wall time, WAL written
# (pg_current_wal_lsn before and after), rows removed, partitions dropped.
#
#   bench/partitions.sh [--smoke] [--binary PATH] [--out FILE] [--requests N]
#
# --smoke: 20,000 requests (CI runs it so the script cannot rot).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary="$root/build/release/src/attrition"
out=""
requests=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) requests=20000 ;;
    --binary) binary="$2"; shift ;;
    --out) out="$2"; shift ;;
    --requests) requests="$2"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$binary" ] || { echo "no binary at $binary (build the release preset)" >&2; exit 2; }
[ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "PostgreSQL 15 is not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/attrition-partitions-XXXXXX)
chmod 755 "$work"
bouncer_pid=""
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
cleanup() {
  [ -n "$bouncer_pid" ] && pkill -KILL -f "$work/pg/pgbouncer.ini" 2>/dev/null || true
  if [ -d "$work/pg/data" ]; then as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_postgres
sql() {  # $1 database; SQL on stdin or as $2
  if [ $# -gt 1 ]; then
    psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -c "$2" "$1"
  else
    psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres "$1"
  fi
}
url_of() { echo "postgresql://postgres@127.0.0.1:$pg_port/$1"; }

# The log of one database: requests i = 0..N-1 at now - 360 days * i / N, one prediction each
# with the service's snapshot size (24 features).
fill() {  # $1 database
  sql "$1" <<SQL
INSERT INTO api_requests (id, created_at, endpoint, request_data, client_ip, user_agent,
                          http_status, response_time_ms)
SELECT md5('r' || i)::uuid, now() - make_interval(secs => 360 * 86400.0 * i / $requests),
       '/api/v1/predict', jsonb_build_object('employee_id', 'E' || i, 'age', 41), '127.0.0.1',
       'bench', 200, 5
FROM generate_series(0, $requests - 1) i;
INSERT INTO predictions (id, request_id, created_at, prediction_date, employee_id, attrition_prob,
                         risk_level, model_version, features_snapshot, shadow)
SELECT md5('p' || i)::uuid, a.id, a.created_at, a.created_at, 'E' || i, 0.25, 'LOW',
       'xgb_enhanced_v2.1',
       jsonb_build_object('age', 41, 'revenu_mensuel', 5993, 'nombre_experiences_precedentes', 8,
         'nombre_heures_travailless', 80, 'annees_dans_le_poste_actuel', 4,
         'satisfaction_employee_environnement', 2, 'satisfaction_employee_nature_travail', 3,
         'satisfaction_employee_equipe', 1, 'satisfaction_employee_equilibre_pro_perso', 1,
         'note_evaluation_precedente', 3, 'note_evaluation_actuelle', 3,
         'nombre_participation_pee', 0, 'nb_formations_suivies', 0,
         'nombre_employee_sous_responsabilite', 1, 'distance_domicile_travail', 1,
         'niveau_education', 2, 'annees_depuis_la_derniere_promotion', 0,
         'annes_sous_responsable_actuel', 5)
       || jsonb_build_object('genre', 'F', 'statut_marital', 'Célibataire',
         'departement', 'Commercial', 'poste', 'Cadre Commercial', 'domaine_etude', 'Infra & Cloud',
         'heure_supplementaires', 'Oui'),
       false
FROM generate_series(0, $requests - 1) i JOIN api_requests a ON a.id = md5('r' || i)::uuid;
VACUUM ANALYZE;
CHECKPOINT;
SQL
}

report_row() {  # $1 label, $2 database
  local before after started finished printed
  before=$(sql "$2" "SELECT pg_current_wal_lsn()")
  started=$(date +%s.%N)
  printed=$("$binary" cleanup --retention-days 180 --database-url "$(url_of "$2")" 2>"$work/$2.err")
  finished=$(date +%s.%N)
  after=$(sql "$2" "SELECT pg_current_wal_lsn()")
  local wal left dropped
  wal=$(sql "$2" "SELECT pg_wal_lsn_diff('$after', '$before')")
  left=$(sql "$2" "SELECT (SELECT count(*) FROM api_requests) + (SELECT count(*) FROM predictions)")
  dropped=$(grep -c 'log partition dropped' "$work/$2.err" || true)
  removed=$(echo "$printed" | sed -E 's/.*deleted ([0-9]+) requests and ([0-9]+) predictions.*/\1 \2/')
  awk -v label="$1" -v s="$started" -v f="$finished" -v wal="$wal" -v removed="$removed" \
      -v left="$left" -v dropped="$dropped" 'BEGIN {
    split(removed, r, " ")
    printf "| %s | %.2f | %.1f | %d + %d | %d | %d |\n", label, f - s, wal / 1048576, r[1], r[2],
      dropped, left }'
}

sql postgres "CREATE DATABASE partitioned" >/dev/null
sql postgres "CREATE DATABASE batched" >/dev/null
for db in partitioned batched; do
  "$binary" migrate up --database-url "$(url_of "$db")" >/dev/null 2>&1
done
# Twelve months back: what a service running for a year has made.
sql partitioned "SELECT attrition_create_log_partitions(current_date - 365, current_date)" >/dev/null
fill partitioned
fill batched

report=$work/report.md
{
  echo "### Retention: partition drop against batched DELETE"
  echo
  echo "\`bash bench/partitions.sh\`: $requests requests with one prediction each ($(( 2 * requests )) rows), spread over"
  echo "360 days, in two databases of one PostgreSQL 15; \`attrition cleanup --retention-days 180\`"
  echo "on each. *partitioned*: every month in its partitions; *batched*: the same rows in the"
  echo "default partition, deleted in batches of 1,000 as in an unpartitioned log."
  echo
  echo "| log | cleanup s | WAL MiB | removed (requests + predictions) | partitions dropped | rows left |"
  echo "|---|---|---|---|---|---|"
  report_row partitioned partitioned
  report_row "batched DELETE" batched
} > "$report"
if [ -n "$out" ]; then cp "$report" "$out"; else cat "$report"; fi
