import * as v from 'valibot';
import type { Client, RoomConnection } from 'vehikill-net/client';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/**
 * `broadcast(type, data, { except })` leaves out one member or several (Colyseus's `except` takes a client
 * or an array of them, and a port keeps it), and refuses at the call what names no member: a player id
 * given for the client used to send to everyone, the sender included.
 */
class ShoutRoom extends Room {
  static last: ShoutRoom | undefined;
  readonly thrown: unknown[] = [];

  override onCreate(): void {
    ShoutRoom.last = this;
    // Everyone but the sender and the players it names.
    this.onMessage('shout', v.array(v.string()), (client, names) => {
      const named = this.clients.filter((member) => names.includes(member.name));
      this.broadcast('shout', client.name, { except: [client, ...named] });
    });
    this.onMessage('one', v.unknown(), (client) => this.broadcast('one', client.name, { except: client }));
    this.onMessage('end', v.unknown(), () => this.broadcast('after', 1));
    this.onMessage('by id', v.unknown(), (client) => this.#tryBroadcast(client.playerId));
    this.onMessage('ids', v.unknown(), (client) => this.#tryBroadcast([client, client.playerId]));
  }

  #tryBroadcast(except: unknown): void {
    try {
      this.broadcast('wrong', 1, { except: except as RoomClient });
    } catch (error) {
      this.thrown.push(error);
    }
    this.broadcast('after', 1);
  }
}

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

async function seated(
  ...names: string[]
): Promise<{ rooms: RoomConnection[]; heard: Map<string, string[]> }> {
  const clients: Client[] = names.map((name) => t.client({ name }));
  await Promise.all(clients.map((client) => client.connect()));
  const first = await (clients[0] as Client).create('shout');
  const rooms = [first, ...(await Promise.all(clients.slice(1).map((client) => client.join(first.roomId))))];
  const heard = new Map<string, string[]>();
  rooms.forEach((room, index) => {
    const got: string[] = [];
    heard.set(names[index] as string, got);
    for (const type of ['shout', 'one', 'wrong', 'after'])
      room.onMessage(type, (data) => got.push(`${type}:${String(data)}`));
  });
  return { rooms, heard };
}

describe('broadcast except', () => {
  it('leaves out every member of an array, and a single member as before', async () => {
    t = await startServer({ shout: ShoutRoom });
    const { rooms, heard } = await seated('Ada', 'Bob', 'Cy', 'Di');
    const [ada, bob] = rooms as [RoomConnection, RoomConnection];
    ada.send('shout', ['Cy']);
    bob.send('one', {});
    await eventually(() => (heard.get('Di')?.length ?? 0) === 2, 'Di hears both');
    // Sent after both broadcasts, to everyone: once all have it, all the earlier ones have arrived too.
    (rooms[3] as RoomConnection).send('end', {});
    await eventually(
      () => [...heard.values()].every((got) => got.includes('after:1')),
      'everyone hears the end',
    );
    expect(Object.fromEntries(heard)).toEqual({
      Ada: ['one:Bob', 'after:1'],
      Bob: ['shout:Ada', 'after:1'],
      Cy: ['one:Bob', 'after:1'],
      Di: ['shout:Ada', 'one:Bob', 'after:1'],
    });
  });

  it('refuses an except that is no member (a player id) at the call, sending nothing', async () => {
    t = await startServer({ shout: ShoutRoom });
    const { rooms, heard } = await seated('Ada', 'Bob');
    const [ada] = rooms as [RoomConnection];
    ada.send('by id', {});
    ada.send('ids', {});
    await eventually(() => heard.get('Bob')?.length === 2, 'both messages after the refused ones');
    expect(heard.get('Bob')).toEqual(['after:1', 'after:1']);
    expect(heard.get('Ada')).toEqual(['after:1', 'after:1']);
    const thrown = ShoutRoom.last?.thrown ?? [];
    expect(thrown).toHaveLength(2);
    for (const error of thrown) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(ErrorCode.INVALID_MESSAGE);
      expect((error as ProtocolError).message).toMatch(/except.*RoomClient.*string/);
    }
  });
});
