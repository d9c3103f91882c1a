#!/usr/bin/env bash
# Turns the coverlet cobertura files into artifacts/coverage (Summary.txt + HTML) and fails when line coverage
# is below the thresholds. Raise the thresholds as coverage grows; never lower them.
set -euo pipefail
cd "$(dirname "$0")/.."

MEDIA_MIN=${MEDIA_MIN:-95}      # FfmpegApi.Media (issue asks >= 85; measured 98.1 %)
SOLUTION_MIN=${SOLUTION_MIN:-87} # all product code (issue asks >= 80; measured 88.5 %)

reports=$(find artifacts/TestResults -name 'coverage.cobertura*.xml' 2>/dev/null | paste -sd ';' -)
if [[ -z "$reports" ]]; then
  echo "coverage: no cobertura reports found under artifacts/TestResults" >&2
  exit 1
fi

rm -rf artifacts/coverage
dotnet reportgenerator "-reports:$reports" -targetdir:artifacts/coverage "-reporttypes:TextSummary;Html" \
  "-assemblyfilters:-*.Tests;-FfmpegApi.Bench" "-classfilters:-FfmpegApi.Core.Data.Migrations.*;-FfmpegApi.Core.Data.PostgresMigrations.*" -verbosity:Warning >/dev/null

summary=artifacts/coverage/Summary.txt
solution=$(awk -F': ' '/^  Line coverage:/{gsub("%","",$2); print $2; exit}' "$summary")
media=$(awk '$1=="FfmpegApi.Media"{gsub("%","",$2); print $2; exit}' "$summary")
echo "==> coverage (lines): solution ${solution}% (min ${SOLUTION_MIN}%), FfmpegApi.Media ${media}% (min ${MEDIA_MIN}%)"
grep -E '^[A-Za-z]' "$summary" | grep -v '^Summary' | sed 's/^/    /'
echo "    HTML report: artifacts/coverage/index.html"

ok=1
awk -v a="$solution" -v b="$SOLUTION_MIN" 'BEGIN{exit !(a+0 >= b+0)}' || { echo "coverage: solution ${solution}% is below ${SOLUTION_MIN}%" >&2; ok=0; }
awk -v a="$media" -v b="$MEDIA_MIN" 'BEGIN{exit !(a+0 >= b+0)}' || { echo "coverage: FfmpegApi.Media ${media}% is below ${MEDIA_MIN}%" >&2; ok=0; }
(( ok ))
