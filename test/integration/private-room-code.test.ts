import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry, type RoomListing } from 'vehikill-net/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

// A private room's code is drawn before its onCreate, which may read it (to log it, or show it to its
// players), and is the room's for good: a code already taken is drawn again before onCreate, never after.

/** Keeps the code each room read in its onCreate, and counts disposals. */
class CodeReading extends TestRoom {
  static codesRead: Array<string | undefined> = [];
  static disposed = 0;
  override onCreate(options: unknown): void {
    super.onCreate(options);
    CodeReading.codesRead.push(this.code);
  }
  override onDispose(): void {
    CodeReading.disposed++;
  }
}

/** Another node's private room, holding `code`. */
function otherRoomWith(code: string): RoomListing {
  return {
    roomId: 'room-elsewhere',
    type: 'test',
    code,
    private: true,
    clients: 1,
    maxClients: 8,
    metadata: {},
    nodeId: 'node-elsewhere',
    locked: false,
    createdAt: 0,
  };
}

/** A registry where the first private code the server draws is another room's already. */
class FirstCodeTaken extends MemoryRegistry {
  taken: string | undefined;
  override async findByCode(code: string): Promise<RoomListing | undefined> {
    this.taken ??= code;
    return code === this.taken ? otherRoomWith(code) : super.findByCode(code);
  }
  override async addRoom(listing: RoomListing, seats?: readonly string[]): Promise<boolean> {
    if (listing.code !== undefined) this.taken ??= listing.code;
    return listing.code === this.taken ? false : super.addRoom(listing, seats);
  }
}

/** A registry where another node lists a room under the code while the first room is being created. */
class CodeTakenDuringCreation extends MemoryRegistry {
  override async addRoom(listing: RoomListing, seats?: readonly string[]): Promise<boolean> {
    return listing.code === undefined ? super.addRoom(listing, seats) : false;
  }
}

let t: TestServer | undefined;
beforeEach(() => {
  CodeReading.codesRead = [];
  CodeReading.disposed = 0;
});
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a private room', () => {
  it('keeps the code its onCreate read: one already taken is drawn again before onCreate', async () => {
    const registry = new FirstCodeTaken();
    t = await startServer({ test: CodeReading }, { registry });
    const owner = t.client();
    await owner.connect();
    const room = await owner.create('test', { private: true });

    expect(CodeReading.codesRead).toHaveLength(1);
    const [code] = CodeReading.codesRead;
    expect(code).not.toBe(registry.taken);
    expect(room.code).toBe(code);
    const friend = t.client();
    await friend.connect();
    expect((await friend.joinByCode(code as string)).roomId).toBe(room.roomId);
  });

  it('whose code another room took while it was created is refused, not given another code', async () => {
    t = await startServer({ test: CodeReading }, { registry: new CodeTakenDuringCreation() });
    const owner = t.client();
    await owner.connect();

    await expect(owner.create('test', { private: true })).rejects.toMatchObject({
      code: ErrorCode.INTERNAL_ERROR,
      message: expect.stringMatching(/code .* taken .* try again/),
    });
    // Not listed, and not hosted: it heard it is gone.
    expect(CodeReading.codesRead).toHaveLength(1);
    expect(CodeReading.disposed).toBe(1);
    expect(t.server.rooms.roomCount).toBe(0);
    // The player can go on.
    await expect(owner.create('test')).resolves.toMatchObject({ roomId: expect.any(String) });
  });
});
