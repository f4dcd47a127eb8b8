import { createHmac } from 'node:crypto';
import { iceServersFor, turnCredentials } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';

const turn = { urls: ['turn:127.0.0.1:3478'], secret: 'a-shared-turn-secret', ttlSeconds: 600 };

describe('TURN REST credentials', () => {
  it('follow the scheme coturn checks: user "expiry:id", password base64 HMAC-SHA1 of it', () => {
    const issued = turnCredentials(turn, 'g_user1', 1_700_000_000_000);
    expect(issued.username).toBe('1700000600:g_user1');
    expect(issued.credential).toBe(
      createHmac('sha1', turn.secret).update('1700000600:g_user1').digest('base64'),
    );
    expect(issued.urls).toEqual(turn.urls);
  });

  it('differ per player and expire with the clock', () => {
    const a = turnCredentials(turn, 'a', 0);
    const b = turnCredentials(turn, 'b', 0);
    const later = turnCredentials(turn, 'a', 60_000);
    expect(a.credential).not.toBe(b.credential);
    expect(later.username).toBe('660:a');
  });

  it('are added to the static STUN list, and refused with a weak secret', () => {
    const stun = [{ urls: 'stun:stun.example.test:3478' }];
    expect(iceServersFor(stun, undefined, 'a', 0)).toEqual(stun);
    expect(iceServersFor(stun, turn, 'a', 0)).toHaveLength(2);
    expect(() => turnCredentials({ ...turn, secret: 'short' }, 'a', 0)).toThrow(TypeError);
  });
});
