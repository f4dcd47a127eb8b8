import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import type { JoinedRoom } from '../../../src/protocol/index.js';
import { MemoryRegistry } from '../../../src/server/registry/memory-registry.js';
import type { RoomListing } from '../../../src/server/registry/registry.js';
import { compareListings, type RoomOrder } from '../../../src/server/registry/room-order.js';
import { OtherNodes } from '../../../src/server/rooms/other-nodes.js';
import { QuickPlay } from '../../../src/server/rooms/quick-play.js';
import type { RoomHost } from '../../../src/server/rooms/room-host.js';
import type { Session } from '../../../src/server/sessions/session.js';

/**
 * Quick play's choice among this node's own rooms (the rooms made since the listing was read, which the
 * listing did not show) follows the registries' one order rule, ties between rooms made in one millisecond
 * broken by id as the listing breaks them, not by the order the rooms were made in.
 */

const CREATED_AT = 1_000;

/** One of this node's open 'arena' rooms, with what quick play reads of it. */
function hostOf(roomId: string, clients = 1): RoomHost {
  const host = {
    roomId,
    type: 'arena',
    isPrivate: false,
    disposed: false,
    createdAt: CREATED_AT,
    seatsInUse: clients,
    room: { locked: false, maxClients: 8, metadata: {} },
    has: () => false,
  };
  return host as unknown as RoomHost;
}

/**
 * The room a quick play of 'arena' is seated in on a node with `hosts` (made in that order) and a registry
 * that lists none of them: the choice is the node's own.
 */
async function seatedIn(hosts: readonly RoomHost[], order: RoomOrder | undefined): Promise<string> {
  const registry = new MemoryRegistry();
  const seated: string[] = [];
  const quickPlay = new QuickPlay({
    registry,
    clock: new ManualClock(),
    nodeId: 'node-a',
    rooms: new Map(hosts.map((host) => [host.roomId, host])),
    otherNodes: new OtherNodes(registry, 'node-a', 'boot-a'),
    hasType: (type) => type === 'arena',
    orderOf: () => order,
    types: () => ['arena'],
    isDraining: () => false,
    join: async (_session, host) => {
      seated.push(host.roomId);
      return {} as JoinedRoom;
    },
    create: async () => {
      throw new Error('no room should be created: one has a seat');
    },
    isRegistryFailure: () => false,
  });
  const session = { ended: false } as Session;
  await quickPlay.play(session, 'arena', undefined, undefined, '127.0.0.1');
  expect(seated).toHaveLength(1);
  return seated[0] ?? '';
}

/** The room the registries' rule puts first among `hosts`, as their listing would read them. */
function firstListed(hosts: readonly RoomHost[], order: RoomOrder | undefined): string | undefined {
  const listings = hosts.map(
    (host): Pick<RoomListing, 'roomId' | 'clients' | 'createdAt' | 'metadata' | 'order'> => ({
      roomId: host.roomId,
      clients: host.seatsInUse,
      createdAt: host.createdAt,
      metadata: host.room.metadata,
      ...(order === undefined ? {} : { order }),
    }),
  );
  return listings.sort(compareListings(order))[0]?.roomId;
}

describe("quick play's choice among this node's own rooms", () => {
  it('breaks a tie of rooms made in one millisecond by id, as the registries do, not by which came first', async () => {
    // Made in this order: the later one has the smaller id.
    const hosts = [hostOf('room-b'), hostOf('room-a')];
    expect(firstListed(hosts, undefined)).toBe('room-a');
    expect(await seatedIn(hosts, undefined)).toBe('room-a');
  });

  it('breaks a tie in a quick-play order by id too', async () => {
    const fullest: RoomOrder = { by: 'clients', direction: -1 };
    // 'room-b' and 'room-a' are the fullest, a tie; 'room-d' has fewer players.
    const hosts = [hostOf('room-b', 2), hostOf('room-a', 2), hostOf('room-d', 1)];
    expect(firstListed(hosts, fullest)).toBe('room-a');
    expect(await seatedIn(hosts, fullest)).toBe('room-a');
  });

  it('compares ids by their UTF-8 bytes, as Redis orders its members', async () => {
    // By UTF-16 units U+FF5E comes after U+D83D (the first unit of U+1F600); by UTF-8 bytes, before.
    const hosts = [hostOf('room-\u{1F600}'), hostOf('room-\uFF5E')];
    expect(firstListed(hosts, undefined)).toBe('room-\uFF5E');
    expect(await seatedIn(hosts, undefined)).toBe('room-\uFF5E');
  });
});
