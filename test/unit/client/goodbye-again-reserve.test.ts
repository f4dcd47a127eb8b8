import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, Kind, ProtocolError } from '../../../src/protocol/index.js';
import { encodeDispatchData } from '../../../src/transport/dispatch-frames.js';
import { RELAY_CHANNEL_NUMBER, RELAY_CONTROL } from '../../../src/transport/index.js';
import { leaveAnswered } from './fakes/leave-answered.js';
import { seatedClient } from './fakes/seated-client.js';

const SELF = 'aaaaaaaa01';
const PEER = 'bbbbbbbb02';
const BYE = 3;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A seated client with a small outbox whose mesh of before took the peer's stream 7 and closed, the peer's
 * link never hearing that goodbye: `oldStream(seq)` relays the peer's next frame of it, which the new mesh
 * drops and answers by saying the goodbye again (`goodbyes()`, as the server read them).
 */
async function meshAfterLostGoodbye() {
  const seated = await seatedClient(SELF, PEER, { outboxMessages: 4 });
  const { server, clock, room } = seated;
  room.retiredPeerEpochs.set(PEER, 7);
  room.mesh({ rtc: false });
  const oldStream = async (seq: number) => {
    const p = encodeDispatchData(7, seq, Uint8Array.of(seq));
    server.send(Kind.DataFromPeer, { from: PEER, c: RELAY_CHANNEL_NUMBER.dispatch, p, t: clock.now(), m: 1 });
    await flush();
  };
  const goodbyes = () =>
    server
      .receivedOf(Kind.DataToPeer)
      .filter((body) => body.c === RELAY_CONTROL && body.p.length <= 2 && body.p[0] === BYE);
  /** Room messages until the outbox refuses one: the server acks none of them. */
  const fillOutbox = () => {
    for (let n = 0; ; n++) {
      try {
        room.send('chat', n);
      } catch (error) {
        if (error instanceof ProtocolError && error.code === ErrorCode.OUTBOX_OVERFLOW) return;
        throw error;
      }
    }
  };
  return { ...seated, oldStream, goodbyes, fillOutbox };
}

describe("a relay link saying a closed link's goodbye again while the outbox is full", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("leaves the room held back for goodbyes to a leave, however long the peer's old stream goes on", async () => {
    const { client, server, clock, room, oldStream, fillOutbox } = await meshAfterLostGoodbye();
    fillOutbox();
    // The peer's link goes on sending that stream, a frame a second for minutes (a peer that never
    // hears the goodbye: the server acks nothing meanwhile, or a hostile peer sending it on purpose).
    for (let second = 1; second <= 200; second++) {
      await oldStream(second);
      clock.advance(1_000);
    }
    expect(await leaveAnswered(room, server)).toBeUndefined();
    client.close();
  });

  it('says it again once the outbox has room, at the next frame of the old stream', async () => {
    const { client, server, clock, oldStream, goodbyes, fillOutbox } = await meshAfterLostGoodbye();
    await oldStream(1);
    expect(goodbyes()).toEqual([expect.objectContaining({ to: PEER, p: Uint8Array.of(BYE, 7) })]);
    // A full outbox refuses the next one; once the server acks, the next frame has it said again.
    fillOutbox();
    clock.advance(1_000);
    await oldStream(2);
    expect(goodbyes()).toHaveLength(1);
    server.send(Kind.Ack, { ack: server.lastSeq });
    clock.advance(1_000);
    await oldStream(3);
    expect(goodbyes()).toHaveLength(2);
    client.close();
  });
});
