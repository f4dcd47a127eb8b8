import { ManualClock, MemoryRegistry, type NodeInfo } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { guestSecretWarning } from '../../../src/server/auth/guest-secret-warning.js';
import { OtherNodesCheck } from '../../../src/server/registry/other-nodes-check.js';

const self = { nodeId: 'node-a', url: 'ws://127.0.0.1:1/a' };
const other: NodeInfo = { nodeId: 'node-b', url: 'ws://127.0.0.1:2/b', draining: false, bootId: 'b' };

afterEach(() => {
  vi.restoreAllMocks();
});

/** A lone node's check at every heartbeat (every 2 s) for `seconds`: how many listings it made. */
async function beatAlone(
  check: OtherNodesCheck,
  registry: MemoryRegistry,
  clock: ManualClock,
  seconds: number,
) {
  const listings = vi.spyOn(registry, 'listNodes');
  const before = listings.mock.calls.length;
  for (let beat = 0; beat < seconds / 2; beat++) {
    clock.advance(2_000);
    await check.check(registry, self, clock.now());
  }
  return listings.mock.calls.length - before;
}

describe('OtherNodesCheck', () => {
  it('lists the nodes ever more seldom while the node is alone, down to once a minute', async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    const check = new OtherNodesCheck([guestSecretWarning]);
    // The first minute: at 2, 4, 8, 16 and 32 s rather than at each of its 30 heartbeats.
    expect(await beatAlone(check, registry, clock, 60)).toBeLessThanOrEqual(6);
    // Then once a minute.
    expect(await beatAlone(check, registry, clock, 600)).toBeLessThanOrEqual(10);
  });

  it('says so once when a second node has come, however long the node was alone before', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    const check = new OtherNodesCheck([guestSecretWarning]);
    await beatAlone(check, registry, clock, 3_600);
    await registry.heartbeat(other, 3_600_000);
    await beatAlone(check, registry, clock, 60);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain(`node-b at ${other.url}`);
    // Said once: no more listings either.
    expect(await beatAlone(check, registry, clock, 600)).toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
