/**
 * A client written from docs/protocol.md alone (test/support/foreign-client.ts), as a studio writing one
 * in C#, Godot or Rust would, against the real server: every frame it sends or reads is built by hand
 * from the document. When one of these tests fails, either the server or the document changed: the other
 * must follow.
 */
import { type Channel, Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import {
  type Body,
  CLOSE,
  encodeFrame,
  encoder,
  type ForeignClient,
  guestToken,
  K,
  PROTOCOL_VERSION,
  readVaruint,
  writeVaruint,
} from '../support/foreign-client.js';
import { foreignGame } from '../support/foreign-game.js';
import { TestRoom } from './rooms-fixtures.js';

// ---------------------------------------------------------------------------------------------------
// The server side: the real library.
// ---------------------------------------------------------------------------------------------------

const Marker = entity('marker', { n: int({ min: 0, max: 1000 }) });

/** A room streaming a one-entity world with RoomSync every 20 ms, for reading snapshot headers. */
class SyncRoom extends Room {
  sync!: RoomSync;
  tick = 0;
  override onCreate(): void {
    this.sync = new RoomSync(this, { types: [Marker], rateHz: 50 });
    const id = this.sync.world.spawn(Marker, { n: 0 });
    this.clock.setInterval(() => {
      this.tick++;
      this.sync.world.update(id, Marker, { n: this.tick % 1000 });
      this.sync.flush(this.tick);
    }, 20);
  }
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }
}

const HEARTBEAT_MS = 100;
const { start, open, connect } = foreignGame(
  { test: TestRoom, sync: SyncRoom },
  { heartbeatMs: HEARTBEAT_MS },
);

const roomMessages = (client: ForeignClient, t: string) =>
  client.frames.filter((f) => f.kind === K.ServerRoomMessage && f.body.t === t).map((f) => f.body.d);

// ---------------------------------------------------------------------------------------------------

describe('a client written from docs/protocol.md alone', () => {
  it('gets a guest token, says hello and reads a welcome of the documented shape', async () => {
    const urls = await start();
    const { guest, welcome } = await open(urls, 'Ada');
    expect(guest.name).toBe('Ada');
    expect(typeof guest.userId).toBe('string');
    expect(welcome).toMatchObject({
      name: 'Ada',
      resumed: false,
      resync: false,
      ack: 0,
      heartbeatMs: HEARTBEAT_MS,
    });
    expect(welcome.playerId).toMatch(/^[A-Za-z0-9_-]{8,32}$/);
    expect(typeof welcome.resumeToken).toBe('string');
    expect(typeof welcome.graceMs).toBe('number');
    // A live clock has a fraction; whichever encoding it came in, it reads as ms since the epoch.
    expect(Math.abs((welcome.serverTime as number) - Date.now())).toBeLessThan(5_000);
  });

  it('creates a room, is joined by a second client, and trades room messages and a broadcast', async () => {
    const urls = await start();
    const alice = await open(urls, 'Alice');
    const bob = await open(urls, 'Bob');

    const created = await alice.client.request(K.CreateRoom, { type: 'test' });
    expect(created.ok).toBe(true);
    const aliceRoom = created.result as { room: { roomId: string; type: string }; membership: number };
    expect(aliceRoom.room.type).toBe('test');
    expect(aliceRoom.membership).toBe(1); // "its first seating is 1"

    const joined = await bob.client.request(K.JoinRoom, { roomId: aliceRoom.room.roomId });
    expect(joined.ok).toBe(true);
    const bobRoom = joined.result as { members: { playerId: string }[]; state: unknown; membership: number };
    expect(bobRoom.members.map((m) => m.playerId).sort()).toEqual(
      [alice.welcome.playerId, bob.welcome.playerId].sort(),
    );
    expect(bobRoom.state).toEqual({ log: [] });
    const memberJoined = await alice.client.waitFor((f) => f.kind === K.MemberJoined, 'member joined');
    expect(memberJoined.envelope).toBe('reliable');
    expect(memberJoined.body).toMatchObject({
      roomId: aliceRoom.room.roomId,
      member: { playerId: bob.welcome.playerId, name: 'Bob', away: false },
    });

    // Client -> room -> the same client: `echo` answers its sender only.
    bob.client.sendReliable(K.ClientRoomMessage, { t: 'echo', m: bobRoom.membership, d: { x: 1 } });
    await bob.client.waitFor((f) => f.kind === K.ServerRoomMessage && f.body.t === 'echo', 'echo');
    expect(roomMessages(bob.client, 'echo')).toEqual([{ x: 1 }]);
    // A volatile (bare) room message, as inputs go.
    alice.client.sendBare(K.ClientRoomMessage, { t: 'echo', m: aliceRoom.membership, d: [1, 2] });
    await alice.client.waitFor((f) => f.kind === K.ServerRoomMessage && f.body.t === 'echo', 'bare echo');
    expect(roomMessages(alice.client, 'echo')).toEqual([[1, 2]]);

    // A room request (`q`) gets exactly one RoomReply naming it, a refusal too.
    bob.client.sendReliable(K.ClientRoomMessage, {
      t: 'echo',
      m: bobRoom.membership,
      d: 'asked',
      q: 5,
      w: 1_000,
    });
    bob.client.sendReliable(K.ClientRoomMessage, { t: 'nope', m: bobRoom.membership, q: 6, w: 1_000 });
    const replies = await Promise.all(
      [5, 6].map((q) => bob.client.waitFor((f) => f.kind === K.RoomReply && f.body.q === q, `reply ${q}`)),
    );
    expect(replies.map((reply) => reply.body)).toMatchObject([
      { q: 5, ok: true },
      { q: 6, ok: false, code: 'UNKNOWN_MESSAGE_TYPE' },
    ]);

    // A broadcast reaches every member, the sender too.
    alice.client.sendReliable(K.ClientRoomMessage, { t: 'chat', m: aliceRoom.membership, d: { text: 'hi' } });
    for (const { client } of [alice, bob]) {
      const chat = await client.waitFor((f) => f.kind === K.ServerRoomMessage && f.body.t === 'chat', 'chat');
      expect(chat.body).toMatchObject({
        roomId: aliceRoom.room.roomId,
        d: { from: alice.welcome.playerId, text: 'hi' },
      });
    }
  });

  it('numbers reliable frames 1, 2, 3 each way, acks them cumulatively and replays exactly the unacked after a resume', async () => {
    const urls = await start();
    const { client, welcome, guest } = await open(urls, 'Seq');
    const created = await client.request(K.CreateRoom, { type: 'test' });
    const m = (created.result as { membership: number }).membership;

    // 40 reliable echoes: more than the 32 that make an ack go at once.
    for (let n = 0; n < 40; n++) client.sendReliable(K.ClientRoomMessage, { t: 'echo', m, d: n });
    await client.waitFor(
      (f) => f.kind === K.Ack && f.body.ack === client.sent,
      'the server acks all we sent',
    );
    expect(client.unacked.size).toBe(0);
    // "after 32 new sequenced messages": never more than 32 go unacked between two acks.
    const acks = client.frames.filter((f) => f.kind === K.Ack).map((f) => f.body.ack as number);
    expect(acks.map((ack, i) => ack - (acks[i - 1] ?? 0)).every((step) => step > 0 && step <= 32)).toBe(true);
    await client.waitFor(() => roomMessages(client, 'echo').length === 40, '40 echoes');
    expect(roomMessages(client, 'echo')).toEqual(Array.from({ length: 40 }, (_, n) => n));
    // The server's sequence: one per direction, from 1, no gaps for reliable frames.
    const seqs = client.frames.filter((f) => f.seq !== undefined).map((f) => f.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, n) => n + 1));
    await client.waitFor(() => client.sentAcks.at(-1) === client.received, 'our ack of everything');

    // An expiring message takes a number of the same sequence, and is acked with the rest.
    const expiring: number[] = [K.Expiring];
    writeVaruint(++client.sent, expiring);
    writeVaruint(250, expiring); // ttl ms
    expiring.push(K.ClientRoomMessage, ...encoder.encode({ t: 'echo', m, d: 'expiring' }));
    client.socket.send(Uint8Array.from(expiring));
    await client.waitFor(() => roomMessages(client, 'echo').includes('expiring'), 'the expiring echo');
    await client.waitFor((f) => f.kind === K.Ack && f.body.ack === client.sent, 'its ack');
    await client.waitFor(() => client.sentAcks.at(-1) === client.received, 'our ack of that echo');

    // Now stop acking: three echoes stay unacked on the server's side; the socket dies (no close frame).
    client.autoAck = false;
    const before = client.received;
    for (const n of [100, 101, 102]) client.sendReliable(K.ClientRoomMessage, { t: 'echo', m, d: n });
    await client.waitFor(() => client.received === before + 3, 'three more echoes');
    client.socket.terminate();
    await client.waitClosed();

    // Resume claiming only the first of the three: the server replays the other two, nothing else.
    const resumed = await connect(urls, guest.token);
    const back = await resumed.hello({
      resume: { playerId: welcome.playerId, token: welcome.resumeToken, ack: before + 1, attempt: 1 },
    });
    expect(back).toMatchObject({
      resumed: true,
      resync: false,
      playerId: welcome.playerId,
      ack: client.sent,
    });
    resumed.received = before + 1;
    resumed.sent = client.sent;
    await resumed.waitFor(() => roomMessages(resumed, 'echo').length === 2, 'the replay');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(roomMessages(resumed, 'echo')).toEqual([101, 102]);
    expect(resumed.frames.filter((f) => f.seq !== undefined).map((f) => f.seq)).toEqual([
      before + 2,
      before + 3,
    ]);

    // The new connection's sequence goes on from Welcome.ack; a reliable message is delivered once, and
    // the same frame again (a replay overlapping what arrived) is dropped silently.
    const seq = resumed.sendReliable(K.ClientRoomMessage, { t: 'echo', m, d: 'after' });
    await resumed.waitFor(() => roomMessages(resumed, 'echo').includes('after'), 'an echo after the resume');
    resumed.socket.send(encodeFrame(K.ClientRoomMessage, { t: 'echo', m, d: 'after' }, seq));
    resumed.sendReliable(K.ClientRoomMessage, { t: 'echo', m, d: 'last' });
    await resumed.waitFor(
      () => roomMessages(resumed, 'echo').includes('last'),
      'the echo behind the duplicate',
    );
    expect(roomMessages(resumed, 'echo')).toEqual([101, 102, 'after', 'last']);
    expect(resumed.frames.filter((f) => f.kind === K.Error)).toEqual([]);
    await resumed.waitFor((f) => f.kind === K.Ack && f.body.ack === resumed.sent, 'its ack');
  });

  it('stays connected past the heartbeat timeout by answering pings, and measures its own round trip', async () => {
    const urls = await start();
    const { client } = await open(urls, 'Beat');
    const silent = await open(urls, 'Silent');
    silent.client.answerPings = false;
    silent.client.autoAck = false;

    // Ten heartbeats: past 3 (the timeout) and the check's heartbeat of slack.
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 10));
    expect(client.closed).toBeUndefined();
    const pings = client.frames.filter((f) => f.kind === K.Ping);
    expect(pings.length).toBeGreaterThanOrEqual(5);
    for (const ping of pings) expect(ping.envelope).toBe('bare');
    // The silent one, heard from not once since its hello, is cut without a closing frame.
    expect(silent.client.closed?.code).toBe(1006);

    const t = performance.timeOrigin + performance.now();
    client.sendBare(K.Ping, { id: 7, t });
    const pong = await client.waitFor((f) => f.kind === K.Pong && f.body.id === 7, 'pong');
    expect(pong.body.t).toBe(t);
    const now = performance.timeOrigin + performance.now();
    expect(now - t).toBeGreaterThanOrEqual(0);
    expect(Math.abs((pong.body.rt as number) - (t + now) / 2)).toBeLessThan(1_000);
  });

  it('leaves the room (the other member hears "left") and ends its session with a 1000 close', async () => {
    const urls = await start();
    const alice = await open(urls, 'Alice');
    const bob = await open(urls, 'Bob');
    const created = await alice.client.request(K.CreateRoom, { type: 'test' });
    const roomId = (created.result as { room: { roomId: string } }).room.roomId;
    await bob.client.request(K.JoinRoom, { roomId });

    expect(await bob.client.request(K.LeaveRoom, {})).toMatchObject({ ok: true });
    const left = await alice.client.waitFor((f) => f.kind === K.MemberLeft, 'member left');
    expect(left.body).toEqual({ roomId, playerId: bob.welcome.playerId, reason: 'left' });
    // Leaving nothing is no error.
    expect(await bob.client.request(K.LeaveRoom, {})).toMatchObject({ ok: true });

    bob.client.close(1000);
    await bob.client.waitClosed();
    // "A client that closes with 1000 (normal closure) leaves for good": a resume finds no session.
    const again = await connect(urls, bob.guest.token);
    const refusal = await again
      .hello({
        resume: {
          playerId: bob.welcome.playerId,
          token: bob.welcome.resumeToken,
          ack: bob.client.received,
          attempt: 1,
        },
      })
      .catch((error: Body) => error);
    expect(refusal).toMatchObject({ code: 'SESSION_EXPIRED', reason: 'ended' });
    expect((await again.waitClosed()).code).toBe(CLOSE.SESSION_EXPIRED);
  });

  it('reads the documented error codes: a refused request, a notice, and refusals that close', async () => {
    const urls = await start();
    const { client } = await open(urls, 'Err');
    const refused = await client.request(K.JoinRoom, { roomId: 'NoSuchRoom' });
    expect(refused).toMatchObject({ ok: false, code: 'ROOM_NOT_FOUND' });
    expect(typeof refused.message).toBe('string');

    // A room message for no handler: an `Error` notice, the connection stays up.
    const created = await client.request(K.CreateRoom, { type: 'test' });
    const m = (created.result as { membership: number }).membership;
    const from = client.frames.length;
    client.sendReliable(K.ClientRoomMessage, { t: 'nope', m });
    const notice = await client.waitFor((f) => f.kind === K.Error, 'an error notice', from);
    expect(notice.body.code).toBe('UNKNOWN_MESSAGE_TYPE');
    expect(client.closed).toBeUndefined();

    // A room message tagged for a membership left: NOT_IN_ROOM, a notice.
    client.sendReliable(K.ClientRoomMessage, { t: 'echo', m: m + 1, d: 1 });
    const stale = await client.waitFor(
      (f) => f.kind === K.Error && f.body.code === 'NOT_IN_ROOM',
      'not in room',
    );
    expect(stale.body.message).toBe('message for a room you have left');

    // Another version: an Error, then the close with 4000 + its position.
    const guest = await guestToken(urls.httpUrl, 'Old');
    const old = await connect(urls, guest.token);
    old.sendBare(K.Hello, { v: PROTOCOL_VERSION - 1 });
    const mismatch = await old.waitFor((f) => f.kind === K.Error, 'version refusal');
    expect(mismatch.body.code).toBe('PROTOCOL_VERSION_MISMATCH');
    expect((await old.waitClosed()).code).toBe(CLOSE.PROTOCOL_VERSION_MISMATCH);

    // Anything before the hello closes with HELLO_REQUIRED.
    const rude = await connect(urls, guest.token);
    rude.sendBare(K.Ping, { id: 1, t: 1 });
    const required = await rude.waitFor((f) => f.kind === K.Error, 'hello required');
    expect(required.body.code).toBe('HELLO_REQUIRED');
    expect((await rude.waitClosed()).code).toBe(CLOSE.HELLO_REQUIRED);
  });

  it('hears the server link keepalive in TCP mode and gets its own beat echoed', async () => {
    const urls = await start();
    const { client } = await open(urls, 'Link');
    const beat = await client.waitFor(
      (f) => f.kind === K.DatagramFromServer && f.body.c === 3,
      'a keepalive beat',
      0,
      3_000,
    );
    expect(beat.envelope).toBe('bare'); // nothing acks them
    const p = beat.body.p as Uint8Array;
    expect(p).toBeInstanceOf(Uint8Array);
    expect(p.length).toBe(27);
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    expect(view.getUint8(0)).toBe(6);
    const serverSentAt = view.getFloat64(1); // big-endian
    expect(Math.abs(serverSentAt - (beat.body.t as number))).toBeLessThan(1_000);

    // Our beat, echoing the server's: "The server answers the first one at once".
    const ours = new DataView(new ArrayBuffer(27));
    const sentAt = performance.timeOrigin + performance.now();
    ours.setUint8(0, 6);
    ours.setFloat64(1, sentAt);
    ours.setFloat64(9, serverSentAt);
    ours.setFloat32(17, 0);
    ours.setUint32(21, 0); // 0: "it does not count"
    ours.setUint16(25, 65535); // "cannot tell yet"
    const from = client.frames.length;
    client.sendBare(K.DatagramToServer, { c: 3, p: [new Uint8Array(ours.buffer)] });
    const answer = await client.waitFor(
      (f) => f.kind === K.DatagramFromServer && f.body.c === 3,
      'an answering beat',
      from,
      500, // at once, not a second later
    );
    const echoed = new DataView(
      (answer.body.p as Uint8Array).buffer,
      (answer.body.p as Uint8Array).byteOffset,
      27,
    );
    expect(echoed.getFloat64(9)).toBe(sentAt);
    expect(client.closed).toBeUndefined();
  });

  it("reads a state-sync snapshot's seq and stream from a TCP-mode datagram, and the server takes its ack", async () => {
    const urls = await start();
    const { client } = await open(urls, 'Sync');
    const joined = await client.request(K.CreateRoom, { type: 'sync' });
    const membership = (joined.result as { membership: number }).membership;

    /** The header of a tag-1 (plain snapshot) phys message: seq, stream, tick, complete, acked. */
    const snapshots = () =>
      client.frames
        .filter((f) => f.kind === K.DatagramFromServer && f.body.c === 0)
        .map((f) => f.body.p as Uint8Array)
        .filter((p) => p[0] === 1)
        .map((p) => {
          const seq = p[1]! | (p[2]! << 8);
          const stream = p[3]! | (p[4]! << 8);
          // The tick starts on a byte boundary: a plain LEB128 varuint.
          const [tick, at] = readVaruint(p, 5);
          const bits = p[at]!;
          const complete = bits & 1;
          const acked = (bits >> 1) & 1;
          const distance = acked ? ((bits >> 2) & 0x3f) + 1 : 0;
          return { seq, stream, tick, complete, acked, distance };
        });
    await client.waitFor(() => snapshots().length >= 3, 'three snapshots');
    const first = snapshots();
    for (const s of first) {
      expect(s.stream & 0xff).toBe(membership);
      expect(s.stream >> 8).toBe(0); // the room's first RoomSync
      expect(s.acked).toBe(0); // nothing acked yet
    }
    for (let i = 1; i < first.length; i++) expect(first[i]!.seq).toBe((first[i - 1]!.seq + 1) % 65536);

    // Ack the newest: `1`, seq (16), previous (32) = 0, resync 0, least significant bit first: 7 bytes.
    const newest = first.at(-1)!.seq;
    const ack = new Uint8Array(7);
    ack[0] = 1 | ((newest & 0x7f) << 1);
    ack[1] = (newest >> 7) & 0xff;
    ack[2] = (newest >> 15) & 0x01;
    client.sendBare(K.DatagramToServer, { c: 0, p: [Uint8Array.of(3, ...ack)] });
    // The server heard it: a later snapshot's header names `newest` as the acked one (throws if none).
    await client.waitFor(
      () => snapshots().some((s) => s.acked === 1 && (s.seq - s.distance + 65536) % 65536 === newest),
      'a snapshot naming our ack',
    );
  });
});
