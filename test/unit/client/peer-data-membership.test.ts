import { describe, expect, it } from 'vitest';
import type { RoomConnection } from '../../../src/client/room-connection.js';
import { Kind } from '../../../src/protocol/index.js';
import { Channel } from '../../../src/transport/index.js';
import { joiningClient } from './fakes/joining-client.js';

const SELF = 'aaaaaaaa01';
const PEER = 'bbbbbbbb02';

async function connected() {
  const { client, server, clock, join } = await joiningClient(SELF, PEER);
  /** Relays one phys byte from the peer, stamped with `m` (or not at all). */
  const relay = (byte: number, m?: number) =>
    server.send(Kind.DataFromPeer, {
      from: PEER,
      c: 0,
      p: Uint8Array.of(byte),
      t: clock.now(),
      ...(m === undefined ? {} : { m }),
    });
  return { client, join, relay };
}

/** Every byte the room's relay link from the peer delivers. */
function heard(room: RoomConnection): number[] {
  const bytes: number[] = [];
  room.relayLink(PEER).onMessage((channel, data) => {
    if (channel === Channel.phys) bytes.push(data[0]!);
  });
  return bytes;
}

describe('relayed peer data stamped with the membership it was relayed in', () => {
  it('what was relayed in the room before reaches no link of the room after; what was relayed in it does', async () => {
    const { client, join, relay } = await connected();
    const inA = await join('roomAAAA', 1).joined;
    const heardInA = heard(inA);
    relay(0xa1, 1);
    const inB = await join('roomBBBB', 2).joined;
    const heardInB = heard(inB);
    relay(0xa2, 1); // waited on the server behind the answer to the join of B
    relay(0xb1, 2);
    relay(0xc1); // an older server: no stamp, the room we are in
    expect(heardInA).toEqual([0xa1]);
    expect(heardInB).toEqual([0xb1, 0xc1]);
    client.close();
  });

  it('while the join of another room is in flight: data for the room we are in is delivered, data for the other is not', async () => {
    const { client, join, relay } = await connected();
    const inA = await join('roomAAAA', 7).joined;
    const heardInA = heard(inA);
    const toB = join('roomBBBB', 8, false);
    relay(0xa1, 7);
    // Right behind the answer in the same read (ws in Node), before the join made B ours.
    toB.respond();
    relay(0xb1, 8);
    const inB = await toB.joined;
    const heardInB = heard(inB);
    relay(0xb2, 8);
    expect(heardInA).toEqual([0xa1]);
    expect(heardInB).toEqual([0xb2]);
    client.close();
  });

  it('a server that numbers no seatings: untagged data is delivered as before', async () => {
    const { client, join, relay } = await connected();
    const room = await join('roomAAAA', undefined).joined;
    const bytes = heard(room);
    relay(0x01);
    expect(bytes).toEqual([0x01]);
    client.close();
  });
});
