# Shared by the benchmark scripts (sourced): free loopback ports, and a throwaway PostgreSQL 15
# cluster with pgbouncer (transaction pooling) in front, under $work/pg. The caller sets $work
# and tears the cluster down (pg_ctl stop; pkill on the pgbouncer config path).
pg_bin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Sets pg_port, bouncer_port and bouncer_pid; the database is "attrition".
start_postgres() {
  mkdir -p "$work/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$work/pg"
  pg_port=$(free_port)
  as_pg "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
  {
    echo "listen_addresses = '127.0.0.1'"; echo "port = $pg_port"
    echo "unix_socket_directories = '$work/pg'"; echo "max_connections = 100"
  } >> "$work/pg/data/postgresql.conf"
  as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w start >/dev/null
  psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE attrition" postgres
  bouncer_port=$(free_port)
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
  as_pg /usr/sbin/pgbouncer "$work/pg/pgbouncer.ini" >/dev/null 2>&1 &
  bouncer_pid=$!
  for _ in $(seq 1 100); do
    psql -X -q -h 127.0.0.1 -p "$bouncer_port" -U postgres -c "SELECT 1" attrition >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "pgbouncer did not start" >&2; exit 1
}
