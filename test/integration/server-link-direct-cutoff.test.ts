import { describe, expect, it } from 'vitest';
import { expectHonestUnaffected, type Flooder, useArena, watchHonest } from '../support/link-abuse.js';
import type { Stats } from '../support/link-arena-server.js';
import { sleep } from '../support/server.js';

/**
 * What a player's server link drops is charged to the fault budget its WebSocket's bad frames spend
 * (default 20, one back a second), so a player who keeps sending what is dropped on its direct link is
 * cut off (TOO_MANY_ERRORS, its session ended) as one sending bad frames on its WebSocket is, instead of
 * being read for ever. The server runs in a process of its own, with the default limits.
 */

const arena = useArena();
let flooder: Flooder | undefined;
// Timeouts of 60 s and more: a flooder's start alone may take 20 s on a loaded machine, and each step has
// a bound of its own that names it when it fails.

const heardFrom = (stats: Stats, playerId: string) => stats.heard[playerId]?.phys ?? 0;

/**
 * The code the flooder's client was closed with: `known` (what its attack's answer said), else the first
 * its state says within 5 s (the server may still be reading the flood's last messages as it ends).
 */
async function closedWith(flooder: Flooder, known: string | undefined): Promise<string | undefined> {
  let code = known;
  for (const deadline = Date.now() + 5_000; code === undefined && Date.now() < deadline; ) {
    code = (await flooder.command<{ closedWith?: string }>({ op: 'state' })).closedWith;
    if (code === undefined) await sleep(100);
  }
  return code;
}

describe('a player who keeps sending what its direct server link drops', () => {
  it('20,000 messages a second on phys: cut off with TOO_MANY_ERRORS within seconds; the honest player plays on', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    // Up to 8 s: the budget is spent within about a second, but the flooder is niced (standing in for
    // another machine), and beside busy test files it sent slowly enough to take more than 4 s. The flood
    // ends once the server has closed its channel.
    const view = await watchHonest(arena.honest, () =>
      flooder!.command({ op: 'flood', id: 0, rate: 20_000, ms: 8_000, payload: 'zeros', bytes: 20 }),
    );
    expect(await closedWith(flooder, view.attack.closedWith)).toBe('TOO_MANY_ERRORS');
    const after = await arena.stats();
    expect(after.cutOff - before.cutOff).toBe(1);
    // Past the burst and a second's rate, every 240 messages dropped cost a fault: 20 of them spend the
    // budget, so about 5,000 dropped, not the ~159,000 a flood of 8 s would be without it.
    expect(after.rejected.rate! - before.rejected.rate!).toBeLessThan(20_000);
    const taken = heardFrom(after, flooder.playerId);
    await sleep(500);
    expect(heardFrom(await arena.stats(), flooder.playerId)).toBe(taken); // nothing more is read from it
    expectHonestUnaffected(view);
  }, 90_000);

  it('text messages on phys and on the control channel: each a fault, cut off once the budget is spent', async () => {
    for (const id of [0, 3]) {
      flooder = await arena.flooder();
      const before = await arena.stats();
      // Far under the rate: what cuts it off is that text is no message of the link (all carry bytes).
      const view = await watchHonest(arena.honest, () =>
        flooder!.command({ op: 'flood', id, rate: 50, ms: 3_000, payload: 'text', bytes: 20 }),
      );
      expect(view.attack.closedWith).toBe('TOO_MANY_ERRORS');
      const after = await arena.stats();
      expect(after.cutOff - before.cutOff).toBe(1);
      expect((after.rejected.text ?? 0) - (before.rejected.text ?? 0)).toBeGreaterThanOrEqual(20);
      expectHonestUnaffected(view);
    }
  }, 60_000);

  it('garbage on the control channel: each frame a fault, cut off once the budget is spent', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    // Far under the rate, and bytes (not text): frames of no keepalive type the server knows.
    const view = await watchHonest(arena.honest, () =>
      flooder!.command({ op: 'flood', id: 3, rate: 50, ms: 3_000, payload: 'junk', bytes: 20 }),
    );
    expect(view.attack.closedWith).toBe('TOO_MANY_ERRORS');
    const after = await arena.stats();
    expect(after.cutOff - before.cutOff).toBe(1);
    expect(
      (after.rejected['bad-control'] ?? 0) - (before.rejected['bad-control'] ?? 0),
    ).toBeGreaterThanOrEqual(20);
    expectHonestUnaffected(view);
  }, 60_000);

  it('data channels opened in band, one after another: each a fault, cut off once the budget is spent', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    const view = await watchHonest(arena.honest, () =>
      flooder!.command({ op: 'channels', count: 30, rate: 0, ms: 0 }),
    );
    expect(await closedWith(flooder, undefined)).toBe('TOO_MANY_ERRORS');
    const after = await arena.stats();
    expect(after.badInput.EXTRA_CHANNEL! - before.badInput.EXTRA_CHANNEL!).toBeGreaterThanOrEqual(20);
    expect(after.cutOff - before.cutOff).toBe(1);
    expectHonestUnaffected(view);
  }, 60_000);

  it('a burst over the rate, then the rate kept: a fault or two, never cut off', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    // 1,000 in a second: the burst (480) and the second's 240 are taken, ~280 dropped (one fault).
    const burst = await flooder.command({
      op: 'flood',
      id: 0,
      rate: 1_000,
      ms: 1_000,
      payload: 'zeros',
      bytes: 20,
    });
    const steady = await flooder.command({
      op: 'flood',
      id: 0,
      rate: 200,
      ms: 3_000,
      payload: 'zeros',
      bytes: 20,
    });
    const after = await arena.stats();
    expect(after.rejected.rate! - before.rejected.rate!).toBeGreaterThan(0);
    expect(burst.closedWith).toBeUndefined();
    expect(steady.closedWith).toBeUndefined();
    expect(steady.open).toBe(true);
    expect(after.cutOff - before.cutOff).toBe(0);
    expect(heardFrom(after, flooder.playerId)).toBeGreaterThan(heardFrom(before, flooder.playerId) + 1_000);
  }, 60_000);
});
