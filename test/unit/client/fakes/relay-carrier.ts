import type { ManualClock } from '../../../../src/common/index.js';
import type { FakeRoom } from './fake-room.js';

export interface RelayCarrier {
  /** Carries what each side sent through the relay since the last call to the other, in order. */
  forward(): void;
  /** Loses what `theirs` sent so far (a resync dropped it, goodbye and acks included). */
  dropTheirs(): void;
  /** `theirs` is now `room` (its player joined again): carried from its first frame on. */
  replaceTheirs(room: FakeRoom): void;
}

/** What two fake rooms send through the relay, carried to the other when the test says, as the server would. */
export function relayCarrier(clock: ManualClock, ours: FakeRoom, theirs: FakeRoom): RelayCarrier {
  const at = { ours: 0, theirs: 0 };
  return {
    forward() {
      for (const frame of theirs.relayed.slice(at.theirs))
        ours.room.receivePeerData(theirs.room.selfId, frame.channel, frame.bytes, clock.now(), undefined);
      at.theirs = theirs.relayed.length;
      for (const frame of ours.relayed.slice(at.ours))
        theirs.room.receivePeerData(ours.room.selfId, frame.channel, frame.bytes, clock.now(), undefined);
      at.ours = ours.relayed.length;
    },
    dropTheirs() {
      at.theirs = theirs.relayed.length;
    },
    replaceTheirs(room) {
      theirs = room;
      at.theirs = 0;
    },
  };
}
