import { ErrorCode } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  vi.restoreAllMocks();
});

describe("an app authenticator's refusal", () => {
  it('reaches the client with its code when its message is long and not ASCII', async () => {
    // Its first 120 characters take over 200 bytes, past the 123 a WebSocket close reason may hold.
    const message = `Accès refusé : ${'é'.repeat(150)}`;
    t = await startServer(
      { test: TestRoom },
      {
        authenticator: {
          async authenticate() {
            return { ok: false, code: ErrorCode.UNAUTHORIZED, message };
          },
        },
      },
    );
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const client = t.client({ token: 'anything' });
    await expect(client.connect()).rejects.toMatchObject({ code: ErrorCode.UNAUTHORIZED });
    // A refusal is the client's business, not a fault of the server's.
    expect(logged).not.toHaveBeenCalled();
  });
});
