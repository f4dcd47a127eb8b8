import { describe, expect, it } from 'vitest';
import { Kind } from '../../../src/protocol/index.js';
import { RELAY_CONTROL } from '../../../src/transport/index.js';
import { joiningClient } from './fakes/joining-client.js';

const SELF = 'aaaaaaaa01';
const PEER = 'bbbbbbbb02';

/** A room joined (seating 1) with the peer in it, whose dispatch stream 7 a closed mesh of ours retired. */
async function roomWithRecord() {
  const { client, server, clock, join } = await joiningClient(SELF, PEER);
  const room = await join('roomAAAA', 1).joined;
  room.retiredPeerEpochs.set(PEER, 7);
  /** Relays a control frame from the peer on its links' channel 3, stamped with seating `m`. */
  const control = (bytes: Uint8Array, m = 1) =>
    server.send(Kind.DataFromPeer, { from: PEER, c: RELAY_CONTROL, p: bytes, t: clock.now(), m });
  return { client, room, control };
}

describe("a peer's goodbye while our mesh is closed", () => {
  it("lets go of the peer's retired stream: all of it came before", async () => {
    const { client, room, control } = await roomWithRecord();
    control(Uint8Array.of(3));
    expect(room.retiredPeerEpochs.has(PEER)).toBe(false);
    client.close();
  });

  it('one naming a stream of ours does too', async () => {
    const { client, room, control } = await roomWithRecord();
    control(Uint8Array.of(3, 42));
    expect(room.retiredPeerEpochs.has(PEER)).toBe(false);
    client.close();
  });

  it('a beat, a malformed goodbye or one relayed in another seating leaves the record', async () => {
    const { client, room, control } = await roomWithRecord();
    control(Uint8Array.of(3, 1, 2)); // too long: no goodbye
    control(Uint8Array.of(6, ...new Uint8Array(26))); // anything else on the channel
    control(Uint8Array.of(3), 2); // relayed while we sat elsewhere
    expect(room.retiredPeerEpochs.get(PEER)).toBe(7);
    client.close();
  });
});
