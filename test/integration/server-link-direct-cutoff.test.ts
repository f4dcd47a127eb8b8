import { closeCodeFor, ErrorCode, Kind } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import {
  type AwayResult,
  expectHonestUnaffected,
  type Flooder,
  type FloodResult,
  useArena,
  watchHonest,
} from '../support/link-abuse.js';
import type { Stats } from '../support/link-arena-server.js';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep } from '../support/server.js';

/**
 * What a player's server link drops is charged to the fault budget its WebSocket's bad frames spend
 * (default 20, one back a second), so a player who keeps sending what is dropped on its direct link is
 * cut off (TOO_MANY_ERRORS, its session ended) as one sending bad frames on its WebSocket is, instead of
 * being read for ever. The server runs in a process of its own, with the default limits.
 *
 * A player whose WebSocket dropped is away: its session is kept for a resume, and so is its direct server
 * link, which may go on sending. What that link sends still spends the session's fault budget, and the
 * fault that spends it must end the session there and then, with no socket to close: the room hears the
 * player leave, a resume is refused, and the server stops reading the link (it closes with the session).
 */

// One arena for both (its server, honest player and direct link started once).
const arena = useArena();
let flooder: Flooder | undefined;
// Timeouts of 60 s and more, each longer than its test's waits added up (a flooder's start alone may take
// 20 s on a loaded machine, then a flood's 8 s at most and a cut's 6 s), so a slow step fails with its own
// message.

/** Everything the server's link checks dropped, whatever the reason: grows while it reads a flood. */
const dropped = (stats: Stats) => Object.values(stats.rejected).reduce((sum, n) => sum + n, 0);
const heardFrom = (stats: Stats, playerId: string) => stats.heard[playerId]?.phys ?? 0;

/** Polls the server until it has cut off one more player than `before` did, or `timeoutMs` passes. */
async function untilCutOff(before: Stats, timeoutMs: number): Promise<Stats | undefined> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
    const stats = await arena.stats();
    if (stats.cutOff > before.cutOff) return stats;
  }
  return undefined;
}

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

// First: it expects to hear no player but its flooder leave the room, and a flooder of a later test that
// is not cut off is killed after it, its session held for the grace period (30 s) and only then ended.
describe('a player who is away while its direct server link floods', () => {
  it('is cut off all the same: session ended, the room told, the link no longer read; the honest player plays on', async () => {
    const room = arena.honest.client.room!;
    const awayHeard: string[] = [];
    const left: Array<{ playerId: string; reason: string }> = [];
    room.on('member-away', ({ playerId }) => awayHeard.push(playerId));
    room.on('member-leave', (event) => left.push(event));
    const flooder = await arena.flooder();
    const away = await flooder.command<AwayResult>({ op: 'away' });
    await eventually(() => awayHeard.includes(flooder.playerId), 'the room hears the flooder away');
    // Away, not gone: the session waits for a resume, its direct link still up.
    expect(away.linkOpen).toBe(true);
    expect(left).toEqual([]);

    const before = await arena.stats();
    const view = await watchHonest(arena.honest, async () => {
      // Up to 8 s of 20,000 phys messages a second: the budget is spent within about a second (the
      // flooder is niced, standing in for another machine: beside six busy test files it took several),
      // and what the flooder goes on sending after that, until it hears its channel closed, is what the
      // server must no longer read.
      const command = { op: 'flood', id: 0, rate: 20_000, ms: 8_000, payload: 'zeros', bytes: 20 };
      const flood = flooder.command<FloodResult>(command);
      const cut = await untilCutOff(before, 6_000);
      // What was already on its way as the link closed has been handled by now.
      await sleep(300);
      const settled = cut && (await arena.stats());
      return { cut, settled, flood: await flood };
    });
    const { cut, settled, flood } = view.attack;
    const after = await arena.stats();

    expect(cut, 'connections_cut_total{code="TOO_MANY_ERRORS"} counted').toBeDefined();
    expect(after.cutOff - before.cutOff).toBe(1);
    // The server did read the away player's link until then: the cut came from its drops.
    expect(dropped(cut!) - dropped(before)).toBeGreaterThan(0);
    // The room heard it leave at once, for the cut, not at the end of the grace period.
    expect(left).toEqual([{ playerId: flooder.playerId, reason: ErrorCode.TOO_MANY_ERRORS }]);
    // The server closed the direct link: the flooder's channel is shut, and of what the flood sent after
    // the cut nothing more was read (no drop counted, nothing handed to the room).
    expect(flood.open).toBe(false);
    expect(dropped(after)).toBe(dropped(settled!));
    expect(heardFrom(after, flooder.playerId)).toBe(heardFrom(settled!, flooder.playerId));

    // A resume with the session's token finds it ended, and is told why: cut off, not a grace run out.
    const resume = new RawClient(arena.wsUrl, away.guestToken);
    await resume.opened;
    resume.hello({ playerId: away.playerId, token: away.resumeToken, ack: 0 });
    expect(await resume.closed).toBe(closeCodeFor(ErrorCode.SESSION_EXPIRED));
    const refusals = resume.received(Kind.Error);
    expect(refusals.map((error) => error.code)).toEqual([ErrorCode.SESSION_EXPIRED]);
    expect(refusals[0]?.message).toMatch(/cut off .*TOO_MANY_ERRORS/);

    expectHonestUnaffected(view);
  }, 90_000);
});

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
