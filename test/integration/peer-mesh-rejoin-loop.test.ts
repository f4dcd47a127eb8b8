import { describe, expect, it } from 'vitest';
import { PEER_LINK_BURST } from '../../src/client/mesh/peer-link-budget.js';
import { countingRtc, roomOfClients, serverForHostilePeers } from '../support/hostile-peer.js';
import { eventually } from '../support/server.js';

// The server's default signal budgets (40 at once, 20 a second per pair), kept across a rejoin (ByPair).
const server = serverForHostilePeers();

/**
 * A hostile player leaves the room and joins it again, over and over. Each time, the honest player's mesh
 * made a fresh link to it, and the side with the lower id starts a WebRTC attempt on each new link at once:
 * a connection, and an offer and candidates that the server counts against the honest player's signal
 * budget towards the hostile one, which a rejoin does not refill. Enough rejoins had the server count the
 * honest player's own signals as its faults.
 */
describe('a peer that leaves and rejoins in a loop', () => {
  it('costs the honest mesh a few WebRTC attempts, not one per rejoin', async () => {
    const { clients, rooms } = await roomOfClients(server(), 2);
    // The honest player is the lower id: its links start the attempts.
    const [victimAt, hostileAt] = rooms[0]!.selfId < rooms[1]!.selfId ? [0, 1] : [1, 0];
    const victim = rooms[victimAt]!;
    const hostileClient = clients[hostileAt]!;
    let hostile = rooms[hostileAt]!;
    const hostileId = hostile.selfId;
    const { counter, rtc } = countingRtc();
    const mesh = victim.mesh({ rtc, directTimeoutMs: 20_000, retryDirectMs: 60_000 });
    const faults: string[] = [];
    clients[victimAt]!.on('error', (error) => faults.push(error.code));
    const present = () => victim.members.some((member) => member.playerId === hostileId);
    for (let round = 0; round < 30; round++) {
      await hostile.leave();
      await eventually(() => !present(), 'the victim sees the leave');
      hostile = await hostileClient.join(victim.roomId);
      await eventually(() => present() && mesh.link(hostileId) !== undefined, 'the victim links to it again');
    }
    expect(hostile.selfId).toBe(hostileId); // the same player each time
    // Told (not faults): signals to the player after it left, before the victim heard of the leave.
    expect(faults.filter((code) => code !== 'NOT_IN_ROOM')).toEqual([]);
    expect(clients[victimAt]!.state).toBe('open');
    // The first link and a burst of rejoins, and a refill or two over the run: not 31.
    expect(counter.made).toBeLessThanOrEqual(PEER_LINK_BURST + 2);
    for (const client of clients) client.close();
  }, 60_000);
});
