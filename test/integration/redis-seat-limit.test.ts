import type { Client } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import { RedisRegistry } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { connectedClient as connected, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const redis = useRedis();

describe('the seat limit on Redis under join and leave churn', () => {
  it('a 4-seat room never holds more than 4, while the node writes its rooms again and again', async () => {
    const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix: 'seat-churn:' });
    let server: TestServer | undefined;
    try {
      server = await startServer({ test: TestRoom }, { registry, nodeId: 'churn', roomCreateBurst: 100 });
      const node = server;
      const host = await connected(node);
      const room = await host.create('test', { options: { maxClients: 4 } });
      const players = await Promise.all(Array.from({ length: 12 }, () => connected(node)));
      let most = 0;
      const refused: Record<string, number> = {};
      let joins = 0;
      const seen = () => {
        const clients = node.server.rooms
          .listings()
          .find((listing) => listing.roomId === room.roomId)?.clients;
        most = Math.max(most, clients ?? 0);
      };
      let running = true;
      // Re-registrations as a heartbeat after a lost write makes them, far more often than one would.
      const rewriting = (async () => {
        while (running) {
          await node.server.rooms.reconcileRegistry().catch(() => {});
          seen();
          await sleep(Math.random() * 5);
        }
      })();
      const churn = async (player: Client) => {
        for (let round = 0; round < 25; round++) {
          try {
            const joined = await player.join(room.roomId);
            joins++;
            most = Math.max(most, joined.members.length);
            seen();
            await sleep(Math.random() * 20);
            await joined.leave();
          } catch (error) {
            const { code, message } = error as { code?: string; message?: string };
            // Anything but ROOM_FULL with its message: which refusal it was (the registry's own failure,
            // or a room it did not list) is what a failure here needs to say.
            const key = code === ErrorCode.ROOM_FULL ? code : `${code ?? String(error)}: ${message ?? ''}`;
            refused[key] = (refused[key] ?? 0) + 1;
            await sleep(Math.random() * 5);
          }
        }
      };
      await Promise.all(players.map(churn));
      running = false;
      await rewriting;
      expect(most).toBeLessThanOrEqual(4);
      expect(joins).toBeGreaterThan(0);
      // Busy, never taken for a registry that lost the room: Redis was healthy throughout.
      expect(Object.keys(refused).filter((code) => code !== ErrorCode.ROOM_FULL)).toEqual([]);
      // Once everyone has left, the registry counts the one member left: no seat lost, none kept.
      await expect.poll(async () => (await registry.getRoom(room.roomId))?.clients).toBe(1);
    } finally {
      await server?.close();
      await registry.close();
    }
  });
});
