#!/usr/bin/env bash
# make bench: runs bench/FfmpegApi.Bench and writes bench/results/latest.md. Where PostgreSQL is installed, a throwaway
# server (scripts/pg-test.sh, loopback only) adds the PostgreSQL queue rows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if pg=$(scripts/pg-test.sh start 2>/dev/null); then
  pgdir=${pg%% *}
  trap 'scripts/pg-test.sh stop "$pgdir"' EXIT
  export FFMPEG_API_BENCH_POSTGRES=${pg#* }
fi
dotnet run --project bench/FfmpegApi.Bench -c Release -- "$@"
