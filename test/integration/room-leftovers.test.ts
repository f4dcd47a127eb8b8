import * as v from 'valibot';
import { Kind } from 'vehikill-net/protocol';
import { Room, type RoomClient } from 'vehikill-net/server';
import { Channel, type Link } from 'vehikill-net/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { settledCollection } from '../support/garbage.js';
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { SlowCreateRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Keeps every client it saw; 'poke' sends each one a message: references kept past a leave. */
class KeepingRoom extends Room {
  static kept: RoomClient[] = [];
  override onCreate(): void {
    this.onMessage('poke', v.unknown(), (sender) => {
      for (const client of KeepingRoom.kept) client.send('poked', { by: sender.playerId });
    });
  }
  override onJoin(client: RoomClient): void {
    KeepingRoom.kept.push(client);
  }
}

describe('a room that sends to a client who has left', () => {
  it('reaches them no more: nothing is sent or queued for the player', async () => {
    t = await startServer({ keep: KeepingRoom });
    const alice = t.client();
    await alice.connect();
    const room = await alice.create('keep');
    const bob = await rawMember(t, room.roomId);
    bob.send(Kind.LeaveRoom, { rid: 2 });
    await eventually(() => bob.received(Kind.Response).length === 2, 'left');
    const poked: unknown[] = [];
    room.onMessage('poked', (data) => poked.push(data));
    room.send('poke', {});
    await eventually(() => poked.length === 1, 'alice poked');
    await sleep(50);
    const toBob = bob.received(Kind.ServerRoomMessage).filter((message) => message.t === 'poked');
    expect(toBob).toEqual([]);
  });
});

describe('a room whose async onCreate is still running as the server closes', () => {
  it('is not hosted once onCreate is done: it hears onDispose and its timers stop', async () => {
    SlowCreateRoom.reset();
    t = await startServer({ slow: SlowCreateRoom });
    const client = t.client();
    await client.connect();
    const created = client.create('slow').catch((error: unknown) => error);
    await eventually(() => SlowCreateRoom.started === 1, 'onCreate under way');
    await t.server.close({ drainMs: 0 });
    SlowCreateRoom.release();
    await created;
    await eventually(() => SlowCreateRoom.disposed === 1, 'onDispose');
    expect(t.server.rooms.roomCount).toBe(0);
    expect(await t.server.registry.listRooms({})).toEqual([]);
    const ticks = SlowCreateRoom.ticks;
    await sleep(50);
    expect(SlowCreateRoom.ticks).toBe(ticks);
  });
});

/** onJoin waits until the test lets it go on; 'kick' kicks every player still joining, 'who' lists members. */
class SlowJoinRoom extends Room {
  static joining: RoomClient[] = [];
  static release: (() => void) | undefined;
  static left: string[] = [];
  override onCreate(): void {
    this.onMessage('kick', v.unknown(), () => {
      for (const client of SlowJoinRoom.joining) this.kick(client, 'no latecomers');
    });
  }
  override async onJoin(client: RoomClient): Promise<void> {
    if (this.clients.length === 0) return; // the creator is seated at once
    SlowJoinRoom.joining.push(client);
    await new Promise<void>((resolve) => {
      SlowJoinRoom.release = resolve;
    });
  }
  override onLeave(client: RoomClient, reason: string): void {
    SlowJoinRoom.left.push(`${client.name} ${reason}`);
  }
}

describe('a kick while the room is still deciding on a join', () => {
  it('stands: the player is refused with its message, not seated, and the room hears the leave', async () => {
    t = await startServer({ slowJoin: SlowJoinRoom });
    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('slowJoin');
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    const joined = bob.join(room.roomId).catch((error: unknown) => error);
    await eventually(() => SlowJoinRoom.release !== undefined, "Bob's onJoin under way");
    room.send('kick', {});
    await eventually(() => SlowJoinRoom.left.length === 0 && SlowJoinRoom.joining.length === 1, 'kick sent');
    await sleep(50);
    SlowJoinRoom.release?.();
    const outcome = (await joined) as { code?: string; message?: string };
    expect(outcome).toMatchObject({ code: 'JOIN_REJECTED', message: 'no latecomers' });
    // Heard once onJoin has returned, which the answer (sent at the kick) no longer waits for.
    await eventually(() => SlowJoinRoom.left.length > 0, 'the room to hear the leave');
    expect(SlowJoinRoom.left).toEqual(['Bob KICKED']);
    expect(room.members.map((member) => member.name)).toEqual(['Alice']);
  });
});

/** Keeps every client it saw; 'ping' sends a byte on each kept client's link, `event` channel. */
class LinkKeepingRoom extends Room {
  static kept: RoomClient[] = [];
  static taken: boolean[] = [];
  override onCreate(): void {
    this.onMessage('ping', v.unknown(), () => {
      LinkKeepingRoom.taken = LinkKeepingRoom.kept.map((client) =>
        client.link.send(Channel.event, Uint8Array.of(7)),
      );
    });
  }
  override onJoin(client: RoomClient): void {
    LinkKeepingRoom.kept.push(client);
  }
}

describe("a room that keeps a client's link past their leave", () => {
  it('reaches them through it no more: it reads closed, refuses sends, and the player hears nothing', async () => {
    t = await startServer({ keepLink: LinkKeepingRoom });
    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('keepLink');
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    const bobRoom = await bob.join(room.roomId);
    const heardByBob: number[] = [];
    bob.serverLink.onMessage((_channel, bytes) => heardByBob.push(bytes[0] as number));
    await bobRoom.leave();
    room.send('ping', {});
    await eventually(() => LinkKeepingRoom.taken.length === 2, 'the room sent');
    expect(LinkKeepingRoom.taken).toEqual([true, false]);
    expect(LinkKeepingRoom.kept.map((client) => client.link.state === 'closed')).toEqual([false, true]);
    await sleep(100);
    expect(heardByBob).toEqual([]);
  });
});

/**
 * Keeps the link object itself, taken while the player sat here ('keep'), and listens on it; 'ping' sends
 * a byte on each kept link.
 */
class LinkObjectRoom extends Room {
  static kept: Link[] = [];
  static taken: boolean[] = [];
  static heard = 0;
  override onCreate(): void {
    this.onMessage('keep', v.unknown(), (client) => {
      const link = client.link;
      LinkObjectRoom.kept.push(link);
      link.onMessage(() => LinkObjectRoom.heard++);
    });
    this.onMessage('ping', v.unknown(), () => {
      LinkObjectRoom.taken = LinkObjectRoom.kept.map((link) => link.send(Channel.event, Uint8Array.of(7)));
    });
  }
}

describe("a room that keeps a seated player's link object past their leave", () => {
  it('reaches them through it no more, and hears nothing more from them through it', async () => {
    LinkObjectRoom.kept = [];
    LinkObjectRoom.taken = [];
    LinkObjectRoom.heard = 0;
    t = await startServer({ keepLinkObject: LinkObjectRoom });
    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('keepLinkObject');
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    const bobRoom = await bob.join(room.roomId);
    bobRoom.send('keep', {});
    await eventually(() => LinkObjectRoom.kept.length === 1, 'the room kept the link');
    expect(LinkObjectRoom.kept[0]?.state).not.toBe('closed');
    bob.serverLink.send(Channel.event, Uint8Array.of(1));
    await eventually(() => LinkObjectRoom.heard === 1, 'heard through the kept link while seated');
    await bobRoom.leave();
    // Bob sits in another room now; the first one must not reach him there, nor hear him.
    const other = await bob.create('keepLinkObject');
    const heardByBob: number[] = [];
    bob.serverLink.onMessage((_channel, bytes) => heardByBob.push(bytes[0] as number));
    room.send('ping', {});
    await eventually(() => LinkObjectRoom.taken.length === 1, 'the room sent');
    expect(LinkObjectRoom.taken).toEqual([false]);
    expect(LinkObjectRoom.kept[0]?.state).toBe('closed');
    bob.serverLink.send(Channel.event, Uint8Array.of(2));
    await sleep(100);
    expect(heardByBob).toEqual([]);
    expect(LinkObjectRoom.heard).toBe(1);
    expect(other.left).toBe(false);
  });
});

/** Listens on each joiner's link, keeping only weak references to its listeners. */
class LinkListeningRoom extends Room {
  static listeners: WeakRef<object>[] = [];
  override onJoin(client: RoomClient): void {
    const onMessage = () => {};
    const onState = () => {};
    client.link.onMessage(onMessage);
    client.link.onState(onState);
    LinkListeningRoom.listeners.push(new WeakRef(onMessage), new WeakRef(onState));
  }
}

describe("a room that listens on a player's link and never takes its listeners off", () => {
  it("loses them as the player leaves: the player's link, going on to other rooms, does not keep them", async () => {
    LinkListeningRoom.listeners = [];
    t = await startServer({ listen: LinkListeningRoom });
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    // A session moving through rooms: each one it left added listeners that heard nothing any more.
    for (let visit = 0; visit < 3; visit++) await (await bob.create('listen')).leave();
    await bob.create('listen');
    await settledCollection();
    const kept = LinkListeningRoom.listeners.filter((listener) => listener.deref() !== undefined);
    // Only the room Bob sits in now still listens.
    expect(kept.length).toBe(2);
    expect(bob.state).toBe('open');
  });
});

/** Keeps the client of each player's first seating; 'kickFirst' kicks the named player through it. */
class FirstSeatingRoom extends Room {
  static first = new Map<string, RoomClient>();
  static left: string[] = [];
  override onCreate(): void {
    this.onMessage('kickFirst', v.string(), (_sender, playerId) => {
      const kept = FirstSeatingRoom.first.get(playerId);
      if (kept) this.kick(kept, 'from your first visit');
    });
  }
  override onJoin(client: RoomClient): void {
    if (!FirstSeatingRoom.first.has(client.playerId)) FirstSeatingRoom.first.set(client.playerId, client);
  }
  override onLeave(client: RoomClient, reason: string): void {
    FirstSeatingRoom.left.push(`${client.name} ${reason}`);
  }
}

describe('a kick through a client kept from a seating the player has left', () => {
  it('kicks no one: the player, back in the room since, keeps the seat they have now', async () => {
    t = await startServer({ firstSeating: FirstSeatingRoom });
    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('firstSeating');
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    await (await bob.join(room.roomId)).leave();
    const bobAgain = await bob.join(room.roomId);
    room.send('kickFirst', bob.playerId ?? '');
    room.send('kickFirst', alice.playerId ?? ''); // Alice's first seating is the one she is in: it stands.
    await eventually(() => FirstSeatingRoom.left.includes('Alice KICKED'), 'Alice kicked');
    await sleep(50);
    expect(FirstSeatingRoom.left).toEqual(['Bob left', 'Alice KICKED']);
    expect(bobAgain.left).toBe(false);
    expect(t.server.rooms.playerCount).toBe(1);
  });
});

/**
 * Keeps each joiner (the creator aside) and holds its onJoin until `release`; 'kick' kicks those it
 * keeps, 'ping' sends a byte on each one's link.
 */
class RefusedLinkRoom extends Room {
  static kept: RoomClient[] = [];
  static release: (() => void) | undefined;
  static linkStatesInOnLeave: string[] = [];
  static taken: boolean[] = [];
  override onCreate(): void {
    this.onMessage('kick', v.unknown(), () => {
      for (const client of RefusedLinkRoom.kept) this.kick(client, 'no latecomers');
    });
    this.onMessage('ping', v.unknown(), () => {
      RefusedLinkRoom.taken = RefusedLinkRoom.kept.map((client) =>
        client.link.send(Channel.event, Uint8Array.of(9)),
      );
    });
  }
  override async onJoin(client: RoomClient): Promise<void> {
    if (this.clients.length === 0) return;
    RefusedLinkRoom.kept.push(client);
    await new Promise<void>((resolve) => {
      RefusedLinkRoom.release = resolve;
    });
  }
  override onLeave(client: RoomClient): void {
    RefusedLinkRoom.linkStatesInOnLeave.push(client.link.state);
  }
}

describe('a room that keeps the link of a player whose join it refused', () => {
  it('reaches them through it no more: it reads closed from onLeave on, and the player hears nothing', async () => {
    t = await startServer({ refusedLink: RefusedLinkRoom });
    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('refusedLink');
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    const heardByBob: number[] = [];
    bob.serverLink.onMessage((_channel, bytes) => heardByBob.push(bytes[0] as number));
    const joined = bob.join(room.roomId).catch((error: unknown) => error);
    await eventually(() => RefusedLinkRoom.release !== undefined, "Bob's onJoin under way");
    room.send('kick', {});
    await sleep(50);
    RefusedLinkRoom.release?.();
    expect(await joined).toMatchObject({ code: 'JOIN_REJECTED' });
    room.send('ping', {});
    await eventually(() => RefusedLinkRoom.taken.length === 1, 'the room sent');
    expect(RefusedLinkRoom.taken).toEqual([false]);
    await sleep(100);
    expect(heardByBob).toEqual([]);
    expect(RefusedLinkRoom.linkStatesInOnLeave).toEqual(['closed']);
  });
});

/** Its `stateFor` kicks the player it is asked for, or closes the room, when the test says so. */
class StateForRoom extends Room {
  static next: 'kick' | 'dispose' | undefined;
  static left: string[] = [];
  override onLeave(client: RoomClient, reason: string): void {
    StateForRoom.left.push(`${client.name} ${reason}`);
  }
  override stateFor(client: RoomClient): unknown {
    const next = StateForRoom.next;
    StateForRoom.next = undefined;
    if (next === 'kick') this.kick(client, 'not with that state');
    if (next === 'dispose') this.dispose();
    return { ok: true };
  }
}

describe('a room whose stateFor kicks the joining player, or closes', () => {
  it('refuses the join, and no member ever hears of the player', async () => {
    t = await startServer({ stateFor: StateForRoom });
    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('stateFor');
    const aliceHeard: string[] = [];
    room.on('member-join', (member) => aliceHeard.push(`joined ${member.name}`));
    room.on('member-leave', () => aliceHeard.push('left'));
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    StateForRoom.left = [];
    StateForRoom.next = 'kick';
    await expect(bob.join(room.roomId)).rejects.toMatchObject({
      code: 'JOIN_REJECTED',
      message: 'not with that state',
    });
    expect(StateForRoom.left).toEqual(['Bob KICKED']);
    await sleep(100);
    expect(room.members.map((member) => member.name)).toEqual(['Alice']);
    expect(aliceHeard).toEqual([]);
    expect(t.server.rooms.playerCount).toBe(1);
    // And Bob can still come in.
    expect((await bob.join(room.roomId)).members.map((member) => member.name).sort()).toEqual([
      'Alice',
      'Bob',
    ]);
  });

  it('closed from stateFor, the join is answered ROOM_NOT_FOUND', async () => {
    t = await startServer({ stateFor: StateForRoom });
    const alice = t.client({ name: 'Alice' });
    await alice.connect();
    const room = await alice.create('stateFor');
    const bob = t.client({ name: 'Bob' });
    await bob.connect();
    StateForRoom.next = 'dispose';
    await expect(bob.join(room.roomId)).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    expect(t.server.rooms.roomCount).toBe(0);
  });
});
