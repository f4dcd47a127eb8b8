#!/usr/bin/env bash
# Runs a command inside a network namespace that has only loopback (needs root, or unprivileged user
# namespaces), so that nothing it starts (browsers' ICE agents, mDNS, packet-loss rules) can reach or
# change any other network. Sets VEHIKILL_NET_ISOLATED=1 inside; without a namespace the command runs
# as it is and whatever needs isolation skips itself.
set -euo pipefail
if [ "${VEHIKILL_NET_ISOLATED:-}" != "1" ] && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && VEHIKILL_NET_ISOLATED=1 exec "$@"' sh "$@"
fi
if [ "${VEHIKILL_NET_ISOLATED:-}" != "1" ]; then
  echo "note: no loopback-only network namespace here (needs root): what needs one is skipped" >&2
fi
exec "$@"
