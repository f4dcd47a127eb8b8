import { GameServer, Room } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { compareRooms, listedInOrder } from '../../../src/server/registry/room-order.js';
import { roomOrderOf } from '../../../src/server/rooms/quick-play-order.js';

class Arena extends Room {}

describe('quickPlayOrder at define', () => {
  it('takes the named orders and a metadata field either way', () => {
    expect(roomOrderOf('arena', undefined)).toBeUndefined();
    expect(roomOrderOf('arena', 'oldest')).toBeUndefined();
    expect(roomOrderOf('arena', 'fullest')).toEqual({ by: 'clients', direction: -1 });
    expect(roomOrderOf('arena', 'emptiest')).toEqual({ by: 'clients', direction: 1 });
    expect(roomOrderOf('arena', { metadata: 'rating', order: 'descending' })).toEqual({
      by: 'metadata',
      field: 'rating',
      direction: -1,
    });
  });

  it('throws a TypeError naming the type and the choices for anything else, and defines nothing', () => {
    const server = new GameServer();
    const bad: unknown[] = [
      'full',
      { clients: -1 },
      { metadata: 'rating' },
      { metadata: '', order: 'ascending' },
      { metadata: 'rating', order: 'up' },
      { metadata: 'rating', order: 'ascending', extra: 1 },
      null,
      7,
      [],
    ];
    for (const quickPlayOrder of bad) {
      const define = () => server.define('arena', Arena, { quickPlayOrder } as never);
      expect(define).toThrow(TypeError);
      expect(define).toThrow(/room type 'arena': quickPlayOrder must be 'oldest', 'fullest', 'emptiest'/);
    }
    // Nothing was defined: a good definition after the bad ones goes through.
    expect(() => server.define('arena', Arena, { quickPlayOrder: 'fullest' })).not.toThrow();
  });

  it('orders rooms without the metadata number after every room that has one, and ties oldest first', () => {
    const room = (createdAt: number, metadata: Record<string, number | string> = {}) => ({
      clients: 0,
      createdAt,
      metadata,
    });
    const rooms = [
      room(1),
      room(2, { rating: 'x' }),
      room(3, { rating: 5 }),
      room(4, { rating: -5 }),
      room(5, { rating: 5 }),
    ];
    const order = compareRooms({ by: 'metadata', field: 'rating', direction: -1 });
    expect([...rooms].sort(order).map((r) => r.createdAt)).toEqual([3, 5, 4, 1, 2]);
  });

  it('tells a listing stored in an order from one with none, or one of a form no registry indexes', () => {
    const good: unknown[] = [
      { by: 'clients', direction: -1 },
      { by: 'metadata', field: 'rating', direction: 1 },
    ];
    const bad: unknown[] = [
      undefined,
      null,
      'fullest',
      { by: 'clients', direction: 2 },
      { by: 'metadata', direction: 1 },
      { by: 'seats', direction: 1 },
    ];
    expect(good.map((order) => listedInOrder({ order }))).toEqual([true, true]);
    expect(bad.map((order) => listedInOrder({ order }))).toEqual(bad.map(() => false));
  });
});
