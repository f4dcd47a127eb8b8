import { describe, expect, it } from 'vitest';
import type { PeerMesh } from '../../../src/client/mesh/peer-mesh.js';
import { ManualClock } from '../../../src/common/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { type FakeRoom, fakeRoom, member } from './fakes/fake-room.js';

const ids = Array.from({ length: 10 }, (_, i) => `aaaaaaaa${String(i + 1).padStart(2, '0')}`);
const [first, second] = ids as [string, string];
const rtc = { RTCPeerConnection: FakePeerConnection.ctor };

/** Peers with a direct attempt in progress or in use, by the last two digits of their id. */
function directPeers(mesh: PeerMesh): string[] {
  return mesh
    .peers()
    .filter((link) => link.direct !== undefined)
    .map((link) => link.peerId.slice(-2));
}

/** Two players' rooms whose signals reach each other (a microtask later, as through the server). */
function wiredPair(memberIds: string[], clock: ManualClock): [FakeRoom, FakeRoom] {
  const a = fakeRoom(first, memberIds, clock);
  const b = fakeRoom(second, memberIds, clock);
  a.peers.set(second, b.room);
  b.peers.set(first, a.room);
  return [a, b];
}

/**
 * True when exactly one attempt is alive on each side and they match: one side offered, the other
 * took that offer (a pair of players, each with one link).
 */
function negotiating(): boolean {
  const live = FakePeerConnection.made.filter((pc) => !pc.closed);
  const answerer = live.find((pc) => pc.remoteDescription?.type === 'offer');
  const offerer = live.find((pc) => pc.localDescription?.type === 'offer');
  return live.length === 2 && answerer !== undefined && offerer !== undefined && answerer !== offerer;
}

describe('maxMeshSize, as the room grows and shrinks', () => {
  it('links made while the room was small go to the relay when it grows past the cap, and back', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room } = fakeRoom(first, ids.slice(0, 8), clock);
    const mesh = room.mesh({ rtc, maxMeshSize: 8 });
    await settle();
    expect(directPeers(mesh)).toEqual(['02', '03', '04', '05', '06', '07', '08']);
    room.applyMemberJoined(member(ids[8]!));
    await settle();
    expect(directPeers(mesh)).toEqual([]); // 9 > 8: everyone on the relay, the newcomer too
    expect(mesh.peers().every((link) => link.state === 'relayed' && !link.directAllowed)).toBe(true);
    expect(FakePeerConnection.made.every((pc) => pc.closed)).toBe(true);
    room.applyMemberLeft(ids[7]!, 'left');
    await settle();
    // Back to 8: direct attempts again, including the link made while the room was too big.
    expect(directPeers(mesh)).toEqual(['02', '03', '04', '05', '06', '07', '09']);
    clock.advance(120_000);
    await settle();
    expect(mesh.link(ids[8]!)?.directAllowed).toBe(true);
  });

  it('both sides come to the same decision, whichever hears of a join or leave first', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const third = ids[2]!;
    const [a, b] = wiredPair([first, second], clock);
    const meshA = a.room.mesh({ rtc, maxMeshSize: 2 });
    const meshB = b.room.mesh({ rtc, maxMeshSize: 2 });
    await settle();
    expect(negotiating()).toBe(true);

    // A third player: A hears of it before B.
    a.room.applyMemberJoined(member(third));
    await settle();
    b.room.applyMemberJoined(member(third));
    await settle();
    expect(meshA.link(second)?.direct).toBeUndefined();
    expect(meshB.link(first)?.direct).toBeUndefined();
    expect(FakePeerConnection.made.every((pc) => pc.closed)).toBe(true);

    // Back to two: this time B hears first. B offers, A (still at three) declines, then A offers.
    b.room.applyMemberLeft(third, 'left');
    await settle();
    a.room.applyMemberLeft(third, 'left');
    await settle();
    expect(negotiating()).toBe(true);
    for (const pc of FakePeerConnection.made) if (!pc.closed) pc.connect();
    expect(meshA.link(second)?.state).toBe('direct');
    expect(meshB.link(first)?.state).toBe('direct');
  });

  it('a peer with a smaller cap declines, and the initiator stops offering instead of every 20 s', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const [a, b] = wiredPair(ids.slice(0, 9), clock);
    const meshA = a.room.mesh({ rtc, maxMeshSize: 16 }); // the initiator (lower id) allows 9
    b.room.mesh({ rtc, maxMeshSize: 8 }); // its peer does not
    // Five minutes, letting each attempt's offer go out as it would.
    for (let second = 0; second < 300; second++) {
      await settle();
      clock.advance(1_000);
    }
    const offers = a.signals.filter(({ to, signal }) => to === second && (signal as { o?: true }).o === true);
    // One attempt's offer (and any candidates of it), then nothing: B said no.
    expect(new Set(offers.map(({ signal }) => (signal as { n: number }).n)).size).toBe(1);
    expect(b.signals.some(({ signal }) => (signal as { declined?: true }).declined)).toBe(true);
    expect(meshA.link(second)?.state).toBe('relayed');
    expect(meshA.link(second)?.direct).toBeUndefined();
  });
});
