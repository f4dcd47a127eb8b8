import { Channel } from 'vehikill-net/client';
import { CountingMetrics, ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import { encodeTypesDifferFrame, entity, entityRegistry, int } from 'vehikill-net/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { syncMember } from '../../support/sync-member.js';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });
const OldDot = entity('dot', { x: int({ min: 0, max: 100 }) });
const ours = entityRegistry([Dot]).fingerprint;
const theirs = entityRegistry([OldDot]).fingerprint;

/*
 * A client says it cannot read the room's snapshots (`typesDiffer`). Only its own snapshots stop, and
 * only when what it says is about this RoomSync's: the frame is the client's to write.
 */
function setup() {
  const clock = new ManualClock();
  const clients: RoomClient[] = [syncMember('old'), syncMember('current')];
  const sent = new Map<RoomClient, number>();
  const metrics = new CountingMetrics();
  const sync = new RoomSync(
    { clients, clock },
    { types: [Dot], metrics, send: (client) => sent.set(client, (sent.get(client) ?? 0) + 1) },
  );
  sync.world.spawn(Dot, { x: 1 });
  let tick = 0;
  const flushes = (count: number) => {
    for (let n = 0; n < count; n++) {
      clock.advance(50);
      sync.flush(++tick);
    }
  };
  return { sync, metrics, sent, flushes, old: clients[0] as RoomClient, current: clients[1] as RoomClient };
}

afterEach(() => vi.restoreAllMocks());

describe('RoomSync told that a member cannot read its snapshots', () => {
  it("stops that member's snapshots alone, counts it once, and says it once per client fingerprint", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { sync, metrics, sent, flushes, old, current } = setup();
    flushes(2);
    expect(sync.receive(old, Channel.phys, encodeTypesDifferFrame(ours, theirs))).toBeUndefined();
    expect(sync.receive(old, Channel.phys, encodeTypesDifferFrame(ours, theirs))).toBeUndefined();
    flushes(10);
    expect(sent.get(old)).toBe(2);
    expect(sent.get(current)).toBe(12);
    expect(sync.stats()).toMatchObject({ typesMismatched: 1, badFrames: 0 });
    expect(metrics.total('sync_types_mismatch_total')).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('member old');
  });

  it('ignores a frame about other server types, and counts one whose two fingerprints agree as bad', () => {
    const { sync, sent, flushes, old } = setup();
    // Another RoomSync's snapshots (the room's before a new round): not about this one's.
    sync.receive(old, Channel.phys, encodeTypesDifferFrame(theirs, 12345));
    // The client's types are the server's, by its own account: a contradiction.
    sync.receive(old, Channel.phys, encodeTypesDifferFrame(ours, ours));
    flushes(3);
    expect(sent.get(old)).toBe(3);
    expect(sync.stats()).toMatchObject({ typesMismatched: 0, badFrames: 1 });
  });
});
