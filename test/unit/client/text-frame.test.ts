import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { ErrorCode, type ProtocolError } from '../../../src/protocol/index.js';
import { FakeServer } from './fakes/fake-server.js';

/**
 * The server sends binary frames only. A text frame means something else answers on the URL (a proxy's
 * notice, another service behind the same path): dropped without a word, the app could not tell why nothing
 * it was sent arrived.
 */
describe('a text frame from the server', () => {
  it('is an error event (BAD_FRAME) the app hears, and the session goes on', async () => {
    const clock = new ManualClock();
    const server = FakeServer.welcoming(clock);
    const client = server.client(clock);
    const errors: ProtocolError[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    server.socket?.onmessage?.({ data: 'hello from a proxy' });
    expect(errors.map((error) => error.code)).toEqual([ErrorCode.BAD_FRAME]);
    expect(errors[0]?.message).toMatch(/text frame/);
    expect(client.state).toBe('open');
  });
});
