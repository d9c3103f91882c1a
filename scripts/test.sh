#!/usr/bin/env bash
# Runs every test project and prints one summed line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/install-deps.sh --test || exit 1

mkdir -p artifacts
log=artifacts/test.log
echo "==> dotnet build"
if ! dotnet build FfmpegApi.slnx --nologo -v quiet -c Debug > artifacts/build.log 2>&1; then
  grep -E "error|warn" artifacts/build.log | sort -u | head -50
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

echo "==> dotnet test"
dotnet test --solution FfmpegApi.slnx --no-build --no-ansi --no-progress "$@" 2>&1 \
  | grep -v '^ *{"Timestamp"' | tee "$log"
status=${PIPESTATUS[0]}

awk '/^  failed: /{f+=$2} /^  succeeded: /{p+=$2} /^  skipped: /{s+=$2} END{printf "%d passed, %d failed, %d skipped\n",p,f,s}' "$log"
exit "$status"
