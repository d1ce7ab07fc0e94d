#!/usr/bin/env bash
# Make sure headless Chromium and its WebDriver are installed (Debian packages `chromium` and
# `chromium-driver`) for the browser tests of the web console (tests/web/, marker `browser`).
# Only installs. Prints two lines on stdout: the path of the chromium binary, then of chromedriver;
# progress and errors go to stderr.
set -euo pipefail

log() { echo "ensure_chromium: $*" >&2; }

find_bins() {
  local chrome driver
  chrome="$(command -v chromium || command -v chromium-browser || true)"
  driver="$(command -v chromedriver || true)"
  [ -z "$driver" ] && [ -x /usr/lib/chromium/chromedriver ] && driver=/usr/lib/chromium/chromedriver
  if [ -n "$chrome" ] && [ -n "$driver" ]; then
    echo "$chrome"; echo "$driver"; return 0
  fi
  return 1
}

if find_bins; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "chromium/chromedriver are not installed; run as root: apt-get update && apt-get install -y chromium chromium-driver"
  exit 1
fi

log "installing chromium and chromium-driver from Debian packages (a few minutes the first time)"
export DEBIAN_FRONTEND=noninteractive
# apt holds a lock: another session installing at the same time makes us wait, not fail
apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >&2
find_bins || { log "installed, but chromium or chromedriver is still not on PATH"; exit 1; }
