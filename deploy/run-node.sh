#!/usr/bin/env bash
# Starts one CoSellNet node in the foreground (Ctrl-C stops it).
#
#   deploy/run-node.sh                      node 0: HTTP 5080, silo 11111, gateway 30000
#   deploy/run-node.sh --Node:Instance=1    node 1: HTTP 5081, silo 11112, gateway 30001
#
# By default the node runs on the embedded PostgreSQL (deploy/pg.sh ensure: created, started and
# its database made as needed). Set ConnectionStrings__CoSellNet to use another PostgreSQL.
# The node is built once in Release, the schema applied (cosellnet-node migrate), then it runs
# with every argument given here. On the very first start it prints the operator key, once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node-common.sh"

use_database "$@"
build_node
migrate "$@"
cd "$node_dir"
say "starting the node (URL below, once it listens; Ctrl-C stops it)"
exec dotnet "$node_dll" "$@"
