#!/usr/bin/env bash
# Make sure the Prometheus server and promtool binaries are installed (Debian package `prometheus`).
# Only installs: the Debian service is never started here; tests run the binary themselves on
# 127.0.0.1 with a temporary storage directory. Prints the path of the prometheus binary.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  command -v prometheus
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure_prometheus: prometheus is not installed; run as root: apt-get update && apt-get install -y prometheus" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# policy-rc.d exit 101 = "do not start services": installing must not launch the Debian daemon
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends prometheus >&2
command -v prometheus
