import { arrivalPlanTtl, MAX_ARRIVAL_PLAN_TTL_MS, ManualClock, MemoryRegistry } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { channelContract } from './registry-channel-contract.js';
import { registryContract } from './registry-contract.js';

const clock = new ManualClock();
registryContract('memory', async () => new MemoryRegistry({ clock }), {
  async pass(ms) {
    clock.advance(ms);
  },
});

// Nodes in one process share one MemoryRegistry.
channelContract('memory', async () => {
  const registry = new MemoryRegistry({ clock });
  return [registry, registry];
});

describe('MemoryRegistry drain plans', () => {
  it('lets a plan asked for an endless time go after MAX_ARRIVAL_PLAN_TTL_MS, as a node that died mid-drain', async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    const seen = await registry.arrivals('drain-a');
    const plan = new Map([['node-c', { sessions: 2, rooms: 1 }]]);
    await registry.planArrivals('drain-a', plan, Number.POSITIVE_INFINITY, seen.version);
    clock.advance(MAX_ARRIVAL_PLAN_TTL_MS - 1);
    expect((await registry.arrivals('drain-x')).byNode).toEqual(plan);
    clock.advance(1);
    expect((await registry.arrivals('drain-x')).byNode).toEqual(new Map());
    expect([arrivalPlanTtl(Number.NaN), arrivalPlanTtl(0.4), arrivalPlanTtl(2.6)]).toEqual([1, 1, 3]);
    await registry.close();
  });
});
