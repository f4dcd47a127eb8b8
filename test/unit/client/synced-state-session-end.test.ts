import { SyncedState } from 'vehikill-net/client';
import { type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, closeCodeFor, ErrorCode, Kind } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

/*
 * A SyncedState on `client.serverLink` lets go of the world of a session that ended, whichever way it
 * ended (test/integration/sync-session-end.test.ts has expiry, close and resume against a real server):
 * here, a drain that moves the client to another node, with a fresh session there.
 */
const Cone = entity('cone', { n: int({ min: 0, max: 255 }) });
const types = [Cone] as const;
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('a SyncedState when its client moves to another node', () => {
  it('is emptied before `moved`: a remove (restart) for each entity', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock);
      else if (message.kind === Kind.JoinRoom) {
        const result = joinedRoom('room-1', ['aaaaaaaa01'], { membership: 1 });
        server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
      }
    };
    const client = server.client(clock);
    await client.connect();
    const state = new SyncedState(client.serverLink, { types });
    await client.join('room-1');
    // The room's snapshots, as the old node's RoomSync sends them over the WebSocket (TCP mode).
    const member = { playerId: 'aaaaaaaa01', userId: 'u', name: 'a', away: false, rttMs: 0, membership: 1 };
    const room = { clock, clients: [member as unknown as RoomClient] };
    const sync = new RoomSync(room as never, {
      types,
      send: (_client, bytes) => {
        server.send(Kind.DatagramFromServer, { c: 0, p: bytes, t: clock.now() });
        return true;
      },
    });
    sync.world.spawn(Cone, { n: 1 });
    sync.world.spawn(Cone, { n: 2 });
    sync.flush(1);
    await settle();
    expect(state.size).toBe(2);

    const removed: string[] = [];
    state.on('remove', (e) => removed.push(`${e.state.n}:${e.reason}`));
    const heldWhenMoved: number[] = [];
    client.on('moved', () => heldWhenMoved.push(state.size));
    server.send(Kind.Bye, { code: ErrorCode.SERVER_DRAINING, message: 'ws://other/ws' });
    server.socket?.close(closeCodeFor(ErrorCode.SERVER_DRAINING), 'moved to another node');
    await settle();
    expect(heldWhenMoved).toEqual([0]);
    expect(removed.sort()).toEqual(['1:restart', '2:restart']);
    expect(state.stats().restarts).toBe(1);
    client.close();
  });
});
