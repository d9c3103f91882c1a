#!/usr/bin/env bash
# make run: install what is missing, build, start the embedded server (API + workers, SQLite, local storage).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build src/FfmpegApi --nologo -v quiet -c Release
exec dotnet src/FfmpegApi/bin/Release/net10.0/ffmpeg-api.dll serve "$@"
