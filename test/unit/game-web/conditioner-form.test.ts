import { describe, expect, it } from 'vitest';
import { conditionerFields, conditionerStatus } from '../../../game/web/overlay/conditioner-form.js';

describe('conditioner form', () => {
  it('says off when no conditions are in force, and which channels when some are', () => {
    expect(conditionerStatus(undefined)).toBe('Off: the real network.');
    expect(conditionerStatus({ phys: { delayMs: 150 } })).toBe('On: phys, each way.');
    expect(conditionerStatus({ phys: { delayMs: 150 }, dispatch: { lossRate: 0.1 } })).toBe(
      'On: phys, dispatch, each way.',
    );
    // Set by code, per direction: named as such, not as "each way".
    expect(conditionerStatus({ up: { event: { lossRate: 0.2 } } })).toBe('On: event, not the same each way.');
  });

  it("fills the fields from a client's conditions (ms and loss in %), zero for what it leaves out", () => {
    const fields = conditionerFields({ phys: { delayMs: 150, jitterMs: 20, lossRate: 0.05 } });
    expect(fields.get('phys.delay')).toBe(150);
    expect(fields.get('phys.jitter')).toBe(20);
    expect(fields.get('phys.loss')).toBe(5);
    expect(fields.get('event.delay')).toBe(0);
    expect(fields.get('dispatch.loss')).toBe(0);
    expect([...conditionerFields(undefined).values()].every((value) => value === 0)).toBe(true);
    expect(conditionerFields(undefined).size).toBe(9);
  });
});
