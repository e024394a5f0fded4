#!/usr/bin/env bash
# The project's test command: builds the solution in Release and runs every test project, each
# test process on its own throwaway PostgreSQL (started from the local binaries by the tests).
# Results are written as TRX files under .local/test-results/<run>/. The last line of output is
#   N passed, N failed, N skipped
# totalled over all test assemblies; the exit code is non-zero if the build or any test failed.
#
#   deploy/test.sh                          everything
#   deploy/test.sh --filter "FullyQualifiedName~Storage"   extra arguments go to dotnet test
# Environment: COSELLNET_TEST_TARGET (default CoSellNet.sln; a test project path also works),
#              COSELLNET_TEST_HANG_TIMEOUT (default 15m; a single test running longer is killed
#              and reported as failed instead of stalling CI; "0" turns this off).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
target=${COSELLNET_TEST_TARGET:-CoSellNet.sln}
hang=${COSELLNET_TEST_HANG_TIMEOUT:-15m}

summary() {
  echo "$1 passed, $2 failed, $3 skipped"
}

if ! command -v dotnet >/dev/null; then
  echo "test.sh: the .NET 10 SDK (dotnet) is not installed: see https://dot.net" >&2
  summary 0 1 0
  exit 1
fi

results=$root/.local/test-results/$(date -u +%Y%m%d-%H%M%S)-$$
mkdir -p "$results"
# Keep the results of the last 10 runs.
ls -1dt "$root"/.local/test-results/*/ 2>/dev/null | tail -n +11 | xargs -r rm -rf

started=$SECONDS
echo "test.sh: building $target (Release)..."
if ! dotnet build "$target" -c Release -nologo -v quiet -clp:NoSummary; then
  echo "test.sh: the build failed (errors above); no tests were run." >&2
  summary 0 1 0
  exit 1
fi

hang_args=()
if [ "$hang" != 0 ]; then hang_args=(--blame-hang-timeout "$hang" --blame-hang-dump-type none); fi

dotnet test "$target" -c Release --no-build -nologo \
  --logger trx \
  --results-directory "$results" "${hang_args[@]}" "$@"
status=$?

# Sum the counters of every TRX file (one per test assembly).
passed=0 failed=0 skipped=0 files=0
attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<< "$2"; }
while IFS= read -r -d '' trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  [ -n "$counters" ] || continue
  files=$((files + 1))
  for a in passed; do passed=$((passed + $(attr $a "$counters"))); done
  for a in failed error timeout aborted; do failed=$((failed + $(attr $a "$counters"))); done
  # Skipped tests are in "total" but not in "executed" (TRX has no skipped counter of its own).
  skipped=$((skipped + $(attr total "$counters") - $(attr executed "$counters")))
done < <(find "$results" -name '*.trx' -print0)

echo "test.sh: $files test assemblies, results in ${results#"$root"/}, $(( SECONDS - started ))s"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A test host that crashed or hung, or dotnet test itself failing: never report that as green.
  echo "test.sh: dotnet test failed (exit $status) without a failed test in the results: a test host crashed or was killed, see above." >&2
  failed=1
elif [ "$status" -eq 0 ] && [ "$files" -eq 0 ]; then
  echo "test.sh: no test results were written." >&2
  failed=1
fi
summary "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
