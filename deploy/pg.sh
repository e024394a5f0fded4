#!/usr/bin/env bash
# The embedded, project-local PostgreSQL: a cluster created from the installed PostgreSQL 15
# binaries, listening on 127.0.0.1 only, owned by an unprivileged service user.
#
# Usage: deploy/pg.sh ensure | init | start | stop [fast|immediate] | status | createdb | url | psql [args]
#   ensure    init if needed, start, create the database (what run-node.sh calls)
#   init      create the cluster (initdb) with a generated password; does nothing if it exists
#   start     start it and wait until it accepts connections; does nothing if running
#   stop      stop it (fast shutdown by default)
#   status    exit 0 if running, 3 if stopped, 4 if there is no cluster
#   createdb  create the database if missing
#   url       print the Npgsql connection string
#   psql      open psql on the database (extra arguments go to psql)
#
# Environment:
#   COSELLNET_PG_DATA   data directory (default <repo>/.local/pg/data); its parent holds the
#                       password file (password, 0600) and the server log (postgres.log)
#   COSELLNET_PG_PORT   TCP port on 127.0.0.1 (default: the cluster's configured port, else 55432)
#   COSELLNET_PG_DB     database for createdb/url/psql (default cosellnet)
#   COSELLNET_PG_BIN    directory of initdb/pg_ctl/postgres (default /usr/lib/postgresql/15/bin)
#   COSELLNET_PG_OS_USER  system user that runs PostgreSQL when invoked as root (default cosellnet)
#   COSELLNET_PG_FAST=1 at init: no fsync, smaller memory. For throwaway test clusters only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
local_home=$root/.local/pg
# When the repository sits where the service user cannot go (under /root, say), init puts the
# cluster under /var/lib/cosellnet instead and leaves this pointer behind.
pointer=$local_home/data-location
if [ -n "${COSELLNET_PG_DATA:-}" ]; then data=$COSELLNET_PG_DATA
elif [ -s "$pointer" ]; then data=$(cat "$pointer")
else data=$local_home/data; fi
case $data in /*) ;; *) data=$PWD/$data ;; esac
data=${data%/}
home=$(dirname "$data")
pwfile=$home/password
log=$home/postgres.log
db=${COSELLNET_PG_DB:-cosellnet}
role=cosellnet                                  # the database superuser
service_user=${COSELLNET_PG_OS_USER:-cosellnet} # initdb and postgres refuse to run as root
default_port=55432

say() { echo "pg.sh: $*"; }
die() { echo "pg.sh: error: $*" >&2; exit 1; }

[[ $db =~ ^[A-Za-z_][A-Za-z0-9_-]{0,62}$ ]] || die "database name '$db' is not valid (letters, digits, _ and -, at most 63)"
if [ -n "${COSELLNET_PG_PORT:-}" ]; then
  [[ $COSELLNET_PG_PORT =~ ^[0-9]+$ ]] && [ "$COSELLNET_PG_PORT" -ge 1 ] && [ "$COSELLNET_PG_PORT" -le 65535 ] \
    || die "COSELLNET_PG_PORT='$COSELLNET_PG_PORT' is not a TCP port"
fi

# --- binaries ---------------------------------------------------------------------------------
find_bin() {
  local dir
  for dir in "${COSELLNET_PG_BIN:-}" /usr/lib/postgresql/15/bin /usr/pgsql-15/bin /usr/lib/postgresql/*/bin; do
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then echo "$dir"; return; fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null && command -v postgres >/dev/null; then
    dirname "$(readlink -f "$(command -v initdb)")"; return
  fi
  die "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found.
  Install them:  apt-get install postgresql-15
  or set COSELLNET_PG_BIN to the directory that holds them."
}
bin=$(find_bin)

psql_bin() {
  if [ -x "$bin/psql" ]; then echo "$bin/psql"; return; fi
  command -v psql || die "psql was not found. Install it: apt-get install postgresql-client-15"
}

# --- the unprivileged service user ------------------------------------------------------------
is_root() { [ "$(id -u)" -eq 0 ]; }

ensure_service_user() {
  is_root || return 0
  id -u "$service_user" >/dev/null 2>&1 && return 0
  command -v useradd >/dev/null || die "useradd not found; create a system user '$service_user' to run PostgreSQL"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$service_user"
  say "created system user '$service_user' to run PostgreSQL (it refuses to run as root)"
}

# Runs a command as the service user when we are root, from / so that an unreadable current
# directory (e.g. /root) never bothers PostgreSQL's tools. File descriptor 9 (our lock) is not
# passed on: a server started with it would hold the lock for as long as it runs.
as_service() {
  if is_root; then
    if command -v runuser >/dev/null; then (cd / && runuser -u "$service_user" -- "$@") 9>&-
    else (cd / && setpriv --reuid="$service_user" --regid="$(id -g "$service_user")" --init-groups -- "$@") 9>&-; fi
  else
    (cd / && "$@") 9>&-
  fi
}

check_owner() {
  [ -d "$data" ] || return 0
  local owner; owner=$(stat -c %U "$data")
  if is_root; then
    [ "$owner" = "$service_user" ] || die "$data is owned by '$owner', not by the service user '$service_user'"
  else
    [ "$owner" = "$(id -un)" ] || die "$data is owned by '$owner'; run this as root or as '$owner'"
  fi
}

# --- state ------------------------------------------------------------------------------------
has_cluster() { [ -f "$data/PG_VERSION" ]; }
is_running() { has_cluster && as_service "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

# The port: the running server's (from postmaster.pid), else COSELLNET_PG_PORT, else the
# cluster's configured port, else the default.
configured_port() {
  if [ -r "$data/postgresql.conf" ]; then sed -n 's/^port = \([0-9][0-9]*\).*/\1/p' "$data/postgresql.conf" | tail -n 1; fi
}
running_port() {
  if [ -r "$data/postmaster.pid" ]; then sed -n 4p "$data/postmaster.pid"; fi
}
port_for_start() {
  local p=${COSELLNET_PG_PORT:-}
  [ -n "$p" ] || p=$(configured_port)
  echo "${p:-$default_port}"
}
port() {
  local p=""
  if is_running; then p=$(running_port); fi
  [ -n "$p" ] || p=$(port_for_start)
  echo "$p"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

password() {
  [ -s "$pwfile" ] || die "no password file at $pwfile: the cluster was not created by this script (run deploy/pg.sh init)"
  cat "$pwfile"
}

client() {
  local p; p=$(port)
  PGPASSWORD=$(password) PGCONNECT_TIMEOUT=10 PGAPPNAME=cosellnet-pg.sh \
    "$(psql_bin)" -h 127.0.0.1 -p "$p" -U "$role" "$@"
}

# Serializes concurrent invocations on one cluster (two nodes started at once, say).
lock() {
  mkdir -p "$home"
  if command -v flock >/dev/null; then
    exec 9>>"$home/.pg.lock"
    flock -w 300 9 || die "another deploy/pg.sh holds $home/.pg.lock"
  fi
}

# --- subcommands ------------------------------------------------------------------------------
cmd_init() {
  if has_cluster; then say "cluster already exists at $data"; return; fi
  ensure_service_user
  mkdir -p "$home"
  if is_root && [ -z "${COSELLNET_PG_DATA:-}" ] && ! as_service test -x "$home"; then
    # The default location is unreachable for the service user: use one outside the repository.
    data=/var/lib/cosellnet/pg-$(printf '%s' "$root" | sha256sum | head -c 12)/data
    home=$(dirname "$data"); pwfile=$home/password; log=$home/postgres.log
    mkdir -p "$home"
    chmod 755 /var/lib/cosellnet
    say "note: '$service_user' cannot reach $local_home (a parent directory such as /root is private),"
    say "      so the cluster goes to $data (recorded in $pointer)"
    if has_cluster; then echo "$data" > "$pointer"; say "cluster already exists at $data"; return; fi
  fi
  if [ -e "$data" ]; then
    [ -d "$data" ] && [ -z "$(ls -A "$data")" ] || die "$data exists but holds no PostgreSQL cluster; move it away or set COSELLNET_PG_DATA"
    rmdir "$data" || die "cannot use $data (an empty mount point?); set COSELLNET_PG_DATA to a directory inside it"
  fi
  local port; port=$(port_for_start)
  local started=$SECONDS

  # initdb runs in a staging directory that is renamed into place at the end, so an interrupted
  # init never leaves a half-made cluster behind.
  rm -rf "$home"/.initdb.*
  local stage; stage=$(mktemp -d "$home/.initdb.XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  chmod 700 "$stage"
  (umask 077; [ -s "$pwfile" ] || head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 > "$pwfile")
  chmod 600 "$pwfile"
  cp "$pwfile" "$stage/pw"
  : >> "$log"
  chmod 600 "$log"
  if is_root; then chown -R "$service_user:" "$stage" "$log"; fi
  as_service test -w "$stage" || die "the service user '$service_user' cannot reach $home: a parent directory is not
  searchable by other users (e.g. /root is 0700). Clone the repository elsewhere (e.g. under /srv or /tmp)
  or set COSELLNET_PG_DATA to a directory outside it."

  as_service "$bin/initdb" -D "$stage/data" -U "$role" --pwfile="$stage/pw" --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 ${COSELLNET_PG_FAST:+--no-sync} > "$stage/initdb.log" 2>&1 \
    || { cat "$stage/initdb.log" >&2; die "initdb failed"; }

  # Unix socket inside the data directory, unless that path is too long for a socket (107 bytes):
  # clients here always use TCP on 127.0.0.1, the socket is only a convenience.
  local sockdir=$data
  if [ $(( ${#data} + 16 )) -gt 107 ]; then sockdir=""; fi
  {
    echo
    echo "# ---- CoSellNet (deploy/pg.sh): loopback only, sized for a small machine ----"
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$sockdir'"
    echo "unix_socket_permissions = 0700"
    echo "password_encryption = 'scram-sha-256'"
    echo "timezone = 'UTC'"
    echo "log_timezone = 'UTC'"
    echo "log_line_prefix = '%m [%p] %q%u@%d '"
    echo "max_worker_processes = 4"
    echo "max_parallel_workers = 2"
    echo "max_parallel_workers_per_gather = 1"
    echo "checkpoint_completion_target = 0.9"
    echo "max_wal_size = 1GB"
    if [ -n "${COSELLNET_PG_FAST:-}" ]; then
      echo "# throwaway test cluster: speed over durability"
      echo "max_connections = 400"
      echo "shared_buffers = 32MB"
      echo "work_mem = 4MB"
      echo "maintenance_work_mem = 32MB"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    else
      echo "max_connections = 200"
      echo "shared_buffers = 128MB"
      echo "effective_cache_size = 512MB"
      echo "work_mem = 8MB"
      echo "maintenance_work_mem = 128MB"
    fi
  } | as_service tee -a "$stage/data/postgresql.conf" >/dev/null
  mv "$stage/data" "$data"
  rm -rf "$stage"
  trap - EXIT
  if [ "$data" != "$local_home/data" ] && [ -z "${COSELLNET_PG_DATA:-}" ]; then echo "$data" > "$pointer"; fi
  say "created cluster at $data (port $port, superuser $role, password in $pwfile) in $(( SECONDS - started ))s"
  [ -n "$sockdir" ] || say "note: $data is too long a path for a unix socket; TCP only"
}

cmd_start() {
  has_cluster || die "no PostgreSQL cluster at $data: run deploy/pg.sh init (or ensure) first"
  check_owner
  if is_running; then say "already running on 127.0.0.1:$(port)"; return; fi
  ensure_service_user
  local port; port=$(port_for_start)
  port_in_use "$port" && die "127.0.0.1:$port is already in use by another program; set COSELLNET_PG_PORT to a free port"
  : >> "$log"
  chmod 600 "$log"
  if is_root; then chown "$service_user:" "$log"; fi
  local started=$SECONDS
  if ! as_service "$bin/pg_ctl" -D "$data" -l "$log" -w -t 90 -o "-p $port" start >/dev/null; then
    echo "---- last lines of $log ----" >&2
    tail -n 20 "$log" >&2 || true
    die "PostgreSQL did not start (log: $log)"
  fi
  say "started on 127.0.0.1:$port in $(( SECONDS - started ))s (log: $log)"
}

cmd_stop() {
  local mode=${1:-fast}
  case $mode in smart|fast|immediate) ;; *) die "stop mode must be fast, smart or immediate" ;; esac
  if ! has_cluster; then say "no cluster at $data"; return; fi
  if ! is_running; then say "not running"; return; fi
  as_service "$bin/pg_ctl" -D "$data" -m "$mode" -w -t 90 stop >/dev/null || die "PostgreSQL did not stop (log: $log)"
  say "stopped"
}

cmd_status() {
  if ! has_cluster; then echo "no cluster at $data (run deploy/pg.sh ensure)"; exit 4; fi
  if is_running; then
    echo "running: 127.0.0.1:$(port), pid $(head -n 1 "$data/postmaster.pid"), data $data, log $log"
  else
    echo "stopped: data $data (start it with deploy/pg.sh start)"; exit 3
  fi
}

cmd_createdb() {
  is_running || die "PostgreSQL is not running: run deploy/pg.sh start (or ensure)"
  local exists
  exists=$(client -d postgres -v ON_ERROR_STOP=1 -v "db=$db" -qtA <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'db';
SQL
)
  if [ "$exists" = 1 ]; then say "database $db exists"; return; fi
  client -d postgres -v ON_ERROR_STOP=1 -v "db=$db" -q <<'SQL'
CREATE DATABASE :"db";
SQL
  say "created database $db"
}

cmd_url() {
  has_cluster || die "no PostgreSQL cluster at $data: run deploy/pg.sh ensure first"
  echo "Host=127.0.0.1;Port=$(port);Database=$db;Username=$role;Password=$(password)"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case $cmd in
  init) lock; cmd_init ;;
  start) lock; cmd_start ;;
  stop) lock; cmd_stop "$@" ;;
  status) cmd_status ;;
  createdb) lock; cmd_createdb ;;
  url) cmd_url ;;
  psql) is_running || die "PostgreSQL is not running: run deploy/pg.sh start"; client -d "$db" "$@" ;;
  ensure) lock; cmd_init; cmd_start; cmd_createdb; say "ready: 127.0.0.1:$(port), database $db (connection string: deploy/pg.sh url)" ;;
  ""|-h|--help|help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) echo "usage: deploy/pg.sh ensure|init|start|stop|status|createdb|url|psql" >&2; exit 2 ;;
esac
