import { describe, expect, it } from 'vitest';
import type { WorldFrame } from '../../../../src/sync/snapshot/entity-table.js';
import { RESEND_WINDOW, SentBodies, type SentBody } from '../../../../src/sync/snapshot/sent-bodies.js';
import type { SharedBody } from '../../../../src/sync/snapshot/shared-body.js';

const frames = Array.from({ length: 3 }, (_, tick) => ({ tick }) as unknown as WorldFrame);

function sent(at: number, frame = frames[at % frames.length] as WorldFrame): SentBody {
  return { at, body: {} as SharedBody, frame, frameIndex: at, baseAt: undefined, predictorAt: undefined };
}

describe('the shared snapshots a client was sent, kept to be sent again', () => {
  it('gives each by its count while it is among the last RESEND_WINDOW, nothing for other counts', () => {
    const bodies = new SentBodies();
    const kept = Array.from({ length: RESEND_WINDOW + 5 }, (_, at) => sent(at));
    for (const body of kept) bodies.add(body);
    for (let at = 0; at < 5; at++) expect(bodies.get(at)).toBeUndefined();
    for (let at = 5; at < kept.length; at++) expect(bodies.get(at)).toBe(kept[at]);
    expect(bodies.get(kept.length)).toBeUndefined();
    expect(bodies.get(kept.length + RESEND_WINDOW)).toBeUndefined();
  });

  it('lets go of those before a count, and only those', () => {
    const bodies = new SentBodies();
    for (let at = 10; at < 20; at++) bodies.add(sent(at));
    bodies.forgetBefore(15);
    for (let at = 10; at < 15; at++) expect(bodies.get(at)).toBeUndefined();
    for (let at = 15; at < 20; at++) expect(bodies.get(at)?.at).toBe(at);
    // A later add in a forgotten slot is kept, and forgetting again up to the same count keeps it.
    bodies.add(sent(10 + RESEND_WINDOW));
    bodies.forgetBefore(15);
    expect(bodies.get(10 + RESEND_WINDOW)?.at).toBe(10 + RESEND_WINDOW);
    bodies.forgetBefore(10 + RESEND_WINDOW + 1);
    expect(bodies.get(10 + RESEND_WINDOW)).toBeUndefined();
    expect(bodies.get(19)).toBeUndefined();
  });

  it('finds the newest of a frame in a range of counts, and nothing once cleared', () => {
    const bodies = new SentBodies();
    for (let at = 0; at < 9; at++) bodies.add(sent(at));
    expect(bodies.ofFrame(frames[1] as WorldFrame, 0, 8)?.at).toBe(7);
    expect(bodies.ofFrame(frames[1] as WorldFrame, 0, 6)?.at).toBe(4);
    expect(bodies.ofFrame(frames[1] as WorldFrame, 5, 6)).toBeUndefined();
    bodies.clear();
    expect(bodies.ofFrame(frames[1] as WorldFrame, 0, 8)).toBeUndefined();
    expect(bodies.get(8)).toBeUndefined();
  });
});
