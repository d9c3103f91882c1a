#!/usr/bin/env bash
# make bench: runs bench/FfmpegApi.Bench and writes bench/results/latest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet run --project bench/FfmpegApi.Bench -c Release -- "$@"
