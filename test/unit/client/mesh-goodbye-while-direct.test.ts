import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { encodeGoodbye } from '../../../src/transport/keepalive.js';
import { RELAY_CONTROL } from '../../../src/transport/relay-link.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { fakeRoom } from './fakes/fake-room.js';

const self = 'aaaaaaaa01'; // the lower id: it offers
const peer = 'aaaaaaaa02';
const rtc = { RTCPeerConnection: FakePeerConnection.ctor };

describe("the peer's goodbye through the server while the link is direct", () => {
  it('closes the link (and the mesh makes a fresh one), as it does on the relay', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const { room } = fakeRoom(self, [self, peer], clock);
    const mesh = room.mesh({ rtc });
    await settle();
    const link = mesh.link(peer);
    FakePeerConnection.made[0]?.connect();
    expect(link?.state).toBe('direct');
    const states: string[] = [];
    mesh.on('peer-state', ({ state }) => states.push(state));
    // The peer's link closed, and its goodbye came through the server (its direct one was lost, or the
    // peer's link never had one: a link that never heard our own goodbye, made to go by hearing it again).
    room.receivePeerData(peer, RELAY_CONTROL, encodeGoodbye(), 0, undefined);
    // Left direct, it would go on with a stream of the peer's that the next link of the peer's replaces, its
    // relay path gone: the peer's messages on it would be dropped for as long as the direct path lasts.
    expect(link?.state).toBe('closed');
    expect(states).toEqual(['closed', 'relayed']);
    expect(mesh.link(peer)).not.toBe(link);
    expect(mesh.link(peer)?.state).toBe('relayed');
    mesh.close();
  });
});
