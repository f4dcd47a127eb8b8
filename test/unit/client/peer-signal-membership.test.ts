import { describe, expect, it } from 'vitest';
import type { RoomConnection } from '../../../src/client/room-connection.js';
import { Kind } from '../../../src/protocol/index.js';
import { joiningClient } from './fakes/joining-client.js';

const SELF = 'aaaaaaaa01';
const PEER = 'bbbbbbbb02';

async function connected() {
  const { client, server, join } = await joiningClient(SELF, PEER);
  /** Relays a signal from the peer, stamped with `m` (or not at all). */
  const signal = (label: string, m?: number) =>
    server.send(Kind.SignalFromPeer, { from: PEER, s: { label }, ...(m === undefined ? {} : { m }) });
  return { client, join, signal };
}

/** The labels of the signals the room has had from the peer (those before this call replayed). */
function signalsOf(room: RoomConnection): string[] {
  const labels: string[] = [];
  room.consumeSignals(({ signal }) => labels.push((signal as { label: string }).label));
  return labels;
}

describe('peer signals stamped with the membership they were relayed in', () => {
  it('a signal read right behind the answer to a join goes to the joined room, not the one being left', async () => {
    const { client, join, signal } = await connected();
    const inA = await join('roomAAAA', 7).joined;
    const heardInA = signalsOf(inA);
    signal('a1', 7);
    const toB = join('roomBBBB', 8, false);
    // Right behind the answer in the same read (ws in Node), before the join made B ours.
    toB.respond();
    signal('b1', 8);
    const inB = await toB.joined;
    const heardInB = signalsOf(inB);
    signal('b2', 8);
    signal('a2', 7); // relayed in A before we left it, read after the join
    expect(heardInA).toEqual(['a1']);
    expect(heardInB).toEqual(['b1', 'b2']);
    client.close();
  });

  it('a server that numbers no seatings: unstamped signals go to the room we are in', async () => {
    const { client, join, signal } = await connected();
    const room = await join('roomAAAA', undefined).joined;
    const heard = signalsOf(room);
    signal('x');
    expect(heard).toEqual(['x']);
    client.close();
  });
});
