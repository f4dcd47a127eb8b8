import { SyncedState } from 'vehikill-net/client';
import type { ProtocolError } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { entity, entityRegistry, int } from 'vehikill-net/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { tickingSyncRoom } from '../support/ticking-sync-room.js';

/*
 * A page from before a deploy declares the entity types otherwise than the server (here a field's range
 * changed), so no snapshot can apply on it. It was told once, but the server went on sending it full
 * states at its rate for as long as it stayed (61 resyncs in 3 s), and logged nothing.
 */

const Tank = entity('tank', { x: int({ min: 0, max: 100_000 }), hp: int({ min: 0, max: 200 }) });
/** The same type as the build before declared it. */
const OldTank = entity('tank', { x: int({ min: 0, max: 100_000 }), hp: int({ min: 0, max: 100 }) });
const TICK_MS = 20;

let metrics: CountingMetrics | undefined;
const TankRoom = tickingSyncRoom(
  Tank,
  (tick) => ({ x: tick, hp: 150 }),
  () => ({ rateHz: 50, ...(metrics ? { metrics } : {}) }),
  TICK_MS,
);

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ tanks: TankRoom });
  metrics = t.server.metrics as CountingMetrics;
});
afterAll(() => t.close());
afterEach(() => vi.restoreAllMocks());

/** `n` as the log line writes a fingerprint. */
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

describe('a client whose entity types are not the server’s', () => {
  it('is told once to reload, is sent no more state, and the server says so once and counts it', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const current = t.client({ serverLink: 'off', name: 'current' });
    await current.connect();
    const fresh = new SyncedState(current.serverLink, { types: [Tank] });
    const { roomId } = await current.create('tanks');
    const room = TankRoom.instance as InstanceType<typeof TankRoom>;

    const stale = t.client({ serverLink: 'off', name: 'stale' });
    await stale.connect();
    const old = new SyncedState(stale.serverLink, { types: [OldTank] });
    const errors: ProtocolError[] = [];
    old.on('error', (error) => errors.push(error));
    await stale.join(roomId);

    await eventually(() => errors.length > 0, 'the stale client was told');
    await eventually(() => room.sync.stats().typesMismatched > 0, 'the server heard it');
    // Snapshots on their way when the server heard it may still come; then none.
    await sleep(300);
    const received = old.stats().snapshotsReceived;
    await sleep(1_000);
    // At 50 Hz a second is 50 snapshots: not one more came.
    expect(old.stats().snapshotsReceived).toBe(received);
    expect(errors.map((error) => error.code)).toEqual(['SYNC_TYPES_MISMATCH']);
    expect(errors[0]?.message).toMatch(/reload/);
    expect(old.size).toBe(0);

    const lines = warn.mock.calls.map((call) => String(call[0])).filter((line) => line.includes('types'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('tanks');
    expect(lines[0]).toContain(hex(entityRegistry([Tank]).fingerprint));
    expect(lines[0]).toContain(hex(entityRegistry([OldTank]).fingerprint));
    expect(metrics?.total('sync_types_mismatch_total')).toBe(1);
    expect(room.sync.stats().typesMismatched).toBe(1);

    // The member with the server's types went on being served all along.
    const before = fresh.stats().applied;
    await eventually(() => fresh.stats().applied > before + 10, 'the current client kept applying');
    expect([...fresh.entities()].map((held) => held.state.hp)).toEqual([150]);
    old.dispose();
    fresh.dispose();
  });
});
