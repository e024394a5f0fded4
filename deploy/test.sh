#!/usr/bin/env bash
# Builds and runs every test. Each test process starts its own throwaway PostgreSQL from the
# local binaries. Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
results=$root/.local/test-results
rm -rf "$results"
mkdir -p "$results"

dotnet build CoSellNet.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; echo "Build failed." >&2; exit 1; }
dotnet test CoSellNet.sln -c Release --no-build -nologo --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
done
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
