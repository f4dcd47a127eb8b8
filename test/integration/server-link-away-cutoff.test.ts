import { closeCodeFor, ErrorCode, Kind } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import {
  type AwayResult,
  expectHonestUnaffected,
  type FloodResult,
  useArena,
  watchHonest,
} from '../support/link-abuse.js';
import type { Stats } from '../support/link-arena-server.js';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep } from '../support/server.js';

/**
 * A player whose WebSocket dropped is away: its session is kept for a resume, and so is its direct server
 * link, which may go on sending. What that link sends still spends the session's fault budget, and the
 * fault that spends it must end the session there and then, with no socket to close: the room hears the
 * player leave, a resume is refused, and the server stops reading the link (it closes with the session).
 */

// Each test's timeout is longer than its own waits added up (a flooder's start alone may take 20 s on a
// loaded machine, then the flood's 8 s at most and the cut's 6 s), so a slow step fails with its own message.
const arena = useArena();

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
