import type { Registry, RoomListing } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';

/**
 * The contract every Registry keeps, run against each implementation (memory now; Redis joins later).
 */
export function registryContract(name: string, makeRegistry: () => Promise<Registry>): void {
  const listing = (roomId: string, extra: Partial<RoomListing> = {}): RoomListing => ({
    roomId,
    type: 'arena',
    private: false,
    clients: 0,
    maxClients: 4,
    metadata: { mode: 'ffa' },
    nodeId: 'node-a',
    locked: false,
    createdAt: Number(roomId.replace(/\D/g, '')) || 0,
    ...extra,
  });

  describe(`Registry contract: ${name}`, () => {
    it('lists public rooms by type and metadata, oldest first, and hides private, full and locked ones', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      await registry.addRoom(listing('room2', { metadata: { mode: 'ctf' } }));
      await registry.addRoom(listing('room3', { private: true, code: 'ABCDEF' }));
      await registry.addRoom(listing('room4', { type: 'race' }));
      await registry.addRoom(listing('room5', { maxClients: 1 }));
      await registry.reserveSeat('room5', 'p1');
      expect((await registry.listRooms({ type: 'arena' })).map((room) => room.roomId)).toEqual([
        'room1',
        'room2',
      ]);
      expect((await registry.listRooms({ filter: { mode: 'ctf' } })).map((room) => room.roomId)).toEqual([
        'room2',
      ]);
      expect(
        (await registry.listRooms({ type: 'arena', includeFull: true })).map((room) => room.roomId),
      ).toContain('room5');
      await registry.updateRoom('room1', { locked: true });
      expect((await registry.listRooms({ type: 'arena' })).map((room) => room.roomId)).toEqual(['room2']);
      await registry.close();
    });

    it('keeps private codes unique and finds rooms by code until they are removed', async () => {
      const registry = await makeRegistry();
      expect(await registry.addRoom(listing('room1', { private: true, code: 'K7Q2XM' }))).toBe(true);
      expect(await registry.addRoom(listing('room2', { private: true, code: 'K7Q2XM' }))).toBe(false);
      expect((await registry.findByCode('K7Q2XM'))?.roomId).toBe('room1');
      await registry.removeRoom('room1');
      expect(await registry.findByCode('K7Q2XM')).toBeUndefined();
      expect(await registry.getRoom('room1')).toBeUndefined();
      await registry.close();
    });

    it('reserves seats atomically: 20 concurrent reservations on 4 seats admit exactly 4', async () => {
      const registry = await makeRegistry();
      await registry.addRoom(listing('room1'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => registry.reserveSeat('room1', `p${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(4);
      expect((await registry.getRoom('room1'))?.clients).toBe(4);
      expect(await registry.reserveSeat('room1', 'p0')).toBe(true); // idempotent for a seat holder
      await registry.releaseSeat('room1', 'p0');
      expect(await registry.reserveSeat('room1', 'late')).toBe(true);
      expect(await registry.reserveSeat('missing', 'p0')).toBe(false);
      await registry.updateRoom('room1', { locked: true });
      await registry.releaseSeat('room1', 'late');
      expect(await registry.reserveSeat('room1', 'locked-out')).toBe(false);
      await registry.close();
    });
  });
}
