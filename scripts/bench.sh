#!/usr/bin/env bash
# make bench: runs bench/FfmpegApi.Bench and writes bench/results/latest.md. Where PostgreSQL is installed, a throwaway
# server (scripts/pg-test.sh, loopback only) adds the PostgreSQL queue rows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --bench
if pg=$(scripts/pg-test.sh start 2>/dev/null); then
  pgdir=${pg%% *}
  trap 'scripts/pg-test.sh stop "$pgdir"' EXIT
  export FFMPEG_API_BENCH_POSTGRES=${pg#* }
fi
# The exactly-once fault test of make test at full size (2,000 short jobs across 4 worker processes, 8–10 minutes on 2
# cores); its timing becomes a row of the table. Skipped for the partial runs (--queue, --scale, --storage).
if [[ -n "${FFMPEG_API_BENCH_POSTGRES:-}" && " $* " != *" --queue "* && " $* " != *" --scale "* && " $* " != *" --storage "* && " $* " != *" --cache "* && " $* " != *" --overhead "* && " $* " != *" --backup "* ]]; then
  dotnet build tests/FfmpegApi.Tests -v q -nologo >/dev/null
  FFMPEG_API_BENCH_FAULT_REPORT=$(mktemp)
  rm -f "$FFMPEG_API_BENCH_FAULT_REPORT"
  export FFMPEG_API_BENCH_FAULT_REPORT
  FFMPEG_API_TEST_POSTGRES=$FFMPEG_API_BENCH_POSTGRES FFMPEG_API_FAULT_JOBS=${FFMPEG_API_FAULT_JOBS:-2000} \
    FFMPEG_API_FAULT_REPORT=$FFMPEG_API_BENCH_FAULT_REPORT \
    tests/FfmpegApi.Tests/bin/Debug/net10.0/FfmpegApi.Tests -method '*Thousands_of_short_jobs*' | tail -5 || true
fi
dotnet run --project bench/FfmpegApi.Bench -c Release -- "$@"
