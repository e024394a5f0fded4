#!/usr/bin/env bash
# Runs N nodes (default 2) of one cluster on this machine in the background: node i serves HTTP
# on 5080+i. Logs and pids in .local/logs/. `deploy/run-cluster.sh stop` stops them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
logs=$root/.local/logs
mkdir -p "$logs"

if [ "${1:-}" = stop ]; then
  for pidfile in "$logs"/node-*.pid; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null && echo "stopped $(basename "$pidfile" .pid)" || true
    rm -f "$pidfile"
  done
  exit 0
fi

count=${1:-2}
"$root/deploy/pg.sh" ensure
export ConnectionStrings__CoSellNet=${ConnectionStrings__CoSellNet:-$("$root/deploy/pg.sh" url)}
export Node__OperatorKeyFile=${Node__OperatorKeyFile:-$root/.local/operator-key}
dotnet build "$root/api/CoSellNet.Api" -c Release -v quiet -nologo
dll=$root/api/CoSellNet.Api/bin/Release/net10.0/cosellnet-node.dll
dotnet "$dll" migrate
cd "$(dirname "$dll")"
for ((i = 0; i < count; i++)); do
  nohup dotnet "$dll" --Node:Instance=$i > "$logs/node-$i.log" 2>&1 &
  echo $! > "$logs/node-$i.pid"
  echo "node $i: http://127.0.0.1:$((5080 + i)) (log $logs/node-$i.log)"
done
for ((i = 0; i < count; i++)); do
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$((5080 + i))/health/ready" >/dev/null 2>&1 && { echo "node $i ready"; break; }
    sleep 0.5
  done
done
[ -f "$Node__OperatorKeyFile" ] && echo "operator key: in $Node__OperatorKeyFile (first start only)"
