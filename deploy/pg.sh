#!/usr/bin/env bash
# The embedded, project-local PostgreSQL: created from the installed PostgreSQL 15 binaries,
# listening on 127.0.0.1 only. Usage: deploy/pg.sh ensure|init|start|stop|status|createdb|url|psql
#
# Environment overrides (the test fixture uses them for throwaway clusters):
#   COSELLNET_PG_DATA   data directory           (default: <repo>/.local/pg/data)
#   COSELLNET_PG_PORT   TCP port on 127.0.0.1    (default: 55432)
#   COSELLNET_PG_DB     database for createdb/url (default: cosellnet)
#   COSELLNET_PG_FAST=1 no fsync: for tests only, never for data you keep
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${COSELLNET_PG_DATA:-$root/.local/pg/data}
port=${COSELLNET_PG_PORT:-55432}
db=${COSELLNET_PG_DB:-cosellnet}
home=$(dirname "$data")
pwfile=$home/password
log=$home/postgres.log
superuser=cosellnet
service_user=cosellnet   # initdb and postgres refuse to run as root

find_bin() {
  local dir
  for dir in "${COSELLNET_PG_BIN:-}" /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return; }
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then dirname "$(command -v initdb)"; return; fi
  echo "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Install them: apt-get install postgresql-15 (or set COSELLNET_PG_BIN)." >&2
  exit 1
}
bin=$(find_bin)

as_service() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$service_user" -- "$@"; else "$@"; fi
}

ensure_service_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  id "$service_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$service_user"
}

client() {
  local tool=$1; shift
  local path=$bin/$tool
  [ -x "$path" ] || path=$(command -v "$tool")
  PGPASSWORD=$(cat "$pwfile") "$path" -h 127.0.0.1 -p "$port" -U "$superuser" "$@"
}

is_running() { as_service "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

cmd_init() {
  if [ -f "$data/PG_VERSION" ]; then echo "PostgreSQL data already at $data"; return; fi
  ensure_service_user
  mkdir -p "$home"
  chmod 755 "$home"
  umask 077
  [ -f "$pwfile" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$pwfile"
  local tmp_pw; tmp_pw=$(mktemp)
  cp "$pwfile" "$tmp_pw"
  mkdir -p "$data"
  touch "$log"
  if [ "$(id -u)" -eq 0 ]; then chown "$service_user" "$data" "$log" "$tmp_pw"; fi
  as_service "$bin/initdb" -D "$data" -U "$superuser" --pwfile="$tmp_pw" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 ${COSELLNET_PG_FAST:+--no-sync} >/dev/null
  rm -f "$tmp_pw"
  {
    echo "# CoSellNet: loopback only, sized for a small machine"
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$data'"
    echo "max_connections = 300"
    echo "shared_buffers = 256MB"
    echo "work_mem = 16MB"
    echo "maintenance_work_mem = 256MB"
    if [ -n "${COSELLNET_PG_FAST:-}" ]; then
      echo "fsync = off"; echo "synchronous_commit = off"; echo "full_page_writes = off"
    fi
  } | as_service tee -a "$data/postgresql.conf" >/dev/null
  echo "Created PostgreSQL data at $data (port $port)"
}

cmd_start() {
  if is_running; then echo "PostgreSQL is running on 127.0.0.1:$port"; return; fi
  [ -f "$data/PG_VERSION" ] || { echo "No PostgreSQL data at $data: run deploy/pg.sh init (or ensure) first." >&2; exit 1; }
  as_service "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-p $port" start >/dev/null \
    || { echo "PostgreSQL did not start; see $log" >&2; tail -n 20 "$log" >&2; exit 1; }
  echo "PostgreSQL started on 127.0.0.1:$port"
}

cmd_stop() {
  if is_running; then as_service "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; echo "PostgreSQL stopped"; else echo "PostgreSQL is not running"; fi
}

cmd_status() {
  if is_running; then echo "running on 127.0.0.1:$port, data $data"; else echo "not running (data $data)"; exit 3; fi
}

cmd_createdb() {
  if [ -z "$(client psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    client createdb "$db"
    echo "Created database $db"
  fi
}

cmd_url() {
  echo "Host=127.0.0.1;Port=$port;Username=$superuser;Password=$(cat "$pwfile");Database=$db"
}

case "${1:-}" in
  init) cmd_init ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  createdb) cmd_createdb ;;
  url) cmd_url ;;
  psql) shift; client psql -d "$db" "$@" ;;
  ensure) cmd_init; cmd_start; cmd_createdb ;;
  *) echo "usage: deploy/pg.sh ensure|init|start|stop|status|createdb|url|psql" >&2; exit 2 ;;
esac
