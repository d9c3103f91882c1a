#!/usr/bin/env bash
# Installs what the service (and, with --test, the test suite) needs on Debian 12, only where missing.
# Everything comes from Debian apt, NuGet and npm through their normal clients; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_bench=0
[[ "${1:-}" == "--test" ]] && want_test=1
[[ "${1:-}" == "--bench" ]] && want_bench=1

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

apt_packages=()
command -v ffmpeg >/dev/null 2>&1 || apt_packages+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || apt_packages+=(ffmpeg)
# drawtext (the text operation) finds its font through fontconfig.
[[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || apt_packages+=(fonts-dejavu-core)
# VMAF comes from an npm package (see below); npm itself from apt when missing.
[[ -x .tools/vmaf/ffmpeg ]] || command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
if (( want_test )); then
  # The client-compatibility tests drive the API with Debian's python3 + requests and with node's fetch.
  /usr/bin/python3 -c 'import requests' >/dev/null 2>&1 || apt_packages+=(python3 python3-requests)
  command -v node >/dev/null 2>&1 || apt_packages+=(nodejs)
  # The API/queue suite runs a second time on a real PostgreSQL server that scripts/pg-test.sh starts on loopback.
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 || apt_packages+=(postgresql)
  # The optional Redis second cache level is tested against a real redis-server the tests start on loopback.
  command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
  # The dashboard tests drive Debian's headless Chromium through its chromedriver (Selenium).
  { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || apt_packages+=(chromium chromium-driver)
fi

# make bench loads the job read path with wrk.
(( want_bench )) && { command -v wrk >/dev/null 2>&1 || apt_packages+=(wrk); }

if (( ${#apt_packages[@]} )); then
  echo "==> apt-get install ${apt_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

# Debian's ffmpeg has no libvmaf. The npm package @ffmpeg-installer/linux-x64@4.1.0 holds a static ffmpeg 4.1 with
# libvmaf 1.3; it is used only for VMAF (Ffmpeg:VmafFfmpegPath, found at .tools/vmaf/ffmpeg by default).
if [[ ! -x .tools/vmaf/ffmpeg ]]; then
  echo "==> npm pack @ffmpeg-installer/linux-x64@4.1.0 (VMAF-capable ffmpeg)"
  mkdir -p .tools/vmaf
  tarball=$(cd .tools/vmaf && npm pack --silent @ffmpeg-installer/linux-x64@4.1.0 | tail -1)
  tar -xzf ".tools/vmaf/$tarball" -C .tools/vmaf --strip-components=1 package/ffmpeg
  rm -f ".tools/vmaf/$tarball"
  chmod +x .tools/vmaf/ffmpeg
fi

# The object-storage tests run against s3rver and Azurite (S3 and Azure Blob emulators from npm) that the test
# suite starts on loopback itself.
if (( want_test )) && { [[ ! -x .tools/emulators/node_modules/.bin/s3rver ]] || [[ ! -x .tools/emulators/node_modules/.bin/azurite-blob ]]; }; then
  echo "==> npm install s3rver@3.7.1 azurite@3.37.0 (storage emulators for the tests)"
  mkdir -p .tools/emulators
  npm install --prefix .tools/emulators --no-audit --no-fund --silent s3rver@3.7.1 azurite@3.37.0 >/dev/null
fi

# The dashboard tests run the axe-core accessibility engine (npm) inside the headless Chromium page.
if (( want_test )) && [[ ! -f .tools/axe/node_modules/axe-core/axe.min.js ]]; then
  echo "==> npm install axe-core@4.14.1 (accessibility checks of the dashboard)"
  mkdir -p .tools/axe
  npm install --prefix .tools/axe --no-audit --no-fund --silent axe-core@4.14.1 >/dev/null
fi

# The player tests load real HLS/DASH players (npm) in the headless Chromium page and play the service's ladders.
if (( want_test )) && [[ ! -f .tools/players/node_modules/shaka-player/dist/shaka-player.compiled.js ]]; then
  echo "==> npm install hls.js@1.7.4 dashjs@5.2.1 shaka-player@5.2.12 (players for the ladder tests)"
  mkdir -p .tools/players
  npm install --prefix .tools/players --no-audit --no-fund --silent hls.js@1.7.4 dashjs@5.2.1 shaka-player@5.2.12 >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK 10 is required (dotnet not on PATH). See https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> dotnet tool restore && dotnet restore"
dotnet tool restore >/dev/null
dotnet restore FfmpegApi.slnx --nologo -v quiet
