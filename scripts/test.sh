#!/usr/bin/env bash
# make test: install what is missing, check formatting, build (analyzers as errors), run every test project with
# coverage, enforce the coverage thresholds, and end with one summed line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/install-deps.sh --test || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

rm -rf artifacts/TestResults
mkdir -p artifacts
echo "==> dotnet format --verify-no-changes"
if ! dotnet format FfmpegApi.slnx --verify-no-changes --no-restore > artifacts/format.log 2>&1; then
  head -40 artifacts/format.log
  echo "formatting differs from .editorconfig: run 'make format' and commit"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

echo "==> dotnet build (warnings are errors)"
if ! dotnet build FfmpegApi.slnx --nologo -v quiet -c Debug > artifacts/build.log 2>&1; then
  grep -E "error|warn" artifacts/build.log | sort -u | head -50
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

echo "==> dotnet test (with coverage)"
log=artifacts/test.log
dotnet test --solution FfmpegApi.slnx --no-build --no-ansi --no-progress \
  --coverlet --coverlet-output-format cobertura --results-directory "$PWD/artifacts/TestResults" "$@" 2>&1 \
  | grep -v '^ *{"Timestamp"' | tee "$log"
status=${PIPESTATUS[0]}

# The API and queue suite again, on a real PostgreSQL server (loopback, throwaway): every test server gets a fresh
# database on it. Its results are added to the same summary.
echo "==> PostgreSQL: tests/FfmpegApi.Tests again with Database:Provider=postgres"
if pg=$(scripts/pg-test.sh start); then
  pgdir=${pg%% *}
  trap 'scripts/pg-test.sh stop "$pgdir"' EXIT
  FFMPEG_API_TEST_POSTGRES=${pg#* } dotnet test --project tests/FfmpegApi.Tests/FfmpegApi.Tests.csproj --no-build --no-ansi --no-progress \
    --coverlet --coverlet-output-format cobertura --results-directory "$PWD/artifacts/TestResults/postgres" "$@" 2>&1 \
    | grep -v '^ *{"Timestamp"' | tee -a "$log"
  (( PIPESTATUS[0] == 0 )) || status=1
  scripts/pg-test.sh stop "$pgdir"
  trap - EXIT
else
  echo "PostgreSQL did not start (see /tmp/pgtest.*/server.log)"
  echo "  failed: 1" >> "$log"
  status=1
fi

coverage=0
scripts/coverage-gate.sh || coverage=1

summary=$(awk '/^  failed: /{f+=$2} /^  succeeded: /{p+=$2} /^  skipped: /{s+=$2} END{printf "%d passed, %d failed, %d skipped\n",p,f,s}' "$log")
if (( status == 0 && coverage != 0 )); then
  echo "tests passed but coverage is below its threshold"
  status=1
fi
echo "$summary"
exit "$status"
