import { afterEach, describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../bench/loadtest/load-options.js';
import { countOf, newStats, runLoad, summaryLines } from '../../bench/loadtest/loadtest.js';
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import { startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('npm run loadtest against a server', () => {
  it('reports the players of rooms the server refused to create as not tried', async () => {
    // Two rooms may be created, and no more for a long while: the third and fourth are RATE_LIMITED.
    t = await startServer({ chat: ChatRoom }, { roomCreateBurst: 2, roomCreatesPerSecond: 0.001 });
    const options: LoadOptions = {
      urls: [t.wsUrl],
      rooms: 4,
      players: 3,
      type: 'chat',
      seconds: 1,
      intervalMs: 200,
      concurrency: 3,
    };
    const stats = newStats();
    await runLoad(options, stats);

    expect(stats.seated).toBe(6);
    expect(Object.fromEntries(stats.errors)).toEqual({ RATE_LIMITED: 2 });
    expect(stats.notTried).toBe(4);
    expect(stats.seated + countOf(stats.errors) + stats.notTried).toBe(12);
    expect(stats.echoed).toBeGreaterThan(0);
    const summary = summaryLines(options, stats).join('\n');
    expect(summary).toMatch(/seated +6\/12/);
    expect(summary).toMatch(/failed +2 \(RATE_LIMITED x2\)/);
    expect(summary).toMatch(/not tried +4 \(joiners of 2 rooms whose creation failed\)/);
  });
});
