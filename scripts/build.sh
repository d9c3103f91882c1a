#!/usr/bin/env bash
# make build: publish the self-contained-framework-dependent executable to dist/ffmpeg-api.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
rm -rf dist
dotnet publish src/FfmpegApi -c Release -r linux-x64 --self-contained false -o dist/app --nologo -v quiet
ln -sf app/ffmpeg-api dist/ffmpeg-api
echo "Built dist/ffmpeg-api ($(du -sh dist/app | cut -f1))"
