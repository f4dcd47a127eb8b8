import { describe, expect, it } from 'vitest';
import { countingRtc, roomOfClients, serverForHostilePeers, someOffer } from '../support/hostile-peer.js';
import { sleep } from '../support/server.js';

// The server's default signal budgets (40 at once, 20 a second per pair): what a real deployment has.
const server = serverForHostilePeers();

/**
 * A hostile player sends an honest one offer after offer, each for a new attempt, just under its own
 * signaling budget. Each would make the honest mesh open a connection and answer it (an answer and its
 * candidates): its replies would go over its own budget towards the hostile player, and the server would
 * count them as the honest player's faults until it cut the honest player off.
 */
describe('a peer that floods offers', () => {
  it('does not make the honest mesh break its own signal budget', async () => {
    const { clients, rooms } = await roomOfClients(server(), 3);
    const [victim, hostile] = [rooms[0]!, rooms[2]!];
    const { counter, rtc } = countingRtc();
    const mesh = victim.mesh({ rtc, directTimeoutMs: 20_000, retryDirectMs: 60_000 });
    const faults: string[] = [];
    clients[0]!.on('error', (error) => faults.push(error.code));
    const offer = await someOffer();
    const before = counter.made;
    // 18 offers a second for 6 s: the hostile player stays within the server's budget (20 a second).
    for (let n = 1_000; n < 1_108; n++) {
      hostile.signal(victim.selfId, { n, o: true, signal: { description: offer } });
      await sleep(1000 / 18);
    }
    await sleep(1_000);
    expect(faults).toEqual([]);
    expect(clients[0]!.state).toBe('open');
    expect(victim.left).toBe(false);
    const link = mesh.link(hostile.selfId)!;
    // A few attempts in a burst, then one every couple of seconds: the rest are ignored, and counted.
    expect(counter.made - before).toBeLessThanOrEqual(8);
    expect(link.ignoredOffers).toBeGreaterThan(90);
    for (const client of clients) client.close();
  }, 30_000);
});
