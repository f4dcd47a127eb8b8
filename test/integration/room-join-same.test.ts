import type { RoomConnection } from 'vehikill-net/client';
import { type Body, ErrorCode, Kind } from 'vehikill-net/protocol';
import { CountingMetrics, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** A TestRoom that keeps its instances, so a test can read what each room heard (`events`, `clients`). */
class SeenRoom extends TestRoom {
  static made: SeenRoom[] = [];
  override onCreate(options: unknown): void {
    super.onCreate(options);
    SeenRoom.made.push(this);
  }
}

/** The refusal of a join of the room the player is in, from the client or from the server alike. */
const ALREADY_IN = {
  code: ErrorCode.JOIN_REJECTED,
  message: 'already in this room: leave it first to join it again',
};

let t: TestServer | undefined;
let metrics: CountingMetrics;
afterEach(async () => {
  await t?.close();
  t = undefined;
  SeenRoom.made = [];
});

/** Everything a RoomConnection tells its app about who comes and goes, and about itself. */
function heardBy(room: RoomConnection): string[] {
  const heard: string[] = [];
  room.on('member-join', (member) => heard.push(`join:${member.playerId}`));
  room.on('member-leave', ({ playerId, reason }) => heard.push(`leave:${playerId}:${reason}`));
  room.on('state', () => heard.push('state'));
  room.on('leave', ({ message }) => heard.push(`left:${message}`));
  return heard;
}

/** `ada` created a room (private: it has a code) and `bob` joined it; what each room object hears is kept. */
async function twoInARoom(options: { private?: boolean } = { private: true }) {
  metrics = new CountingMetrics();
  t = await startServer({ test: SeenRoom }, { metrics });
  const [ada, bob] = [t.client(), t.client()];
  await Promise.all([ada.connect(), bob.connect()]);
  const adaRoom = await ada.create('test', options);
  const bobRoom = await bob.join(adaRoom.roomId);
  const room = SeenRoom.made[0]!;
  await eventually(() => adaRoom.members.length === 2, 'ada hears bob join');
  return { ada, bob, adaRoom, bobRoom, room, adaHeard: heardBy(adaRoom), bobHeard: heardBy(bobRoom) };
}

/** `from`'s room object still sends to the room, and still gets what the room sends: both ways, by chat. */
async function stillTalking(from: RoomConnection, to: RoomConnection, text: string): Promise<void> {
  const got: unknown[] = [];
  const dispose = to.onMessage('chat', (data) => got.push(data));
  from.send('chat', { text });
  await eventually(() => got.some((data) => (data as { text: string }).text === text), `'${text}' heard`);
  dispose();
}

async function expectSeatedAsBefore(
  setup: Awaited<ReturnType<typeof twoInARoom>>,
  membership: number | undefined,
): Promise<void> {
  const { ada, bob, adaRoom, bobRoom, room, adaHeard, bobHeard } = setup;
  // Still the app's room object, still in it, with the seating it had.
  expect(ada.room).toBe(adaRoom);
  expect(adaRoom.left).toBe(false);
  expect(adaRoom.membership).toBe(membership);
  // The room heard one join of each player, and no leave; it still has the two of them.
  expect(room.events).toEqual([`join:${ada.playerId}`, `join:${bob.playerId}`]);
  expect(room.clients.map((client: RoomClient) => client.playerId)).toEqual([ada.playerId, bob.playerId]);
  expect(t!.server.rooms.listings().find((listing) => listing.roomId === adaRoom.roomId)?.clients).toBe(2);
  // Both still talk to each other through the room objects they had.
  await stillTalking(adaRoom, bobRoom, 'ada after the refused join');
  await stillTalking(bobRoom, adaRoom, 'bob after the refused join');
  // Nobody heard anyone come or go.
  expect(adaHeard).toEqual([]);
  expect(bobHeard).toEqual([]);
}

describe('a join of the room the player is in', () => {
  it('by id: refused JOIN_REJECTED at once, without asking the server; the room, its members and the player are as they were', async () => {
    const setup = await twoInARoom();
    const membership = setup.adaRoom.membership;
    await expect(setup.ada.join(setup.adaRoom.roomId, { team: 'red' })).rejects.toMatchObject(ALREADY_IN);
    // Refused by the client: the server never saw the request.
    expect(metrics.total('requests_refused_total')).toBe(0);
    await expectSeatedAsBefore(setup, membership);
  });

  it('by code, however spelt: refused likewise', async () => {
    const setup = await twoInARoom();
    const membership = setup.adaRoom.membership;
    const code = setup.adaRoom.code!;
    const typed = ` ${code.slice(0, 3).toLowerCase()}-${code.slice(3)} `;
    await expect(setup.ada.joinByCode(typed)).rejects.toMatchObject(ALREADY_IN);
    await expect(setup.bob.joinByCode(code)).rejects.toMatchObject(ALREADY_IN);
    expect(metrics.total('requests_refused_total')).toBe(0);
    expect(setup.bob.room).toBe(setup.bobRoom);
    await expectSeatedAsBefore(setup, membership);
  });

  it('two joins of one room at once: the first seats the player, the second is refused by the server', async () => {
    metrics = new CountingMetrics();
    t = await startServer({ test: SeenRoom }, { metrics });
    const [ada, bob] = [t.client(), t.client()];
    await Promise.all([ada.connect(), bob.connect()]);
    const adaRoom = await ada.create('test', { private: true });
    const adaHeard = heardBy(adaRoom);
    const [byId, byCode] = await Promise.allSettled([
      bob.join(adaRoom.roomId),
      bob.joinByCode(adaRoom.code!),
    ]);
    expect(byId.status).toBe('fulfilled');
    expect(byCode).toMatchObject({ status: 'rejected', reason: ALREADY_IN });
    const bobRoom = (byId as PromiseFulfilledResult<RoomConnection>).value;
    expect(bob.room).toBe(bobRoom);
    expect(bobRoom.left).toBe(false);
    expect(metrics.total('requests_refused_total', { request: 'join_by_code', code: 'JOIN_REJECTED' })).toBe(
      1,
    );
    const room = SeenRoom.made[0]!;
    expect(room.events).toEqual([`join:${ada.playerId}`, `join:${bob.playerId}`]);
    await stillTalking(bobRoom, adaRoom, 'bob, seated once');
    await stillTalking(adaRoom, bobRoom, 'ada to bob');
    expect(adaHeard).toEqual([`join:${bob.playerId}`]);
  });

  it('while a join of another room is under way: the server decides, and refuses it once that join failed', async () => {
    const setup = await twoInARoom();
    const membership = setup.adaRoom.membership;
    const other = t!.client();
    await other.connect();
    const otherRoom = await other.create('test');
    // The other room refuses ada (TestRoom's onJoin throws for `refuse`), and her join back is sent behind
    // it: the client cannot know where she will be when the server takes it, so it asks.
    const [away, back] = await Promise.allSettled([
      setup.ada.join(otherRoom.roomId, { refuse: true }),
      setup.ada.join(setup.adaRoom.roomId),
    ]);
    expect(away).toMatchObject({
      status: 'rejected',
      reason: { code: ErrorCode.JOIN_REJECTED, message: 'not today' },
    });
    expect(back).toMatchObject({ status: 'rejected', reason: ALREADY_IN });
    expect(metrics.total('requests_refused_total', { request: 'join_room', code: 'JOIN_REJECTED' })).toBe(2);
    await expectSeatedAsBefore(setup, membership);
  });

  it('over the bare protocol (any client): answered JOIN_REJECTED, with no MemberJoined to the others and no new seating', async () => {
    const setup = await twoInARoom();
    const raw = new RawClient(t!.wsUrl, t!.server.issueGuestToken());
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    const playerId = (raw.received(Kind.Welcome)[0] as Body<typeof Kind.Welcome>).playerId;
    const answer = async (rid: number) => {
      await eventually(() => raw.received(Kind.Response).some((body) => body.rid === rid), `answer ${rid}`);
      return raw.received(Kind.Response).find((body) => body.rid === rid);
    };
    raw.send(Kind.JoinRoom, { rid: 1, roomId: setup.adaRoom.roomId });
    const seated = await answer(1);
    expect(seated?.ok).toBe(true);
    const membership = (seated as { result: { membership: number } }).result.membership;
    await eventually(
      () => setup.adaHeard.length === 1 && setup.bobHeard.length === 1,
      'the others hear raw join',
    );
    raw.send(Kind.JoinRoom, { rid: 2, roomId: setup.adaRoom.roomId, options: { team: 'red' } });
    raw.send(Kind.JoinByCode, { rid: 3, code: setup.adaRoom.code!.toLowerCase() });
    for (const rid of [2, 3]) {
      expect(await answer(rid)).toEqual({ rid, ok: false, ...ALREADY_IN });
    }
    // Still seated, with the seating it had: a room message tagged with it reaches the room.
    raw.send(Kind.ClientRoomMessage, { t: 'chat', m: membership, d: { text: 'raw, still here' } });
    const chat = (body: Body<typeof Kind.ServerRoomMessage>) =>
      body.t === 'chat' && (body.d as { text: string }).text === 'raw, still here';
    await eventually(() => raw.received(Kind.ServerRoomMessage).some(chat), 'raw hears its own chat');
    await sleep(50);
    expect(setup.adaHeard).toEqual([`join:${playerId}`]);
    expect(setup.bobHeard).toEqual([`join:${playerId}`]);
    expect(setup.room.events).toEqual([
      `join:${setup.ada.playerId}`,
      `join:${setup.bob.playerId}`,
      `join:${playerId}`,
    ]);
    expect(raw.received(Kind.Error)).toEqual([]);
    raw.close();
  });
});

describe('quick play from a room that matches', () => {
  it('never seats the player in the room they are in: it moves them to another, which the room hears once', async () => {
    const setup = await twoInARoom({ private: false });
    const moved = await setup.ada.quickPlay('test');
    expect(moved.roomId).not.toBe(setup.adaRoom.roomId);
    expect(setup.adaRoom.left).toBe(true);
    expect(setup.adaHeard).toEqual(['left:joined another room']);
    await eventually(() => setup.bobHeard.length === 1, 'bob hears ada leave');
    expect(setup.bobHeard).toEqual([`leave:${setup.ada.playerId}:left`]);
    expect(setup.room.events).toEqual([
      `join:${setup.ada.playerId}`,
      `join:${setup.bob.playerId}`,
      `leave:${setup.ada.playerId}:left`,
    ]);
  });
});
