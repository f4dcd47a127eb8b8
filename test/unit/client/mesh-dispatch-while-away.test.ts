import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel, RELAY_CHANNEL_NUMBER } from '../../../src/transport/index.js';
import { fakeRoom } from './fakes/fake-room.js';

const self = 'aaaaaaaa01';
const peer = 'aaaaaaaa02';

/** A mesh on the relay whose peer never acks (it is as far away as our socket is down). */
function relayedMesh() {
  const clock = new ManualClock();
  let connected = true;
  const fake = fakeRoom(self, [self, peer], clock, { connected: () => connected });
  const mesh = fake.room.mesh({ rtc: false });
  const dispatchFrames = () =>
    fake.relayed.filter(({ to, channel }) => to === peer && channel === RELAY_CHANNEL_NUMBER.dispatch).length;
  return { clock, fake, mesh, dispatchFrames, setConnected: (up: boolean) => (connected = up) };
}

describe("a peer's dispatch messages while the session's socket is down", () => {
  it('are not sent again and again into the session outbox meanwhile', () => {
    const { clock, mesh, dispatchFrames, setConnected } = relayedMesh();
    setConnected(false);
    for (let i = 0; i < 10; i++) expect(mesh.send(peer, Channel.dispatch, new Uint8Array([i]))).toBe(true);
    expect(dispatchFrames()).toBe(10);
    // A minute away: each retransmission would only queue duplicates for the resume to replay (and fill the
    // outbox the app's own reliable messages need), where the outbox replays the first ones anyway.
    for (let s = 0; s < 60; s++) clock.advance(1_000);
    expect(dispatchFrames()).toBe(10);
    mesh.close();
  });

  it('go again on their timer once the session resumed', () => {
    const { clock, fake, mesh, dispatchFrames, setConnected } = relayedMesh();
    setConnected(false);
    for (let i = 0; i < 10; i++) mesh.send(peer, Channel.dispatch, new Uint8Array([i]));
    for (let s = 0; s < 30; s++) clock.advance(1_000);
    setConnected(true);
    fake.room.applyResumed();
    expect(dispatchFrames()).toBe(10);
    // Still no ack a second after the resume: they went astray after all, and go again.
    clock.advance(1_000);
    expect(dispatchFrames()).toBe(20);
    mesh.close();
  });

  it('are retransmitted as before while the socket is up', () => {
    const { clock, mesh, dispatchFrames } = relayedMesh();
    for (let i = 0; i < 10; i++) mesh.send(peer, Channel.dispatch, new Uint8Array([i]));
    clock.advance(1_000);
    expect(dispatchFrames()).toBe(20);
    mesh.close();
  });
});
