import { httpEndpointUrl, sessionLeaveUrl } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { guestTokenUrl } from '../../../src/client/guest-token.js';

describe('httpEndpointUrl', () => {
  it('is the same host and port over http(s), without the query that may hold the token', () => {
    expect(httpEndpointUrl('wss://node2.example:8443/ws?token=t', '/auth/guest')).toBe(
      'https://node2.example:8443/auth/guest',
    );
    expect(sessionLeaveUrl('WS://127.0.0.1:8080/game/ws')).toBe('http://127.0.0.1:8080/session/leave');
  });

  it('leaves out credentials in the WebSocket URL, with which no fetch can be made', () => {
    // fetch throws a TypeError for a URL with credentials: the guest token request failed every time,
    // retried for ever as an unreachable node, and the client never connected.
    const wsUrl = 'wss://ops:secret@staging.example:8443/ws?token=t#top';
    for (const url of [guestTokenUrl(wsUrl), sessionLeaveUrl(wsUrl)]) {
      expect(() => new Request(url, { method: 'POST' })).not.toThrow();
      expect(url).not.toMatch(/ops|secret|#|token/);
    }
    expect(guestTokenUrl(wsUrl)).toBe('https://staging.example:8443/auth/guest');
  });
});
