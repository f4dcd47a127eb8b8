import * as v from 'valibot';
import { Channel } from 'vehikill-net/client';
import { type Body, ErrorCode, Kind } from 'vehikill-net/protocol';
import type { GameServerOptions, RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await t?.close();
  t = undefined;
});

/** Notes every 'note' message it is handed, with the room that was handed it. */
class NoteRoom extends TestRoom {
  static heard: Array<{ roomId: string; from: string; data: unknown }> = [];
  override onCreate(options: unknown): void {
    super.onCreate(options);
    this.onMessage('note', v.unknown(), (client: RoomClient, data) => {
      NoteRoom.heard.push({ roomId: this.roomId, from: client.playerId, data });
    });
  }
}

let nextRid = 1;

async function rawPlayer(wsUrl = t!.wsUrl): Promise<RawClient & { playerId: string }> {
  const raw = new RawClient(wsUrl, t!.server.issueGuestToken());
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  return Object.assign(raw, {
    playerId: (raw.received(Kind.Welcome)[0] as Body<typeof Kind.Welcome>).playerId,
  });
}

/** Sends a request and waits for its answer, which must be a success. */
async function request<K extends typeof Kind.JoinRoom | typeof Kind.LeaveRoom>(
  raw: RawClient,
  kind: K,
  body: Omit<Body<K>, 'rid'>,
): Promise<unknown> {
  const rid = nextRid++;
  raw.send(kind, { ...body, rid } as Body<K>);
  await eventually(() => raw.received(Kind.Response).some((answer) => answer.rid === rid), 'the answer');
  const answer = raw.received(Kind.Response).find((body) => body.rid === rid);
  if (!answer?.ok) throw new Error(`refused: ${JSON.stringify(answer)}`);
  return answer.result;
}

/** Joins `roomId` and returns the membership number the answer names. */
async function join(raw: RawClient, roomId: string): Promise<number> {
  const membership = ((await request(raw, Kind.JoinRoom, { roomId })) as { membership?: number }).membership;
  if (membership === undefined) throw new Error('the join answer names no membership');
  return membership;
}

const leave = (raw: RawClient) => request(raw, Kind.LeaveRoom, {});

const notices = (raw: RawClient) =>
  raw.received(Kind.Error).filter((error) => error.code === ErrorCode.NOT_IN_ROOM);

/** A server with two rooms A and B, held open by an owner each. */
async function twoRooms(options: GameServerOptions = {}): Promise<{ a: string; b: string }> {
  t = await startServer({ test: NoteRoom }, options);
  const [ownerA, ownerB] = [t.client(), t.client()];
  await Promise.all([ownerA.connect(), ownerB.connect()]);
  const [a, b] = await Promise.all([ownerA.create('test'), ownerB.create('test')]);
  NoteRoom.heard = [];
  return { a: a.roomId, b: b.roomId };
}

describe('messages tagged with the membership they were sent in', () => {
  it('a room message for the room left reaches no one and is answered NOT_IN_ROOM; one for the current room is delivered', async () => {
    const rooms = await twoRooms();
    const raw = await rawPlayer();
    const inA = await join(raw, rooms.a);
    const inB = await join(raw, rooms.b);
    expect(inB).not.toBe(inA);
    // Sent in A before the switch, arriving after the server seated the player in B. Many of them: a
    // benign race costs nothing from the fault budget (20 by default).
    for (let i = 0; i < 40; i++) raw.send(Kind.ClientRoomMessage, { t: 'note', m: inA, d: [i, 0.5, -1] });
    raw.send(Kind.ClientRoomMessage, { t: 'note', m: inB, d: 'for B' });
    raw.send(Kind.ClientRoomMessage, { t: 'note', d: 'untagged' }); // an older client: the current room
    // Handled in arrival order: once the last is heard, all were handled.
    await eventually(() => NoteRoom.heard.some((note) => note.data === 'untagged'), 'the last message');
    expect(NoteRoom.heard).toEqual([
      { roomId: rooms.b, from: raw.playerId, data: 'for B' },
      { roomId: rooms.b, from: raw.playerId, data: 'untagged' },
    ]);
    await eventually(() => notices(raw).length === 40, 'a notice for each message for A');
    expect(notices(raw)[0]?.message).toBe('message for a room you have left');
    expect(raw.closeCode).toBeUndefined();
    // Left: even the number of the last membership names a room left.
    await leave(raw);
    raw.send(Kind.ClientRoomMessage, { t: 'note', m: inB, d: 'after leaving' });
    await eventually(() => notices(raw).length === 41, 'a notice for the message after leaving');
    expect(NoteRoom.heard).toHaveLength(2);
    raw.close();
  });

  it('a rejoin of the same room is a new membership: messages of the earlier one are refused', async () => {
    const rooms = await twoRooms();
    const raw = await rawPlayer();
    const first = await join(raw, rooms.a);
    await leave(raw);
    const second = await join(raw, rooms.a);
    expect(second).not.toBe(first);
    raw.send(Kind.ClientRoomMessage, { t: 'note', m: first, d: 'first' });
    raw.send(Kind.ClientRoomMessage, { t: 'note', m: second, d: 'second' });
    await eventually(() => NoteRoom.heard.some((note) => note.data === 'second'), 'the second');
    expect(NoteRoom.heard).toEqual([{ roomId: rooms.a, from: raw.playerId, data: 'second' }]);
    await eventually(() => notices(raw).length === 1, 'a notice for the first');
    // Joining the room one is already in is refused, and takes no number: the next seating is the next one.
    await expect(join(raw, rooms.a)).rejects.toThrow(/JOIN_REJECTED.*already in this room/);
    raw.send(Kind.ClientRoomMessage, { t: 'note', m: second, d: 'still second' });
    await eventually(() => NoteRoom.heard.some((note) => note.data === 'still second'), 'still seated');
    expect(await join(raw, rooms.b)).toBe((second + 1) % 256);
    raw.close();
  });

  it('peer signals and relayed data for the room left do not reach a peer who moved along', async () => {
    const rooms = await twoRooms();
    const [x, y] = [await rawPlayer(), await rawPlayer()];
    const xInA = await join(x, rooms.a);
    await join(y, rooms.a);
    // The party moves on together: both now in B, where x's earlier signals must not land.
    const xInB = await join(x, rooms.b);
    const yInB = await join(y, rooms.b);
    x.send(Kind.SignalToPeer, { to: y.playerId, s: { sdp: 'for A' }, m: xInA });
    x.send(Kind.DataToPeer, { to: y.playerId, c: 2, p: Uint8Array.of(0xa), m: xInA });
    x.send(Kind.SignalToPeer, { to: y.playerId, s: { sdp: 'for B' }, m: xInB });
    x.send(Kind.DataToPeer, { to: y.playerId, c: 2, p: Uint8Array.of(0xb), m: xInB });
    // Relayed in arrival order (both reliable): once what was sent in B is in, the rest would be too.
    await eventually(() => y.received(Kind.DataFromPeer).some((data) => data.p[0] === 0xb), 'data sent in B');
    // Stamped with y's seating in B, so that y's client can tell it from one relayed in A.
    expect(y.received(Kind.SignalFromPeer)).toEqual([{ from: x.playerId, s: { sdp: 'for B' }, m: yInB }]);
    expect(y.received(Kind.DataFromPeer).map((data) => [...data.p])).toEqual([[0xb]]);
    await eventually(() => notices(x).length === 2, 'a notice for each of the two for A');
    await sleep(50);
    expect(notices(x)).toHaveLength(2);
    x.close();
    y.close();
  });

  it('through the client: what the app sent in A before joining B, held back by the rate, is handed to A; nothing lands in B', async () => {
    // A low rate: the client holds back room messages past 90% of the burst. The join goes behind them
    // (it used to go at once, as control, and the last of them reached the server after it had seated
    // the player in B: refused NOT_IN_ROOM, lost).
    const rooms = await twoRooms({ rateBurst: 100, ratePerSecond: 10 });
    const client = t!.client();
    await client.connect();
    const inA = await client.join(rooms.a);
    await sleep(500); // the server's bucket fills up again after the hello and the join
    const refused: string[] = [];
    client.on('error', (error) => refused.push(error.code));
    const sent = 100;
    for (let i = 0; i < sent; i++) inA.send('note', i);
    const inB = await client.join(rooms.b);
    // The join was answered after the server had taken every message for A.
    expect(NoteRoom.heard.filter((note) => note.roomId === rooms.a).map((note) => note.data)).toEqual(
      Array.from({ length: sent }, (_, i) => i),
    );
    expect(() => inA.send('note', 'after')).toThrow(/left room/);
    inB.send('note', 'in B');
    await eventually(() => NoteRoom.heard.some((note) => note.data === 'in B'), "B's own message");
    expect(NoteRoom.heard.filter((note) => note.roomId === rooms.b).map((note) => note.data)).toEqual([
      'in B',
    ]);
    expect(refused).toEqual([]);
    expect(client.state).toBe('open');
  });
});

/**
 * A `ws` socket for a Client that holds back the bare relayed peer data it receives while `holding`, and
 * hands it over at `release()`: the order the server's send queue writes in when the socket backs up
 * (relayed data waits behind control frames, the answer to a join among them). A bare frame carries no
 * sequence number, so the client cannot tell.
 */
function relayHold() {
  const held: Array<() => void> = [];
  let holding = false;
  class HoldingSocket extends WebSocket {
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      const frame = args[0];
      if (holding && event === 'message' && frame instanceof Buffer && frame[0] === Kind.DataFromPeer) {
        held.push(() => super.emit(event, ...args));
        return true;
      }
      return super.emit(event, ...args);
    }
  }
  return {
    WebSocket: HoldingSocket,
    get held(): number {
      return held.length;
    },
    hold(): void {
      holding = true;
    },
    release(): void {
      holding = false;
      for (const emit of held.splice(0)) emit();
    },
  };
}

const FLOOD = 1_500;
const FLOOD_PAYLOAD = new Uint8Array(16 * 1024 - 64); // 1,500 are ~24 MB: more than loopback's socket buffers

describe('relayed peer data names the membership of the player it was relayed to', () => {
  it('data relayed while the receiver was in A that reaches it once it sits in B with the sender is not handed to B', async () => {
    const rooms = await twoRooms();
    const hold = relayHold();
    const y = t!.client({ WebSocket: hold.WebSocket });
    await y.connect();
    const x = await rawPlayer();
    const yInA = await y.join(rooms.a);
    const xInA = await join(x, rooms.a);
    await eventually(() => yInA.members.some((member) => member.playerId === x.playerId), 'x in A');
    hold.hold();
    x.send(Kind.DataToPeer, { to: y.playerId!, c: 0, p: Uint8Array.of(0xa), m: xInA });
    await eventually(() => hold.held === 1, 'the sample relayed in A');
    // The group moves on: y first, then x, and y's app opens its link from x in B.
    const yInB = await y.join(rooms.b);
    const xInB = await join(x, rooms.b);
    await eventually(() => yInB.members.some((member) => member.playerId === x.playerId), 'x in B');
    const heard: number[] = [];
    yInB.relayLink(x.playerId).onMessage((channel, bytes) => {
      if (channel === Channel.phys) heard.push(bytes[0]!);
    });
    hold.release(); // the sample from A arrives now, behind the answer to y's join of B
    x.send(Kind.DataToPeer, { to: y.playerId!, c: 0, p: Uint8Array.of(0xb), m: xInB });
    await eventually(() => heard.includes(0xb), 'the sample relayed in B');
    expect(heard).toEqual([0xb]);
    x.close();
  });

  it("relayed data waiting in a backed-up socket's queue keeps the membership it was relayed in; a newer phys sample replaces one stamped for A", async () => {
    const rooms = await twoRooms({
      // x floods y on purpose, to make the relayed data wait in y's queue: rate and relay budget lifted.
      rateBurst: 100_000,
      ratePerSecond: 100_000,
      relayBytesBurst: 1 << 30,
      relayBytesPerSecond: 1 << 30,
      sendQueueBytes: 64 * 1024 * 1024,
      heartbeatMs: 30_000, // y reads nothing while stalled and answers no pings
    });
    proxy = new TcpProxy(t!.port);
    await proxy.listen();
    const y = await rawPlayer(`ws://127.0.0.1:${proxy.port}/ws`);
    const x = await rawPlayer();
    const yInA = await join(y, rooms.a);
    const xInA = await join(x, rooms.a);
    // y stops reading; x floods it until what the server writes to y waits in y's send queue.
    proxy.stallDownstream();
    for (let i = 0; i < FLOOD; i++) {
      x.send(Kind.DataToPeer, { to: y.playerId, c: 2, p: FLOOD_PAYLOAD, m: xInA });
      if (i % 100 === 99) await sleep(5);
    }
    x.send(Kind.DataToPeer, { to: y.playerId, c: 0, p: Uint8Array.of(0x1), m: xInA });
    x.send(Kind.DataToPeer, { to: y.playerId, c: 2, p: Uint8Array.of(0xa), m: xInA });
    x.send(Kind.ClientRoomMessage, { t: 'note', m: xInA, d: 'relayed in A' });
    await eventually(() => NoteRoom.heard.some((note) => note.data === 'relayed in A'), 'x read', 20_000);
    // y moves to B (its answer cannot reach it yet, but x hears it leave A), then x follows.
    const rid = nextRid++;
    y.send(Kind.JoinRoom, { rid, roomId: rooms.b });
    await eventually(
      () => x.received(Kind.MemberLeft).some((left) => left.playerId === y.playerId),
      'y seated in B',
    );
    const xInB = await join(x, rooms.b);
    x.send(Kind.DataToPeer, { to: y.playerId, c: 0, p: Uint8Array.of(0x2), m: xInB });
    x.send(Kind.DataToPeer, { to: y.playerId, c: 2, p: Uint8Array.of(0xb), m: xInB });
    await sleep(100); // the server's 20 Hz gate on x's phys samples lets the second one through
    proxy.release();
    const small = () => y.received(Kind.DataFromPeer).filter((data) => data.p.length === 1);
    await eventually(() => small().some((data) => data.p[0] === 0xb), 'the data relayed in B', 20_000);
    const frames = y.frames.map((frame) => frame.message);
    const answerAt = frames.findIndex(
      (message) => message.kind === Kind.Response && message.body.rid === rid,
    );
    const answer = frames[answerAt]?.body as { result?: { membership?: number } } | undefined;
    const yInB = answer?.result?.membership;
    expect(yInB).toBeTypeOf('number');
    expect(yInB).not.toBe(yInA);
    const relayedAfterTheAnswer = frames
      .slice(answerAt + 1)
      .filter((message) => message.kind === Kind.DataFromPeer && message.body.p.length === 1)
      .map((message) => message.body as Body<typeof Kind.DataFromPeer>)
      .map((data) => ({ c: data.c, p: data.p[0], m: data.m }));
    // All of it waited behind the answer; each names y's membership when it was relayed. The sample from
    // A was superseded by the one from B, which goes with its own number, never A's sample with B's.
    expect(relayedAfterTheAnswer).toEqual([
      { c: 0, p: 0x2, m: yInB },
      { c: 2, p: 0xa, m: yInA },
      { c: 2, p: 0xb, m: yInB },
    ]);
    expect(small()).toHaveLength(3);
    x.close();
    y.close();
  }, 60_000);
});
