# Shared by run-node.sh and run-cluster.sh (sourced, not run).
#   ConnectionStrings__CoSellNet  use this PostgreSQL instead of the embedded one (pg.sh is not touched)
#   COSELLNET_NO_BUILD=1          use the node as last built instead of building it first

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
node_project=$root/api/CoSellNet.Api/CoSellNet.Api.csproj
node_dir=$root/api/CoSellNet.Api/bin/Release/net10.0
node_dll=$node_dir/cosellnet-node.dll

say() { echo "${0##*/}: $*"; }
die() { echo "${0##*/}: error: $*" >&2; exit 1; }

# True if the node's own arguments name a connection string (--ConnectionStrings:CoSellNet=...).
args_name_database() {
  local arg
  for arg in "$@"; do
    case $arg in --ConnectionStrings:CoSellNet*|--ConnectionStrings__CoSellNet*|ConnectionStrings:CoSellNet=*) return 0 ;; esac
  done
  return 1
}

# Exports ConnectionStrings__CoSellNet: the given one, or the embedded PostgreSQL's (created,
# started and its database made as needed).
use_database() {
  if [ -n "${ConnectionStrings__CoSellNet:-}" ] || args_name_database "$@"; then
    say "using the external PostgreSQL from the configured connection string (embedded PostgreSQL not started)"
    return
  fi
  bash "$root/deploy/pg.sh" ensure
  ConnectionStrings__CoSellNet=$(bash "$root/deploy/pg.sh" url)
  export ConnectionStrings__CoSellNet
}

build_node() {
  command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not installed: see https://dot.net"
  if [ -n "${COSELLNET_NO_BUILD:-}" ]; then
    [ -f "$node_dll" ] || die "COSELLNET_NO_BUILD is set but $node_dll is not built"
    return
  fi
  say "building the node (Release)..."
  local started=$SECONDS
  dotnet build "$node_project" -c Release -nologo -v quiet -clp:NoSummary \
    || die "the node did not build (see the errors above)"
  [ -f "$node_dll" ] || die "the build did not produce $node_dll"
  say "built in $(( SECONDS - started ))s"
}

# Applies the schema once, before any node starts (nodes also migrate at start, under a lock).
migrate() {
  (cd "$node_dir" && dotnet "$node_dll" migrate "$@") || die "applying the database schema failed (see above)"
}
