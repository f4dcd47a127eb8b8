import { Client } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { decodeDeviceReport, RELAY_CONTROL } from '../../../src/transport/index.js';
import { fakePage } from '../../support/fake-page.js';
import { FakeServer } from './fakes/fake-server.js';

describe('the device watch of a client connected again after close()', () => {
  it('still follows the page: a page hidden later is reported, and told to the app', async () => {
    const clock = new ManualClock();
    const server = FakeServer.welcoming(clock);
    const page = fakePage();
    const client = new Client({
      url: 'ws://fake/ws',
      token: 'token',
      WebSocket: server.WebSocket,
      clock,
      device: page.env,
      serverLink: 'off',
    });
    await client.connect();
    await client.close();
    await client.connect();
    const told: string[] = [];
    client.on('device', (state) => told.push(state.class));
    server.received.length = 0;
    page.setVisibility('hidden');
    // The closed watch heard nothing: the server went on treating a hidden tab as a visible one.
    expect(client.device.class).toBe('hidden');
    expect(told).toEqual(['hidden']);
    const reports = server
      .receivedOf(Kind.DatagramToServer)
      .filter((datagram) => datagram.c === RELAY_CONTROL)
      .map((datagram) => decodeDeviceReport(datagram.p[0] as Uint8Array));
    expect(reports).toEqual([{ hidden: true }]);
    await client.close();
  });
});
