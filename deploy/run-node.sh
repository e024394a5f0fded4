#!/usr/bin/env bash
# Starts one CoSellNet node in the foreground on the embedded PostgreSQL (created, started and
# migrated as needed). Extra arguments go to the node, e.g. --Node:Instance=1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/deploy/pg.sh" ensure
export ConnectionStrings__CoSellNet=${ConnectionStrings__CoSellNet:-$("$root/deploy/pg.sh" url)}
dotnet build "$root/api/CoSellNet.Api" -c Release -v quiet -nologo
dll=$root/api/CoSellNet.Api/bin/Release/net10.0/cosellnet-node.dll
dotnet "$dll" migrate
cd "$(dirname "$dll")"
exec dotnet "$dll" "$@"
