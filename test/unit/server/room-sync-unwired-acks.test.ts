import { Channel } from 'vehikill-net/client';
import { ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import { encodeAckFrame, entity, int } from 'vehikill-net/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { syncMember } from '../../support/sync-member.js';

/*
 * A room that never passes its link messages to `sync.receive` (a room without inputs has no other reason
 * to write an `onLinkMessage`) takes no acks: every member stalls after 128 snapshots and is sent empty
 * ones, so every client's state stops changing a few seconds after its join. That used to happen without
 * a word anywhere; the console now says what to fix, once.
 */

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

/**
 * A room of `members` whose dot moves every tick, flushed `ticks` times at 20 Hz. `names`: what a hosted
 * Room has besides its clients and clock (its type and id).
 */
function run(
  members: RoomClient[],
  ticks: number,
  beforeTicks?: (sync: RoomSync) => void,
  names: { roomId?: string; type?: string } = {},
) {
  const clock = new ManualClock();
  const room = { clients: members, clock, ...names };
  const sync = new RoomSync(room, { types: [Dot], random: () => 0, send: () => {} });
  const dot = sync.world.spawn(Dot, { x: 0 });
  beforeTicks?.(sync);
  for (let tick = 1; tick <= ticks; tick++) {
    sync.world.update(dot, Dot, { x: tick % 1000 });
    sync.flush(tick);
    clock.advance(50);
  }
  return sync;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RoomSync in a room that never calls receive', () => {
  it('tells the console once, when the first member stalls, how to take the acks', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sync = run([syncMember('ada'), syncMember('bob')], 128);
    expect(warn).not.toHaveBeenCalled();
    const stalled = run([syncMember('ada'), syncMember('bob')], 400);
    expect(stalled.stats().snapshotsStalled).toBeGreaterThan(0);
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0]?.[0]);
    expect(line).toMatch(/member ada acked none of the last 128 snapshots/);
    expect(line).toMatch(/sync\.receive\(client, channel, bytes\)` from the room's onLinkMessage/);
    expect(sync.stats().snapshotsStalled).toBe(0);
  });

  it('names the room when it is a hosted Room, so that a server with many rooms says which one', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    run([syncMember('ada')], 400, undefined, { roomId: 'R7kQ2', type: 'arena' });
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^vehikill-net: RoomSync of room arena R7kQ2: member ada acked/,
    );
  });

  it('says nothing of a member that stalls in a room that does call receive', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const ada = syncMember('ada');
    // Ada acks the first snapshot and nothing after: stalled, but the room passes its messages on.
    const sync = run([ada], 400, (room) => {
      room.flush(0);
      room.receive(ada, Channel.phys, encodeAckFrame({ newest: 0, previous: 0, resync: false }));
    });
    expect(sync.stats().snapshotsStalled).toBeGreaterThan(0);
    expect(warn).not.toHaveBeenCalled();
  });
});
