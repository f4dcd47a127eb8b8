#!/usr/bin/env bash
# Installs what the tests need from the system, or says what to install. Quiet when all is present.
set -euo pipefail

# "package:check-path" pairs.
needs=(
  "chromium:/usr/lib/chromium/chromium"
  "firefox-esr:/usr/lib/firefox-esr/firefox-esr"
  "coturn:/usr/bin/turnserver"
  "nftables:/usr/sbin/nft"
  "redis-server:/usr/bin/redis-server"
  "redis-tools:/usr/bin/redis-cli"
)

missing=()
for need in "${needs[@]}"; do
  package="${need%%:*}"
  path="${need#*:}"
  [ -x "$path" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them (as root): apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing test dependencies: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null

for need in "${needs[@]}"; do
  path="${need#*:}"
  if [ ! -x "$path" ]; then
    echo "Installed ${need%%:*}, but $path is still missing" >&2
    exit 1
  fi
done
