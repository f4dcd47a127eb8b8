import { Client } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { fakePage } from '../../support/fake-page.js';
import { FakeServer } from './fakes/fake-server.js';

describe('a welcome naming a frame limit below the device report', () => {
  it('throws nothing out of the socket, and connect() resolves', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    const thrown: unknown[] = [];
    server.onMessage = (message) => {
      if (message.kind !== Kind.Hello) return;
      // A broken or hostile server (ours names 1 KiB at least): the report, sent with each welcome, is over.
      try {
        server.welcome('aaaaaaaa01', clock, { maxFrameBytes: 16 });
      } catch (error) {
        thrown.push(error);
      }
    };
    const client = new Client({
      url: 'ws://fake/ws',
      token: 'token',
      WebSocket: server.WebSocket,
      clock,
      device: fakePage().env,
      serverLink: 'off',
    });
    let opened = false;
    const connecting = client.connect().then(() => {
      opened = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Thrown from the welcome's handling, it left the 'open' event unsent: connect() never settled.
    expect(thrown).toEqual([]);
    expect(opened).toBe(true);
    await connecting;
    await client.close();
  });
});
