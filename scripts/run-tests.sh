#!/usr/bin/env bash
# Runs the test suite inside a network namespace that has only loopback, so that nothing a test starts
# (browsers gathering WebRTC candidates on every interface, mDNS, ICE checks) can reach any other
# address. Needs root (or unprivileged user namespaces); without it, the tests that open WebRTC in a
# browser are skipped with a message and everything else runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${VEHIKILL_NET_ISOLATED:-}" != "1" ] && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && VEHIKILL_NET_ISOLATED=1 exec npx vitest run "$@"' sh "$@"
fi
if [ "${VEHIKILL_NET_ISOLATED:-}" != "1" ]; then
  echo "note: cannot create a loopback-only network namespace here (needs root): browser WebRTC tests are skipped" >&2
fi
exec npx vitest run "$@"
