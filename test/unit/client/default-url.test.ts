import { Client } from 'vehikill-net/client';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingSocket } from '../../support/recording-socket.js';

const opened = RecordingSocket.opened;

afterEach(() => {
  Reflect.deleteProperty(globalThis, 'location');
  opened.length = 0;
});

async function urlChosenOn(protocol: string): Promise<string | undefined> {
  Object.defineProperty(globalThis, 'location', {
    value: { protocol, host: 'game.example:8443' },
    configurable: true,
  });
  const client = new Client({ token: 'tok', WebSocket: RecordingSocket as never });
  void client.connect().catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 10));
  client.close();
  return opened[0];
}

describe('Client default URL', () => {
  it('uses wss on an https page and ws on an http page, at the page host', async () => {
    expect(await urlChosenOn('https:')).toBe('wss://game.example:8443/ws?token=tok');
    opened.length = 0;
    expect(await urlChosenOn('http:')).toBe('ws://game.example:8443/ws?token=tok');
  });

  it('asks for a url outside a page, and for a WebSocket where there is none', () => {
    expect(() => new Client({ token: 't', WebSocket: RecordingSocket as never })).toThrow(/url/);
    expect(() => new Client({ url: 'ws://x/ws', WebSocket: undefined })).toThrow(/WebSocket/);
  });
});
