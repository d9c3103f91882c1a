#!/usr/bin/env bash
# make mutation: Stryker.NET on FfmpegApi.Media; writes bench/results/mutation.md (score + surviving mutants).
# Not part of CI (it runs the Media tests once per mutant).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
rm -rf artifacts/stryker
(cd tests/FfmpegApi.Media.Tests && dotnet stryker --config-file ../../stryker-config.json --output ../../artifacts/stryker "$@")
python3 scripts/mutation-report.py artifacts/stryker/reports/mutation-report.json bench/results/mutation.md
cat bench/results/mutation.md | head -40
