import type { ManualClock } from '../../../../src/common/index.js';
import { FakePeerConnection } from './fake-peer-connection.js';
import { type FakeRoom, fakeRoom } from './fake-room.js';

/**
 * The rooms of two players `a` and `b`, signals crossing between them a microtask later; what goes through
 * the relay is recorded and dropped (goodbyes included: a mesh closing is never heard on the other side).
 */
export function twoRooms(a: string, b: string, clock: ManualClock): { ours: FakeRoom; theirs: FakeRoom } {
  FakePeerConnection.reset();
  const ours = fakeRoom(a, [b, a], clock);
  const theirs = fakeRoom(b, [b, a], clock);
  ours.peers.set(b, theirs.room);
  theirs.peers.set(a, ours.room);
  return { ours, theirs };
}

/** The signals carrying a description of `kind` that `room` sent. */
export function sentDescriptions(room: FakeRoom, kind: 'offer' | 'answer'): unknown[] {
  return room.signals.filter(
    ({ signal }) =>
      (signal as { signal?: { description?: { type: string } } }).signal?.description?.type === kind,
  );
}
