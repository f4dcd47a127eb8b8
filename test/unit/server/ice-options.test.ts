import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeMessage, Kind } from '../../../src/protocol/index.js';
import { serverToClientKinds } from '../../../src/protocol/messages.js';
import { GameServer } from '../../../src/server/game-server.js';
import { checkIceOptions } from '../../../src/server/ice/ice-options.js';
import { type IceServer, iceServersFor, turnCredentials } from '../../../src/server/ice/ice-servers.js';
import type { GameServerOptions } from '../../../src/server/options.js';

const turn = { urls: ['turn:turn.example.com:3478'], secret: 'x'.repeat(32) };
const stun = (i: number): IceServer => ({ urls: `stun:stun${i}.example.com:3478` });

/** What a client does with a welcome carrying `iceServers`: decode it against its schema. */
function clientAccepts(iceServers: IceServer[]): boolean {
  const frame = encodeMessage(Kind.Welcome, {
    playerId: 'aaaaaaaa01',
    resumeToken: 'x'.repeat(32),
    name: 'n',
    resumed: false,
    resync: false,
    ack: 0,
    serverTime: 1,
    heartbeatMs: 5_000,
    graceMs: 30_000,
    iceServers,
  });
  try {
    decodeFrame(frame, serverToClientKinds);
    return true;
  } catch {
    return false;
  }
}

describe('ICE options, checked when the server starts', () => {
  const refused: Array<[string, GameServerOptions, RegExp]> = [
    [
      '8 static servers and TURN',
      { iceServers: Array.from({ length: 8 }, (_, i) => stun(i)), turn },
      /'iceServers'.*at most 8/,
    ],
    ['9 static servers', { iceServers: Array.from({ length: 9 }, (_, i) => stun(i)) }, /'iceServers'/],
    [
      'a TURN list of 9 URLs',
      { turn: { ...turn, urls: Array.from({ length: 9 }, (_, i) => `turn:t${i}.example.com`) } },
      /'turn.urls'/,
    ],
    ['no TURN URL', { turn: { ...turn, urls: [] } }, /'turn.urls'/],
    ['a TURN secret of 15 characters', { turn: { ...turn, secret: 'x'.repeat(15) } }, /'turn.secret'/],
    [
      'a TURN lifetime that is not whole seconds',
      { turn: { ...turn, ttlSeconds: 0.5 } },
      /'turn.ttlSeconds'/,
    ],
    ['a TURN lifetime under a minute', { turn: { ...turn, ttlSeconds: 30 } }, /'turn.ttlSeconds'/],
    [
      'a URL of another scheme',
      { iceServers: [{ urls: 'http://stun.example.com' }] },
      /'iceServers\[0\].urls'/,
    ],
    [
      'a URL longer than 256',
      { iceServers: [{ urls: [`stun:${'s'.repeat(260)}`] }] },
      /'iceServers\[0\].urls'/,
    ],
    [
      'a static server with 9 URLs',
      { iceServers: [{ urls: Array.from({ length: 9 }, (_, i) => `stun:s${i}`) }] },
      /'iceServers\[0\].urls'/,
    ],
    [
      'a credential longer than 256',
      { iceServers: [{ urls: 'turn:t', username: 'u', credential: 'c'.repeat(257) }] },
      /'iceServers\[0\].credential'/,
    ],
  ];
  for (const [what, options, message] of refused) {
    it(`refuses ${what}, naming the option`, () => {
      expect(() => new GameServer(options)).toThrow(TypeError);
      expect(() => new GameServer(options)).toThrow(message);
    });
  }

  it('accepts what clients accept: 7 static servers and TURN, 8 URLs each', () => {
    const iceServers = Array.from({ length: 7 }, (_, i) => ({
      urls: Array.from({ length: 8 }, (_, j) => `stun:s${i}-${j}.example.com`),
    }));
    const eightUrls = { ...turn, urls: Array.from({ length: 8 }, (_, i) => `turn:t${i}.example.com`) };
    expect(() => checkIceOptions(iceServers, eightUrls)).not.toThrow();
    expect(clientAccepts(iceServersFor(iceServers, eightUrls, 'user-1', Date.now()))).toBe(true);
  });
});

describe('TURN usernames for long user ids', () => {
  it('an id that would make the username too long is hashed, so the welcome still passes', () => {
    const longId = `https://issuer.example.com/users/${'u'.repeat(250)}`;
    const issued = turnCredentials(turn, longId, 1_700_000_000_000);
    expect(issued.username).toMatch(/^1700003600:~[\w-]{43}$/);
    expect(clientAccepts([issued])).toBe(true);
    // The same user gets the same name; another user with the same long prefix gets another.
    expect(turnCredentials(turn, longId, 1_700_000_000_000).username).toBe(issued.username);
    expect(turnCredentials(turn, `${longId}2`, 1_700_000_000_000).username).not.toBe(issued.username);
  });

  it('an id that fits stays as it is, up to the last character that fits', () => {
    const fits = 'u'.repeat(256 - '1700003600:'.length);
    expect(turnCredentials(turn, fits, 1_700_000_000_000).username).toBe(`1700003600:${fits}`);
    expect(turnCredentials(turn, `${fits}u`, 1_700_000_000_000).username).toMatch(/:~/);
  });
});
