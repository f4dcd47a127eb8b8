import * as v from 'valibot';
import type { Client, RoomWatch } from 'vehikill-net/client';
import { ErrorCode, ProtocolError, type RoomInfo } from 'vehikill-net/protocol';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/**
 * Room metadata travels in every listing to every lobby: what clients could not read is refused at
 * `setMetadata`, and a listing entry a client cannot read anyway (a server of another version) costs
 * that one entry, never the lobby.
 */

/** Metadata that type-checks (or nearly) and that no listing could carry, with the limit it breaks. */
const bad: Array<[string, Record<string, unknown>, RegExp]> = [
  ['a 200-character title', { title: 'x'.repeat(200) }, /'title' is 200 characters long: at most 128/],
  [
    'a 17th entry',
    Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])),
    /17 entries: at most 16/,
  ],
  ['a 36-character key', { a_rather_long_metadata_key_name_here: 1 }, /36 characters long: keys are 1 to 32/],
  ['an empty key', { '': 1 }, /0 characters long: keys are 1 to 32/],
  ['NaN', { score: Number.NaN }, /'score' is NaN: numbers must be finite/],
  ['Infinity', { score: Number.POSITIVE_INFINITY }, /'score' is Infinity: numbers must be finite/],
  ['a __proto__ key', JSON.parse('{"__proto__": 1}'), /__proto__/],
  ['an object', { rules: { ffa: true } }, /'rules' is an object: values are strings, numbers or booleans/],
];

class MetaRoom extends Room {
  static last: MetaRoom | undefined;
  readonly refusals: string[] = [];

  override onCreate(options: unknown): void {
    MetaRoom.last = this;
    const { title } = (options ?? {}) as { title?: string };
    // One metadata key to start with: the 17th-entry case adds 16 more.
    this.setMetadata({ mode: 'ffa', ...(title === undefined ? {} : { title }) });
    this.onMessage('try', v.number(), (client, index) => {
      try {
        this.setMetadata(bad[index]?.[1] as Record<string, string>);
        client.send('tried', 'accepted');
      } catch (error) {
        client.send('tried', `${(error as Error).name}: ${(error as Error).message}`);
      }
    });
    this.onMessage('set', v.record(v.string(), v.string()), (_client, patch) => this.setMetadata(patch));
  }
}

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

async function connected(...names: string[]): Promise<Client[]> {
  const clients = names.map((name) => t.client({ name }));
  await Promise.all(clients.map((client) => client.connect()));
  return clients;
}

const modes = (rooms: readonly RoomInfo[]) => rooms.map((room) => room.metadata.mode);

describe('setMetadata', () => {
  it('refuses what no listing could carry, naming the limit; the metadata and every lobby go on', async () => {
    t = await startServer({ meta: MetaRoom }, { roomListIntervalMs: 20 });
    const [host, lobby] = (await connected('Host', 'Lobby')) as [Client, Client];
    const lobbyErrors: ProtocolError[] = [];
    lobby.on('error', (error) => lobbyErrors.push(error));
    const watch: RoomWatch = await lobby.watchRooms({ type: 'meta' });
    const room = await host.create('meta');
    await eventually(() => watch.rooms.length === 1, 'the room listed');
    const answers: string[] = [];
    room.onMessage('tried', (answer) => answers.push(String(answer)));
    for (const [index, [name, , said]] of bad.entries()) {
      room.send('try', index);
      await eventually(() => answers.length === index + 1, `the answer for ${name}`);
      expect(answers[index], name).toMatch(/^RangeError: metadata /);
      expect(answers[index], name).toMatch(said);
    }
    expect(MetaRoom.last?.metadata).toEqual({ mode: 'ffa' });
    // Every lobby still reads the listing, and follows it.
    expect(modes(await lobby.listRooms({ type: 'meta' }))).toEqual(['ffa']);
    room.send('set', { mode: 'ctf' });
    await eventually(() => modes(watch.rooms).join() === 'ctf', 'the watch follows a good change');
    expect(watch.ended).toBe(false);
    expect(lobbyErrors).toEqual([]);
    const joined = await lobby.join(room.roomId);
    expect(joined.info.metadata).toEqual({ mode: 'ctf' });
  });

  it('a key set to undefined is removed', async () => {
    t = await startServer({ meta: MetaRoom });
    const [host] = (await connected('Host')) as [Client];
    await host.create('meta', { options: { title: 'Friday night' } });
    const room = MetaRoom.last as MetaRoom;
    room.setMetadata({ title: undefined, level: 3 });
    expect(room.metadata).toEqual({ mode: 'ffa', level: 3 });
    expect((await host.listRooms())[0]?.metadata).toEqual({ mode: 'ffa', level: 3 });
  });

  it('in onCreate, refuses the creation (JOIN_REJECTED naming the limit); other rooms stay listed', async () => {
    t = await startServer({ meta: MetaRoom });
    const [good, host, lobby] = (await connected('Good', 'Host', 'Lobby')) as [Client, Client, Client];
    await good.create('meta', { options: { title: 'fine' } });
    const refused = host.create('meta', { options: { title: 'x'.repeat(200) } });
    await expect(refused).rejects.toBeInstanceOf(ProtocolError);
    await expect(refused).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
      message: expect.stringMatching(/at most 128/),
    });
    expect((await lobby.listRooms({ type: 'meta' })).map((room) => room.metadata.title)).toEqual(['fine']);
    expect(host.state).toBe('open');
  });
});

describe('a listing entry a client cannot read', () => {
  it('is left out, with an error event saying so; the rest of the lobby is listed and followed', async () => {
    t = await startServer({ meta: MetaRoom }, { roomListIntervalMs: 20 });
    const [first, second, lobby] = (await connected('First', 'Second', 'Lobby')) as [Client, Client, Client];
    const one = await first.create('meta');
    const two = await second.create('meta');
    const lobbyErrors: ProtocolError[] = [];
    lobby.on('error', (error) => lobbyErrors.push(error));
    const watch = await lobby.watchRooms({ type: 'meta' });
    // As a node of another version could list it, in a registry the nodes share.
    await t.server.registry.updateRoom(one.roomId, { metadata: { title: 'x'.repeat(200) } });
    await eventually(() => watch.rooms.length === 1, 'the watch leaves the unreadable room out');
    expect(watch.rooms.map((room) => room.roomId)).toEqual([two.roomId]);
    expect(watch.ended).toBe(false);
    const listed = await lobby.listRooms({ type: 'meta' });
    expect(listed.map((room) => room.roomId)).toEqual([two.roomId]);
    expect(lobbyErrors.length).toBeGreaterThanOrEqual(2);
    for (const error of lobbyErrors) {
      expect(error.code).toBe(ErrorCode.INVALID_MESSAGE);
      expect(error.message).toMatch(/left out 1 room of a listing .*metadata\.title/);
    }
    // Put right, it is listed again.
    await t.server.registry.updateRoom(one.roomId, { metadata: { mode: 'ffa' } });
    await eventually(() => watch.rooms.length === 2, 'the room listed again');
    await sleep(50);
    expect(lobby.state).toBe('open');
  });
});
