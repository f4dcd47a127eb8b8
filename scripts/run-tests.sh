#!/usr/bin/env bash
# Runs the test suite inside a loopback-only network namespace (scripts/isolated.sh): browsers gather
# WebRTC candidates on every interface, and the UDP-blocking tests change packet filters; neither may
# touch anything but the tests' own namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/isolated.sh npx vitest run "$@"
