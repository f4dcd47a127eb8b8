import { EntityTable, entity, int, type WorldFrame } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { FrameHistory } from '../../../../src/sync/snapshot/frame-history.js';

const Ship = entity('ship', { hp: int({ min: 0, max: 10 }) });

/** Three frames of one table: the first ship changes in the second, the other is removed in the third. */
function threeFrames(): WorldFrame[] {
  const table = new EntityTable();
  const first = table.spawn(Ship, { hp: 1 });
  const second = table.spawn(Ship, { hp: 2 });
  const frames = [table.frame(0)];
  table.update(first, Ship, { hp: 3 });
  frames.push(table.frame(1));
  table.remove(second);
  frames.push(table.frame(2));
  return frames;
}

describe('FrameHistory', () => {
  it('indexes an EntityTable frame once and answers the same kept frame after', () => {
    const history = new FrameHistory();
    const [a, b, c] = threeFrames() as [WorldFrame, WorldFrame, WorldFrame];
    expect([history.see(a), history.see(b), history.see(c)]).toEqual([0, 1, 2]);
    expect(history.see(b)).toBe(1);
    const kept = history.kept(b);
    expect(kept).toBe(history.seen(b));
    expect(kept?.changedAt).toEqual([1, 0]);
    expect(history.removedSince(1)).toEqual([1]);
  });

  it('keeps its own index for a frame another history saw first', () => {
    const frames = threeFrames();
    const early = new FrameHistory();
    for (const frame of frames) early.see(frame);
    // A history started later (a second world's encoders fed the same frames) counts from its first frame.
    const late = new FrameHistory();
    expect(late.kept(frames[1] as WorldFrame)).toBeUndefined();
    expect(late.see(frames[1] as WorldFrame)).toBe(0);
    expect(late.see(frames[2] as WorldFrame)).toBe(1);
    expect(late.kept(frames[2] as WorldFrame)?.index).toBe(1);
    expect(early.kept(frames[2] as WorldFrame)?.index).toBe(2);
  });

  it('keeps frames a caller made itself, not only EntityTable frames', () => {
    const history = new FrameHistory();
    const records = threeFrames().map((frame) => [...frame.entities]);
    const own: WorldFrame[] = records.map((entries, tick) => ({ tick, entities: new Map(entries) }));
    expect(own.map((frame) => history.see(frame))).toEqual([0, 1, 2]);
    expect(history.kept(own[1] as WorldFrame)?.ids).toEqual([0, 1]);
    expect(history.kept({ tick: 1, entities: new Map() })).toBeUndefined();
  });
});
