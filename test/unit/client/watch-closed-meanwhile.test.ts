import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

describe('a watch whose answer is read as the client closes', () => {
  it('ends with the close, and is not watched again by the next session', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    let watchRid: number | undefined;
    let sessions = 0;
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome(`aaaaaaaa0${++sessions}`, clock);
      else if (message.kind === Kind.WatchRooms) watchRid = message.body.rid;
    };
    const client = server.client(clock);
    await client.connect();
    const watching = client.watchRooms({ type: 'arena' });
    await Promise.resolve();
    // The answer and the close in one task (ws in Node reads a chunk's frames in one go).
    server.send(Kind.Response, { rid: watchRid as number, ok: true, result: { rooms: [] } });
    void client.close({ flushMs: 0 });
    const watch = await watching;
    // The watch outlived the close it was told of by no 'end': the next session asked for it again,
    // and the lobby of a closed client went on changing.
    expect(watch.ended).toBe(true);
    await client.connect();
    await Promise.resolve();
    expect(server.receivedOf(Kind.WatchRooms)).toHaveLength(1);
    const changes: number[] = [];
    watch.on('change', (rooms) => changes.push(rooms.length));
    server.send(Kind.RoomList, { rooms: [joinedRoom('room-1', []).room] });
    expect(changes).toEqual([]);
    await client.close();
  });
});
