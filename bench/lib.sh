# Shared by the benchmark scripts (sourced): free loopback ports, and a throwaway PostgreSQL 15
# cluster with pgbouncer (transaction pooling) in front, under $work/pg. The caller sets $work
# and tears the cluster down (pg_ctl stop; pkill on the pgbouncer config path).
pg_bin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# A port below the kernel's ephemeral range, where no outgoing connection takes a local port: a
# port an outgoing connection holds refuses a connect like a free one but not a bind (a bench
# run lost pgbouncer to that). Another program may still bind it first; start_postgres retries.
free_port() {
  local port low
  read -r low _ < /proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 12000 ] || low=32768
  while :; do
    port=$(( 10000 + RANDOM % (low - 10000) ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Sets pg_port, bouncer_port and bouncer_pid; the database is "attrition". Each server gets
# three ports in turn when the one it was given is taken by the time it binds.
start_postgres() {
  mkdir -p "$work/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$work/pg"
  as_pg "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  cp "$work/pg/data/postgresql.conf" "$work/pg/postgresql.conf.initdb"
  local attempt
  for attempt in 1 2 3; do
    pg_port=$(free_port)
    {
      cat "$work/pg/postgresql.conf.initdb"
      echo "listen_addresses = '127.0.0.1'"; echo "port = $pg_port"
      echo "unix_socket_directories = '$work/pg'"; echo "max_connections = 100"
    } > "$work/pg/data/postgresql.conf"
    rm -f "$work/pg/server.log"
    as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w start >/dev/null 2>&1 && break
    grep -q "Address already in use" "$work/pg/server.log" 2>/dev/null && [ "$attempt" -lt 3 ] || {
      echo "PostgreSQL did not start:" >&2; cat "$work/pg/server.log" >&2; exit 1
    }
    echo "PostgreSQL: port $pg_port taken (attempt $attempt), another" >&2
  done
  psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE attrition" postgres
  for attempt in 1 2 3; do
    start_pgbouncer && return
    grep -q "Address already in use" "$work/pg/pgbouncer.log" 2>/dev/null || break
    echo "pgbouncer: port $bouncer_port taken (attempt $attempt), another" >&2
  done
  echo "pgbouncer did not start:" >&2
  cat "$work/pg/pgbouncer.out" "$work/pg/pgbouncer.log" >&2 2>/dev/null || true
  exit 1
}

# One try on a fresh port: ready when a query through it works; fails at once if it exits.
start_pgbouncer() {
  bouncer_port=$(free_port)
  rm -f "$work/pg/pgbouncer.log"
  cat > "$work/pg/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
logfile = $work/pg/pgbouncer.log
INI
  [ "$(id -u)" -eq 0 ] && chown postgres "$work/pg/pgbouncer.ini"
  as_pg /usr/sbin/pgbouncer "$work/pg/pgbouncer.ini" >"$work/pg/pgbouncer.out" 2>&1 &
  bouncer_pid=$!
  for _ in $(seq 1 200); do
    psql -X -q -h 127.0.0.1 -p "$bouncer_port" -U postgres -c "SELECT 1" attrition >/dev/null 2>&1 && return 0
    kill -0 "$bouncer_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# CPU ticks of the database side, where the time goes while the service waits for commits: the
# caller's PostgreSQL under $work/pg (the postmaster and its backends; pgbouncer is apart).
pg_cpu_ticks() {
  local pids="" pid total=0 postmaster
  if [ -f "$work/pg/data/postmaster.pid" ]; then
    postmaster=$(head -1 "$work/pg/data/postmaster.pid")
    pids="$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"
  fi
  for pid in $pids; do
    total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  # And the backends that have exited (a client that disconnected, as log_floor does before
  # this is read): the postmaster reaps them, their CPU is in its children's times.
  [ -n "${postmaster:-}" ] &&
    total=$(( total + $(awk '{print $16 + $17}' "/proc/$postmaster/stat" 2>/dev/null || echo 0) ))
  echo "$total"
}

# The caller's server ($server_pid, listening on $port): its CPU ticks, its log writer's, and
# what its log committed.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
# The log writer's thread (it names itself log-writer): its share of the server's CPU.
writer_ticks() {
  local task total=0
  for task in "/proc/$server_pid/task/"*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = log-writer ] &&
      total=$(( total + $(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
# "records commits": api_requests rows the log committed and its insert_batch statements.
log_commits() {
  curl -fs "http://127.0.0.1:$port/metrics" | awk '
    /^attrition_log_rows_written_total / { r = $2 }
    /^attrition_db_query_duration_seconds_count\{statement="insert_batch"\} / { c = $2 }
    END { printf "%.0f %.0f\n", r, c }'
}
