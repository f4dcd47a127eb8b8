import { describe, expect, it } from 'vitest';
import { countingRtc, roomOfClients, serverForHostilePeers } from '../support/hostile-peer.js';
import { eventually, sleep } from '../support/server.js';

const server = serverForHostilePeers();

/**
 * A player leaving the room that closes its mesh first (the app turns it off, then leaves): its goodbye
 * reaches the other players just ahead of its leave, while it is still a member, and their meshes put a
 * fresh link in the closed one's place for its next mesh. On the side that starts WebRTC attempts, that link
 * made a connection at once and sent an offer to the player who was leaving, which the server refused:
 * NOT_IN_ROOM. (A leave alone says no goodbye: the room closes its relay links first.)
 */
describe('a player whose mesh says goodbye as it leaves the room', () => {
  it.each([
    ['at once', 0],
    ['a moment later (its leave waits its turn)', 300],
  ])('is sent no offer, and no connection is made for it (the leave goes %s)', async (_, gapMs) => {
    const { clients, rooms } = await roomOfClients(server(), 2);
    // The staying player is the lower id: its links start the attempts.
    const [stayingAt, leavingAt] = rooms[0]!.selfId < rooms[1]!.selfId ? [0, 1] : [1, 0];
    const staying = rooms[stayingAt]!;
    const leaving = rooms[leavingAt]!;
    const { counter, rtc } = countingRtc();
    const mesh = staying.mesh({ rtc, directTimeoutMs: 20_000, retryDirectMs: 60_000 });
    // Relay only: it declines the first link's offer, and the links stay on the relay.
    const leavingMesh = leaving.mesh({ rtc: false });
    // Which attempt each signal belongs to (its link's epoch and attempt number): the first link's own
    // trickled candidates may still trail in after its offer was declined; only another attempt's count.
    const attemptOf = (signal: unknown) => {
      const { e, n } = signal as { e?: unknown; n?: unknown };
      return `${String(e)}:${String(n)}`;
    };
    const attempts: string[] = [];
    leaving.on('signal', ({ signal }) => attempts.push(attemptOf(signal)));
    const faults: string[] = [];
    clients[stayingAt]!.on('error', (error) => faults.push(`${error.code} ${error.message}`));
    const states: string[] = [];
    mesh.on('peer-state', ({ state }) => states.push(state));
    expect(counter.made).toBe(1);
    // Declined: the first link's attempt is over, and it sends nothing more to the player.
    await eventually(() => mesh.link(leaving.selfId)?.direct === undefined, 'the first offer declined');
    const firstAttempt = attempts[0];
    expect(firstAttempt).toBeDefined();
    const signalsAfterGoodbye: unknown[] = [];
    leaving.on('signal', ({ signal }) => {
      if (attemptOf(signal) !== firstAttempt) signalsAfterGoodbye.push(signal);
    });
    leavingMesh.close();
    await sleep(gapMs);
    await leaving.leave();
    await eventually(() => staying.members.length === 1, 'the leave heard');
    await sleep(500); // a signal to the player who left would be refused by now
    // The goodbye closed the link and a fresh one took its place, which the leave closed.
    expect(states).toEqual(['closed', 'relayed', 'closed']);
    expect(signalsAfterGoodbye).toEqual([]);
    expect(faults).toEqual([]);
    expect(counter.made).toBe(1);
    for (const client of clients) client.close();
  });
});
