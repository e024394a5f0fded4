#!/usr/bin/env bash
# Runs N nodes of one cluster on this machine in the background (default 2).
#
#   deploy/run-cluster.sh [N] [node arguments...]   start nodes 0..N-1 and wait until each is ready
#   deploy/run-cluster.sh status                    show the nodes and whether they answer
#   deploy/run-cluster.sh stop                      stop them (PostgreSQL keeps running: deploy/pg.sh stop)
#
# Node i listens on HTTP 5080+i, silo 11111+i, gateway 30000+i, on 127.0.0.1. Logs go to
# .local/logs/node-i.log, pids to .local/run/node-i.pid. The database is the embedded PostgreSQL
# unless ConnectionStrings__CoSellNet is set. On the network's first start the operator key is
# written to .local/operator-key (mode 0600; override with Node__OperatorKeyFile), not to the logs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node-common.sh"

logs=$root/.local/logs
run=$root/.local/run

# pid of node i if it is running (and really is a node, not a recycled pid), else nothing.
node_pid() {
  local file=$run/node-$1.pid pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q cosellnet-node; then
    echo "$pid"
  fi
}

known_nodes() {
  local file
  for file in "$run"/node-*.pid; do
    [ -f "$file" ] || continue
    file=${file##*/node-}; echo "${file%.pid}"
  done | sort -n
}

# The URL node i listens on, from its log ("Now listening on: http://...").
node_url() {
  [ -f "$logs/node-$1.log" ] || return 0
  sed -n 's/.*Now listening on: \(http[^ ]*\).*/\1/p' "$logs/node-$1.log" | head -n 1
}

# HTTP status code of GET url (no curl needed).
http_status() {
  local url=$1 hostport path host port
  hostport=${url#http://}; path=/${hostport#*/}; hostport=${hostport%%/*}
  [ "$path" = "/$hostport" ] && path=/
  host=${hostport%:*}; port=${hostport##*:}
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$0" "$1" >&3
    read -r _ code _ <&3 && echo "$code"' "$host" "$port" "$path" 2>/dev/null || true
}

wait_ready() {
  local i=$1 pid=$2 url="" deadline=$(( SECONDS + 120 ))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "---- last lines of $logs/node-$i.log ----" >&2
      tail -n 30 "$logs/node-$i.log" >&2 || true
      die "node $i exited during start-up (log: $logs/node-$i.log)"
    fi
    [ -n "$url" ] || url=$(node_url "$i")
    if [ -n "$url" ] && [ "$(http_status "$url/health/ready")" = 200 ]; then
      say "node $i ready: $url (pid $pid, log ${logs#"$root"/}/node-$i.log)"
      return
    fi
    sleep 0.5
  done
  die "node $i was not ready within 120 s (log: $logs/node-$i.log)"
}

cmd_stop() {
  local i pid stopped=0
  for i in $(known_nodes); do
    pid=$(node_pid "$i")
    if [ -n "$pid" ]; then
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; say "node $i (pid $pid) killed: it did not stop within 30 s"
      else say "node $i (pid $pid) stopped"; fi
      stopped=$((stopped + 1))
    fi
    rm -f "$run/node-$i.pid"
  done
  [ $stopped -gt 0 ] || say "no nodes running"
}

cmd_status() {
  local i pid url any=0
  for i in $(known_nodes); do
    any=1
    pid=$(node_pid "$i"); url=$(node_url "$i")
    if [ -z "$pid" ]; then echo "node $i: not running (log $logs/node-$i.log)"; continue; fi
    echo "node $i: pid $pid, ${url:-no URL yet}, /health/ready -> $( [ -n "$url" ] && http_status "$url/health/ready" || echo '?')"
  done
  [ $any -eq 1 ] || echo "no nodes (start them with deploy/run-cluster.sh [N])"
}

cmd_start() {
  local count=2
  if [ $# -gt 0 ] && [[ $1 != -* ]]; then count=$1; shift; fi
  [[ $count =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 50 ] || die "the node count must be a number from 1 to 50, not '$count'"
  local i arg
  for arg in "$@"; do
    case $arg in
      --Node:Instance*|--Node:HttpPort*|--Node:SiloPort*|--Node:GatewayPort*|--Node__*Port*|--Node__Instance*)
        die "$arg would give every node the same ports; run-cluster.sh numbers the nodes itself (node i: HTTP 5080+i)" ;;
    esac
  done
  for i in $(known_nodes); do
    [ -z "$(node_pid "$i")" ] || die "node $i is already running: deploy/run-cluster.sh stop first"
  done
  mkdir -p "$logs" "$run"
  chmod 700 "$logs"
  rm -f "$run"/node-*.pid

  use_database "$@"
  build_node
  migrate "$@"
  export Node__OperatorKeyFile=${Node__OperatorKeyFile:-$root/.local/operator-key}
  local had_key=0; [ -f "$Node__OperatorKeyFile" ] && had_key=1

  # Node 0 first (it forms the cluster and, on a new network, creates the operator key), then the
  # rest together. Each runs in its own session so that Ctrl-C here does not reach it.
  local pids=()
  for ((i = 0; i < count; i++)); do
    (umask 077; : > "$logs/node-$i.log")
    (cd "$node_dir" && exec setsid dotnet "$node_dll" --Node:Instance="$i" "$@" >> "$logs/node-$i.log" 2>&1 < /dev/null) &
    pids[i]=$!
    echo "${pids[i]}" > "$run/node-$i.pid"
    [ "$i" -gt 0 ] || wait_ready 0 "${pids[0]}"
  done
  for ((i = 1; i < count; i++)); do wait_ready "$i" "${pids[i]}"; done

  if [ $had_key -eq 0 ] && [ -f "$Node__OperatorKeyFile" ]; then
    say "first start of this network: the operator key is in $Node__OperatorKeyFile (mode 0600); store it and delete the file"
  fi
  say "$count node(s) running; stop them with deploy/run-cluster.sh stop"
}

case "${1:-}" in
  stop) cmd_stop ;;
  status) cmd_status ;;
  -h|--help|help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) cmd_start "$@" ;;
esac
