import * as v from 'valibot';
import type { RoomInfo } from 'vehikill-net/protocol';
import { type GameServerOptions, RedisRegistry, Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

// A room hides itself from the listing, lobbies and quick play once its match starts, and shows itself
// again (or a private party opens to everyone): `setPrivate`, against both registries.

/** 'private' sets what a member asks; 'is-private' answers what the room reads back. */
class Match extends Room {
  override onCreate(): void {
    this.onMessage('private', v.boolean(), (_client, hidden) => this.setPrivate(hidden));
    this.onMessage('is-private', v.unknown(), (client) => client.send('is-private', this.private));
    this.onMessage('bad', v.unknown(), (client) => {
      try {
        this.setPrivate('yes' as unknown as boolean);
      } catch (error) {
        client.send('bad', (error as Error).message);
      }
    });
  }
}

const redis = useRedis();
let prefixes = 0;

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const registries: Record<string, () => Promise<GameServerOptions>> = {
  memory: async () => ({}),
  redis: async () => ({
    registry: await RedisRegistry.connect({ url: redis.url, keyPrefix: `private${prefixes++}:` }),
  }),
};

describe.each(Object.keys(registries))('Room.setPrivate, %s registry', (name) => {
  it('unlists the room from listings, lobbies and quick play, joined by id all along; lists it again', async () => {
    t = await startServer({ match: Match }, await registries[name]!());
    const [host, watcher, quick, invited] = [t.client(), t.client(), t.client(), t.client()];
    await Promise.all([host, watcher, quick, invited].map((client) => client.connect()));
    const match = await host.create('match');
    const lobby: RoomInfo[][] = [];
    const watch = await watcher.watchRooms({ type: 'match' }, (rooms) => lobby.push([...rooms]));
    lobby.push([...watch.rooms]);
    await eventually(() => lobby.at(-1)?.length === 1, 'the lobby shows the room');

    const answers: unknown[] = [];
    match.onMessage('is-private', (hidden) => answers.push(hidden));
    match.send('private', true);
    match.send('is-private');
    await eventually(() => answers.length === 1, 'the room read back');
    expect(answers).toEqual([true]);
    await eventually(() => lobby.at(-1)?.length === 0, 'the lobby no longer shows it');
    expect(await host.listRooms({ type: 'match' })).toEqual([]);
    // Quick play does not find it: it makes a room of its own.
    const elsewhere = await quick.quickPlay('match');
    expect(elsewhere.roomId).not.toBe(match.roomId);
    // A player given its id still gets in.
    const joined = await invited.join(match.roomId);
    expect(joined.roomId).toBe(match.roomId);

    match.send('private', false);
    match.send('is-private');
    await eventually(() => answers.length === 2, 'the room read back again');
    expect(answers[1]).toBe(false);
    await eventually(
      () => lobby.at(-1)?.some((room) => room.roomId === match.roomId) === true,
      'the lobby shows it again',
    );
    const listed = await host.listRooms({ type: 'match' });
    expect(listed.find((room) => room.roomId === match.roomId)?.clients).toBe(2);
  });

  it('a room created private, listed by setPrivate(false), keeps its code', async () => {
    t = await startServer({ match: Match }, await registries[name]!());
    const [host, other] = [t.client(), t.client()];
    await Promise.all([host.connect(), other.connect()]);
    const party = await host.create('match', { private: true });
    expect(party.code).toBeDefined();
    expect(await other.listRooms({ type: 'match' })).toEqual([]);
    party.send('private', false);
    const until = Date.now() + 5_000;
    while ((await other.listRooms({ type: 'match' })).length === 0) {
      if (Date.now() > until) throw new Error('timed out waiting for the party to be listed');
      await sleep(20);
    }
    const byCode = await other.joinByCode(party.code!);
    expect(byCode.roomId).toBe(party.roomId);
  });
});

it('refuses anything but a boolean with a TypeError, and the room stays as it was', async () => {
  t = await startServer({ match: Match });
  const host = t.client();
  await host.connect();
  const match = await host.create('match');
  const said: unknown[] = [];
  match.onMessage('bad', (message) => said.push(message));
  match.send('bad');
  await eventually(() => said.length === 1, 'the refusal');
  expect(said[0]).toBe('setPrivate takes true or false, got a string');
  expect((await host.listRooms({ type: 'match' })).map((room) => room.roomId)).toEqual([match.roomId]);
});
