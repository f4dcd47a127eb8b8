import { ManualClock, ServerLink } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { type Admission, admittedLink } from '../../../src/server/rooms/admitted-link.js';

/** A player's server link (TCP mode) that counts the listeners registered on it and not yet disposed. */
function countedLink() {
  const link = new ServerLink(new ManualClock(), () => true);
  const registered = { count: 0 };
  const counted = <L>(add: (listener: L) => () => void) => {
    return (listener: L) => {
      const dispose = add(listener);
      registered.count++;
      let disposed = false;
      return () => {
        if (!disposed) registered.count--;
        disposed = true;
        dispose();
      };
    };
  };
  link.onMessage = counted(link.onMessage.bind(link));
  link.onState = counted(link.onState.bind(link));
  return { link, registered };
}

describe('admittedLink', () => {
  it("takes the listeners a seating added off the player's link as the player leaves", () => {
    const { link, registered } = countedLink();
    const before = registered.count;
    let admission: Admission = 'seated';
    const admitted = admittedLink(() => admission, link);
    admitted.link.onMessage(() => {});
    admitted.link.onState(() => {});
    const disposeOwn = admitted.link.onMessage(() => {});
    disposeOwn(); // one the room took off itself counts once
    expect(registered.count).toBe(before + 2);
    admission = 'left';
    admitted.release();
    expect(registered.count).toBe(before);
    // Added after the leave: never registered at all.
    admitted.link.onMessage(() => {});
    expect(registered.count).toBe(before);
    link.close();
  });

  it('takes them off too when the join is refused', () => {
    const { link, registered } = countedLink();
    let admission: Admission = 'deciding';
    const admitted = admittedLink(() => admission, link);
    admitted.link.onState(() => {});
    expect(registered.count).toBe(1);
    admission = 'refused';
    admitted.release();
    expect(registered.count).toBe(0);
    link.close();
  });
});
