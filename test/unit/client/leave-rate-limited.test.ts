import { describe, expect, it } from 'vitest';
import { type Body, ErrorCode, Kind } from '../../../src/protocol/index.js';
import { seatedClient } from './fakes/seated-client.js';

const SELF = 'aaaaaaaa01';

const refused = (rid: number) =>
  ({
    rid,
    ok: false,
    code: ErrorCode.RATE_LIMITED,
    message: 'more than 16 requests waiting: wait for their answers',
  }) as Body<typeof Kind.Response>;

const answered = (rid: number, result?: unknown) =>
  ({ rid, ok: true, ...(result === undefined ? {} : { result }) }) as Body<typeof Kind.Response>;

/** Lets the client read what the server sent and act on it (its promise chains run). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
}

type Server = Awaited<ReturnType<typeof seatedClient>>['server'];

/** Refuses the client's leave (its first) as the server does past the requests waiting their turn. */
async function refuseTheLeave(server: Server): Promise<void> {
  await settle();
  server.send(Kind.Response, refused(server.receivedOf(Kind.LeaveRoom)[0]?.rid as number));
  await settle();
}

/** Answers the client's listing (one room-less list). */
function answerTheListing(server: Server): void {
  server.send(Kind.Response, answered(server.receivedOf(Kind.ListRooms)[0]?.rid as number, { rooms: [] }));
}

/** Takes the leave sent again (the second one sent), as the server does once it has room for it. */
function takeTheLeaveSentAgain(server: Server): void {
  const again = server.receivedOf(Kind.LeaveRoom);
  expect(again).toHaveLength(2);
  server.send(Kind.Response, answered(again[1]?.rid as number));
}

/**
 * The server takes a session's requests one at a time, and refuses one more past those waiting their turn
 * (RATE_LIMITED, answered at once: see ServerConnection's MAX_PENDING_REQUESTS). A leave refused so took
 * the room from the app while the server kept the player seated: a ghost in the room, which a second
 * `leave()` did not remove (the room being left already, it sent nothing).
 */
describe('room.leave() refused by the server for too many requests waiting', () => {
  it('is sent again once the requests ahead of it are answered, and resolves when the server takes it', async () => {
    const { client, server, room } = await seatedClient(SELF, 'bbbbbbbb02');
    const listing = client.listRooms();
    const leaving = room.leave();
    await refuseTheLeave(server);
    expect(client.room).toBeUndefined();
    // Not before the requests ahead of it are answered: the server would refuse it again.
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
    answerTheListing(server);
    await listing;
    await settle();
    takeTheLeaveSentAgain(server);
    await expect(leaving).resolves.toBeUndefined();
    await client.close();
  });

  it('with no request of its own ahead, is sent again a second later', async () => {
    const { client, server, room, clock } = await seatedClient(SELF, 'bbbbbbbb02');
    const leaving = room.leave();
    await refuseTheLeave(server);
    clock.advance(999);
    await settle();
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
    clock.advance(1);
    await settle();
    takeTheLeaveSentAgain(server);
    await expect(leaving).resolves.toBeUndefined();
    await client.close();
  });

  it('is not sent again behind a join that seated the player meanwhile', async () => {
    const { client, server, room } = await seatedClient(SELF, 'bbbbbbbb02');
    const listing = client.listRooms();
    const leaving = room.leave();
    await refuseTheLeave(server);
    // The app joins again (answered at once by this server): that moved the player out of the old seating.
    const next = await client.join('room-1');
    answerTheListing(server);
    await listing;
    await expect(leaving).resolves.toBeUndefined();
    await settle();
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
    expect(client.room).toBe(next);
    await client.close();
  });

  it('resolves, sending nothing more, when the session ends while it waits', async () => {
    const { client, server, room } = await seatedClient(SELF, 'bbbbbbbb02');
    const listing = client.listRooms().catch(() => {});
    const leaving = room.leave();
    await refuseTheLeave(server);
    await client.close();
    await listing;
    await expect(leaving).resolves.toBeUndefined();
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
  });
});
