import {
  CountingMetrics,
  MAX_SNAPSHOT_BUDGET_BYTES,
  ManualClock,
  type RoomClient,
  RoomSync,
} from 'vehikill-net/server';
import { entity, int, string } from 'vehikill-net/sync';
import { describe, expect, it, vi } from 'vitest';
import { MAX_PEER_DATA_BYTES } from '../../../src/protocol/index.js';

const Named = entity('named', { x: int({ min: 0, max: 1000 }), name: string({ maxLength: 24 }) });

/** A member whose link takes what a real link takes: `phys` messages up to MAX_PEER_DATA_BYTES. */
function memberOnLink(open: { value: boolean } = { value: true }) {
  const sizes: number[] = [];
  const client = {
    playerId: 'a',
    userId: 'a',
    name: 'a',
    away: false,
    rttMs: 0,
    link: {
      send: (_channel: number, bytes: Uint8Array) => {
        if (!open.value || bytes.length > MAX_PEER_DATA_BYTES) return false;
        sizes.push(bytes.length);
        return true;
      },
    },
  } as unknown as RoomClient;
  return { client, sizes, open };
}

describe('RoomSync budgets and what the link takes', () => {
  it('refuses a budget larger than one phys message can carry, naming the range', () => {
    const { client } = memberOnLink();
    const room = { clients: [client], clock: new ManualClock() };
    expect(MAX_SNAPSHOT_BUDGET_BYTES).toBe(MAX_PEER_DATA_BYTES - 1);
    expect(() => new RoomSync(room, { types: [Named], budgetBytes: 20_000 })).toThrow(
      new RangeError(
        `budgetBytes must be in 16..${MAX_SNAPSHOT_BUDGET_BYTES} (a snapshot is one phys message), got 20000`,
      ),
    );
    const sync = new RoomSync(room, { types: [Named] });
    expect(() => sync.setBudget(client, MAX_SNAPSHOT_BUDGET_BYTES + 1)).toThrow(
      /budgetBytes must be in 16\.\./,
    );
    expect(() => sync.setBudget(client, Number.NaN)).toThrow(/budgetBytes must be in 16\.\./);
  });

  it('at the largest budget, a world far larger than one snapshot reaches the member through its link', () => {
    const { client, sizes } = memberOnLink();
    const clock = new ManualClock();
    const metrics = new CountingMetrics();
    const sync = new RoomSync(
      { clients: [client], clock },
      {
        types: [Named],
        budgetBytes: MAX_SNAPSHOT_BUDGET_BYTES,
        deflateAboveBytes: Number.POSITIVE_INFINITY,
        metrics,
      },
    );
    // Random names: nothing to predict or share, each entity ~27 bytes in full, 80 KB in all.
    let seed = 7;
    const letter = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return String.fromCharCode(97 + (seed % 26));
    };
    for (let index = 0; index < 3_000; index++) {
      sync.world.spawn(Named, { x: index % 1000, name: Array.from({ length: 24 }, letter).join('') });
    }
    for (let tick = 1; tick <= 10; tick++) {
      sync.flush(tick);
      clock.advance(50);
    }
    expect(sync.stats()).toMatchObject({ snapshotsSent: 10, snapshotsRefused: 0 });
    expect(Math.max(...sizes)).toBeGreaterThan(MAX_PEER_DATA_BYTES * 0.9);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_PEER_DATA_BYTES);
  });

  it('counts a snapshot the link refused as refused, not as sent', () => {
    const { client, open } = memberOnLink();
    const clock = new ManualClock();
    const metrics = new CountingMetrics();
    const sync = new RoomSync({ clients: [client], clock }, { types: [Named], metrics });
    sync.world.spawn(Named, { x: 1, name: 'a' });
    expect(sync.flush(1)).toEqual([client]);
    open.value = false;
    clock.advance(50);
    // Not among the members a snapshot went to: a game that times the gaps between a player's snapshots
    // by it (to bound the delay its client may claim) took a refused one for sent.
    expect(sync.flush(2)).toEqual([]);
    expect(sync.stats()).toMatchObject({ snapshotsSent: 1, snapshotsRefused: 1 });
    expect(metrics.snapshot()).toMatchObject({
      sync_snapshots_total: 1,
      sync_snapshots_refused_total: 1,
    });
  });

  it("with the app's own send, takes any budget from 16 up, Infinity too: its transport decides", () => {
    const room = { clients: [], clock: new ManualClock() };
    const send = () => {};
    expect(new RoomSync(room, { types: [Named], budgetBytes: Number.POSITIVE_INFINITY, send })).toBeDefined();
    expect(new RoomSync(room, { types: [Named], budgetBytes: 100_000, send })).toBeDefined();
    expect(() => new RoomSync(room, { types: [Named], budgetBytes: 8, send })).toThrow(
      /budgetBytes must be ≥ 16/,
    );
  });

  it('with no budget (Infinity) and adaptive rates, backs off from one message’s worth', () => {
    const { client } = memberOnLink();
    const clock = new ManualClock();
    const budgets: number[] = [];
    const sync = new RoomSync(
      { clients: [client], clock },
      { types: [Named], budgetBytes: Number.POSITIVE_INFINITY, adaptive: true, send: () => {} },
    );
    sync.world.spawn(Named, { x: 1, name: 'a' });
    for (let tick = 1; tick <= 40; tick++) {
      sync.flush(tick);
      budgets.push(sync.rateOf(client).budgetBytes);
      clock.advance(50);
    }
    sync.setRate(client, 10);
    clock.advance(100);
    sync.flush(41);
    budgets.push(sync.rateOf(client).budgetBytes);
    expect(budgets.every((budget) => Number.isFinite(budget) && budget <= MAX_SNAPSHOT_BUDGET_BYTES)).toBe(
      true,
    );
    expect(sync.stats().snapshotsSent).toBeGreaterThan(0);
  });

  it('takes an entity type whose largest state is over one message: only a state that large waits', () => {
    const Essay = entity('essay', { text: string({ maxLength: 20_000 }) });
    const { client, sizes } = memberOnLink();
    const clock = new ManualClock();
    const sync = new RoomSync({ clients: [client], clock }, { types: [Named, Essay] });
    sync.world.spawn(Essay, { text: 'short' });
    sync.flush(1);
    expect(sync.stats()).toMatchObject({ snapshotsSent: 1, snapshotsRefused: 0 });
    expect(sizes[0]).toBeLessThan(64);
  });

  it('says of a state larger than any budget that no budget carries it, not to raise the budget', () => {
    const Essay = entity('essay', { text: string({ maxLength: 20_000 }) });
    const { client } = memberOnLink();
    const clock = new ManualClock();
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((line: string) => void warnings.push(line));
    try {
      const sync = new RoomSync({ clients: [client], clock }, { types: [Essay], budgetBytes: 16_383 });
      sync.world.spawn(Essay, { text: 'x'.repeat(17_000) });
      sync.flush(1);
      expect(sync.stats()).toMatchObject({ snapshotsOverBudget: 1 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /needs 170\d\d bytes in a snapshot, more than a member's budget of 16383 bytes: no budget can carry it \(the most is 16383\): it reaches no member until its state is smaller/,
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('counts snapshots that leave out an entity too large for the budget, and says so once per type', () => {
    const { client } = memberOnLink();
    const clock = new ManualClock();
    const metrics = new CountingMetrics();
    const warnings: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((line: string) => void warnings.push(line));
    try {
      const sync = new RoomSync({ clients: [client], clock }, { types: [Named], budgetBytes: 24, metrics });
      sync.world.spawn(Named, { x: 1, name: 'a' });
      sync.world.spawn(Named, { x: 2, name: 'a name of twenty-four ch' });
      sync.world.spawn(Named, { x: 3, name: 'another of twenty-four c' });
      for (let tick = 1; tick <= 3; tick++) {
        sync.flush(tick);
        clock.advance(50);
      }
      expect(sync.stats()).toMatchObject({ snapshotsSent: 3, snapshotsOverBudget: 3 });
      expect(metrics.snapshot()).toMatchObject({ sync_snapshots_over_budget_total: 3 });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^vehikill-net: a named entity \(id 1\) needs \d+ bytes in a snapshot, more than a member's budget of 24 bytes: that member gets it only once its budget is raised \(budgetBytes, setBudget\) or the entity's state is smaller$/,
      );
      // Raised: everything arrives, and nothing more is counted.
      sync.setBudget(client, 200);
      sync.flush(4);
      expect(sync.stats()).toMatchObject({ snapshotsSent: 4, snapshotsOverBudget: 3 });
    } finally {
      warn.mockRestore();
    }
  });
});
