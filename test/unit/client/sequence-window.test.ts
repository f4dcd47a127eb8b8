import { describe, expect, it } from 'vitest';
import { OUTBOX_RESERVE } from '../../../src/client/outbox-reserve.js';
import { ErrorCode, Kind, MAX_SEQ_AHEAD } from '../../../src/protocol/index.js';
import { seatedClient } from './fakes/seated-client.js';

const SELF = 'aaaaaaaa01';

/** The numbers at the top of the window that only reliable messages may take (see SessionOutput). */
const RELIABLE_ONLY_SEQS = 1_024;

describe('the window of sequence numbers the client keeps to', () => {
  it('numbers expiring messages that die while away only so far past the ack; a reliable one still goes', async () => {
    const seated = await seatedClient(SELF, 'bbbbbbbb02');
    const { client, server, clock, room } = seated;
    server.send(Kind.Ack, { ack: server.lastSeq }); // the join
    const acked = server.lastSeq;
    await seated.drop();
    // Away, sending what lives a millisecond: each dies unsent, freeing its place in the outbox, but its
    // number is spent. The outbox's own limit (1,024 live messages) never stops this.
    let numbered = 0;
    let refused: unknown;
    while (refused === undefined && numbered <= MAX_SEQ_AHEAD) {
      try {
        room.send('shout', numbered, { class: 'expiring', ttlMs: 1 });
        numbered++;
        if (numbered % 256 === 0) clock.advance(2);
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toMatchObject({ code: ErrorCode.OUTBOX_OVERFLOW });
    expect(numbered).toBe(MAX_SEQ_AHEAD - RELIABLE_ONLY_SEQS);
    // The rest is for reliable messages, which cannot die: the server gets one and its ack moves the window.
    room.send('shout', 'kept');
    seated.onResumeHello = () => server.welcome(SELF, clock, { resumed: true, ack: acked });
    await seated.reconnect();
    expect(client.state).toBe('open');
    expect(server.receivedOf(Kind.ClientRoomMessage).at(-1)).toMatchObject({ t: 'shout', d: 'kept' });
    // The widest gap this client makes, and what the server takes: MAX_SEQ_AHEAD past its newest received.
    expect(server.lastSeq - acked).toBe(MAX_SEQ_AHEAD - RELIABLE_ONLY_SEQS + 1);
    expect(() => room.send('shout', 'again', { class: 'expiring', ttlMs: 1 })).toThrow(
      expect.objectContaining({ code: ErrorCode.OUTBOX_OVERFLOW }),
    );
    server.send(Kind.Ack, { ack: server.lastSeq });
    room.send('shout', 'again', { class: 'expiring', ttlMs: 1 });
    expect(server.receivedOf(Kind.ClientRoomMessage).at(-1)).toMatchObject({ d: 'again' });
    await client.close();
  });

  it("keeps the window's last numbers for what may take the outbox's reserve: an answer to the room goes", async () => {
    // An outbox larger than the window: the window is what fills.
    const big = { outboxMessages: 2 * MAX_SEQ_AHEAD, outboxBytes: 64 * 1024 * 1024 };
    const seated = await seatedClient(SELF, 'bbbbbbbb02', big);
    const { client, server, clock, room } = seated;
    server.send(Kind.Ack, { ack: server.lastSeq });
    const acked = server.lastSeq;
    let answer: (value: string) => void = () => {};
    room.onRequest('ready?', () => new Promise<string>((resolve) => (answer = resolve)));
    server.send(Kind.ServerRoomMessage, { roomId: 'room-1', t: 'ready?', q: 1, w: 600_000 });
    await seated.drop();
    let numbered = 0;
    let refused: unknown;
    while (refused === undefined && numbered <= MAX_SEQ_AHEAD) {
      try {
        room.send('shout', numbered);
        numbered++;
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toMatchObject({ code: ErrorCode.OUTBOX_OVERFLOW });
    expect(numbered).toBe(MAX_SEQ_AHEAD - OUTBOX_RESERVE.messages);
    answer('yes');
    await Promise.resolve();
    seated.onResumeHello = () => server.welcome(SELF, clock, { resumed: true, ack: acked });
    await seated.reconnect();
    expect(server.receivedOf(Kind.RoomReply)).toEqual([{ q: 1, ok: true, d: 'yes' }]);
    await client.close();
  });
});
