import { describe, expect, it } from 'vitest';
import { Kind, ProtocolError } from '../../../src/protocol/index.js';
import { joiningClient } from './fakes/joining-client.js';

const invalid = (pattern: RegExp) => (error: unknown) =>
  error instanceof ProtocolError && error.code === 'INVALID_MESSAGE' && pattern.test(error.message);

describe('a caller mistake the client can see', () => {
  it('refuses request arguments the server would refuse, without sending them', async () => {
    const { client, server } = await joiningClient('aaaaaaaa01', 'bbbbbbbb02');
    const sentBefore = server.received.length;
    // Each refused by the server would cost the session's fault budget: 25 of them ended it.
    for (let i = 0; i < 25; i++) {
      await expect(client.listRooms({ limit: 0 })).rejects.toSatisfy(invalid(/listRooms: limit/));
    }
    await expect(client.listRooms({ includeFull: 'yes' as never })).rejects.toSatisfy(invalid(/includeFull/));
    await expect(client.watchRooms({ filter: { deep: { no: 1 } } as never })).rejects.toSatisfy(
      invalid(/watchRooms: filter/),
    );
    expect(server.received.slice(sentBefore).map((message) => message.kind)).toEqual([]);
    expect(client.state).toBe('open');
    // What the wire does not carry is not held against a request: a filter entry left undefined.
    void client.listRooms({ filter: { map: 'harbor', mode: undefined as never } });
    expect(server.receivedOf(Kind.ListRooms).at(-1)?.filter).toEqual({ map: 'harbor' });
  });

  it('refuses send options that mean nothing, and sends the ones that do', async () => {
    const { client, server, join } = await joiningClient('aaaaaaaa01', 'bbbbbbbb02');
    const { joined } = join('room-1', 3);
    const room = await joined;
    const sentBefore = server.received.length;
    const send = (options: object) => () => room.send('chat', { text: 'hi' }, options as never);
    // Taken for 'reliable' before: a message meant to be volatile was buffered and replayed.
    expect(send({ class: 'volitile' })).toThrow(ProtocolError);
    expect(send({ class: 'volitile' })).toThrow(/class must be 'reliable', 'expiring' or 'volatile'/);
    expect(send({ class: 'expiring', ttlMs: -5 })).toThrow(/ttlMs must be a number of ms above 0/);
    expect(send({ class: 'expiring', ttlMs: Number.NaN })).toThrow(/ttlMs must be a number of ms above 0/);
    expect(send({ class: 'expiring', ttlMs: '100' })).toThrow(/ttlMs must be a number of ms above 0/);
    // Did nothing before: the message went reliable, kept and replayed forever.
    expect(send({ ttlMs: 100 })).toThrow(/ttlMs is for class 'expiring' only/);
    expect(server.received.length).toBe(sentBefore);
    send({ class: 'expiring', ttlMs: 100 })();
    send({ class: 'expiring', ttlMs: 1000 / 30 })(); // rounded up to 34 ms, as the wire carries it
    send({ class: 'volatile' })();
    send({})();
    expect(server.receivedOf(Kind.ClientRoomMessage).length).toBe(4);
    expect(client.state).toBe('open');
  });
});
