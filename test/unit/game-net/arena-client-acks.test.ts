import { decodeSyncFrame } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { NEUTRAL_INPUT } from '../../../game/sim/index.js';
import { arenaHarness } from './arena-harness.js';

describe("ArenaClient's acks", () => {
  it('ride on its inputs: no ack goes alone while the car is driven, and snapshots are acked as before', () => {
    const arena = arenaHarness();
    arena.controls.input = { ...NEUTRAL_INPUT, throttle: 1 };
    arena.run(1_000);
    const sent = { ackOnly: 0, ackWithInput: 0 };
    const send = arena.playerEnd.send.bind(arena.playerEnd);
    arena.playerEnd.send = (channel, bytes) => {
      if (channel === Channel.phys) {
        const frame = decodeSyncFrame(bytes);
        if (frame.kind === 'ack') sent[frame.payload === undefined ? 'ackOnly' : 'ackWithInput']++;
      }
      return send(channel, bytes);
    };
    const applied = arena.client.synced.stats().applied;
    arena.run(3_000);
    // 30 snapshots a second, each acked by the next input (sent every tick), none by a message of its own.
    expect(arena.client.synced.stats().applied - applied).toBeGreaterThan(80);
    expect(sent.ackOnly).toBe(0);
    expect(sent.ackWithInput).toBeGreaterThan(170);
    // The server's view of the client's acks keeps up: its baselines are at most a few snapshots old.
    expect(arena.client.synced.stats().acksSent).toBeGreaterThan(170);
  });
});
