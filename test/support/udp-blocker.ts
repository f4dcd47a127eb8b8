import { execFileSync } from 'node:child_process';

const TABLE = 'vehikill_test_udp';

/**
 * Drops all inbound UDP in this process's network namespace (the tests' own loopback-only one), as a
 * network that blocks UDP mid-session would; WebSocket (TCP) keeps working. Dropped on input, not
 * output: an output drop makes sendmsg() fail, which is not what a real network does (TESTING.md).
 */
export function blockUdp(): void {
  nft(['add', 'table', 'inet', TABLE]);
  nft(['add', 'chain', 'inet', TABLE, 'input', '{ type filter hook input priority 0; }']);
  nft(['add', 'rule', 'inet', TABLE, 'input', 'meta', 'l4proto', 'udp', 'drop']);
}

export function unblockUdp(): void {
  try {
    nft(['delete', 'table', 'inet', TABLE]);
  } catch {
    // not blocked
  }
}

function nft(args: string[]): void {
  execFileSync('nft', args, { stdio: 'pipe' });
}
