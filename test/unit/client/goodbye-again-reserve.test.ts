import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, Kind } from '../../../src/protocol/index.js';
import { encodeDispatchData } from '../../../src/transport/dispatch-frames.js';
import { RELAY_CHANNEL_NUMBER, RELAY_CONTROL } from '../../../src/transport/index.js';
import { seatedClient } from './fakes/seated-client.js';

const SELF = 'aaaaaaaa01';
const PEER = 'bbbbbbbb02';
const BYE = 3;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("a relay link saying a closed link's goodbye again while the outbox is full", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("leaves the room held back for goodbyes to a leave, however long the peer's old stream goes on", async () => {
    const { client, server, clock, room } = await seatedClient(SELF, PEER, { outboxMessages: 4 });
    // A mesh of ours closed after taking the peer's stream 7, whose goodbye the peer's link never heard.
    room.retiredPeerEpochs.set(PEER, 7);
    room.mesh({ rtc: false });
    let full = false;
    for (let n = 0; n < 100 && !full; n++) {
      try {
        room.send('chat', n);
      } catch (error) {
        expect(error).toMatchObject({ code: ErrorCode.OUTBOX_OVERFLOW });
        full = true;
      }
    }
    expect(full).toBe(true);
    // The peer's link goes on sending that stream, a frame a second for minutes (a peer that never
    // hears the goodbye: the server acks nothing meanwhile, or a hostile peer sending it on purpose).
    for (let second = 1; second <= 200; second++) {
      const frame = encodeDispatchData(7, second, Uint8Array.of(second));
      server.send(Kind.DataFromPeer, {
        from: PEER,
        c: RELAY_CHANNEL_NUMBER.dispatch,
        p: frame,
        t: clock.now(),
        m: 1,
      });
      clock.advance(1_000);
      await flush();
    }
    const goodbyes = server
      .receivedOf(Kind.DataToPeer)
      .filter((body) => body.c === RELAY_CONTROL && body.p.length <= 2 && body.p[0] === BYE);
    expect(goodbyes.length).toBeGreaterThan(0); // it was said again
    const leaving = room.leave().catch((error: unknown) => error);
    await flush();
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
    const rid = server.receivedOf(Kind.LeaveRoom)[0]?.rid as number;
    server.send(Kind.Response, { rid, ok: true });
    expect(await leaving).toBeUndefined();
    await client.close();
  });
});
