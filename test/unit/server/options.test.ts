import { describe, expect, it } from 'vitest';
import { GameServer } from '../../../src/server/game-server.js';
import { type GameServerOptions, resolveLimits } from '../../../src/server/options.js';

describe('room flood options', () => {
  it('default to 4 empty rooms per creator, 20 creations at once then 1 a second, no proxy trusted', () => {
    expect(resolveLimits({})).toMatchObject({
      maxEmptyRoomsPerCreator: 4,
      roomCreateBurst: 20,
      roomCreatesPerSecond: 1,
      trustProxy: 0,
    });
  });

  it('refuse what cannot work, naming the option', () => {
    const bad: Array<[GameServerOptions, string]> = [
      [{ trustProxy: -1 }, 'trustProxy'],
      [{ trustProxy: 1.5 }, 'trustProxy'],
      [{ trustProxy: Number.POSITIVE_INFINITY }, 'trustProxy'],
      [{ maxEmptyRoomsPerCreator: 2.5 }, 'maxEmptyRoomsPerCreator'],
      [{ maxEmptyRoomsPerCreator: Number.NaN }, 'maxEmptyRoomsPerCreator'],
      [{ roomCreateBurst: 0 }, 'roomCreateBurst'],
      [{ roomCreateBurst: 0.5 }, 'roomCreateBurst'],
      [{ roomCreatesPerSecond: 0 }, 'roomCreatesPerSecond'],
    ];
    for (const [options, name] of bad) {
      expect(() => resolveLimits(options), JSON.stringify(options)).toThrow(TypeError);
      expect(() => resolveLimits(options), JSON.stringify(options)).toThrow(name);
    }
    expect(
      resolveLimits({ maxEmptyRoomsPerCreator: 0, trustProxy: 2, roomCreatesPerSecond: 0.1 }),
    ).toMatchObject({ maxEmptyRoomsPerCreator: 0, trustProxy: 2, roomCreatesPerSecond: 0.1 });
  });
});

describe('idle disposal', () => {
  it('is turned off by Infinity, which a room of silent connected players needs; 0 is refused', () => {
    expect(resolveLimits({})).toMatchObject({ idleDisposeMs: 30 * 60_000 });
    expect(resolveLimits({ idleDisposeMs: Number.POSITIVE_INFINITY })).toMatchObject({
      idleDisposeMs: Number.POSITIVE_INFINITY,
    });
    expect(() => resolveLimits({ idleDisposeMs: 0 })).toThrow(/'idleDisposeMs' must be above 0 \(Infinity/);
    expect(() => resolveLimits({ idleDisposeMs: Number.NaN })).toThrow(/idleDisposeMs/);
    expect(() => resolveLimits({ idleDisposeMs: -1 })).toThrow(/idleDisposeMs/);
  });
});

describe('server link options', () => {
  it('refuse a udpPort that is not a port number, naming the option', () => {
    for (const udpPort of [70_000, 65_536, -5, 1.5, Number.NaN, '4000' as unknown as number]) {
      const make = () => new GameServer({ serverLink: { udpPort } });
      expect(make, String(udpPort)).toThrow(TypeError);
      expect(make, String(udpPort)).toThrow(/serverLink\.udpPort/);
    }
  });

  it('refuse counts, rates and times that could not work, naming the option', () => {
    const bad: Array<[string, unknown]> = [
      ['maxConcurrentHandshakes', 0],
      ['maxConcurrentHandshakes', 2.5],
      ['handshakesPerSecond', 0],
      ['maxHandshakesPerAddress', 0],
      ['maxHandshakesPerAddress', 1.5],
      ['directTimeoutMs', -1],
      ['answerTimeoutMs', 0],
      ['maxFailedAttempts', 0],
      ['maxFailedAttempts', 2.5],
      ['retryMs', Number.POSITIVE_INFINITY],
      ['maxMessageBytes', 1.5],
      ['messagesPerSecond', Number.NaN],
      ['messagesPerSecond', '240'],
      ['directQuietMs', 0],
      ['directQuietMs', '1500'],
      ['directDeadMs', Number.POSITIVE_INFINITY],
      ['directDeadMs', -1],
    ];
    for (const [name, value] of bad) {
      const make = () => new GameServer({ serverLink: { [name]: value } });
      expect(make, `${name} ${String(value)}`).toThrow(new RegExp(`serverLink\\.${name}`));
      expect(make, `${name} ${String(value)}`).toThrow(TypeError);
    }
  });

  it("refuse a messagesPerSecond below what the link's own keepalive sends, naming the option", () => {
    // A client beats once a second on each path (the TCP one and the direct one): at 1.5 a second its own
    // keepalive alone was over the rate, every drop a fault, and honest players were cut off.
    for (const value of [0.5, 1, 1.5, 1.99]) {
      const make = () => new GameServer({ serverLink: { messagesPerSecond: value } });
      expect(make, String(value)).toThrow(/serverLink\.messagesPerSecond/);
      expect(make, String(value)).toThrow(RangeError);
    }
  });

  it("take a messagesPerSecond of 2, both paths' keepalive", async () => {
    const server = new GameServer({ serverLink: { messagesPerSecond: 2 } });
    await server.close({ drainMs: 0 });
  });

  it('refuse addresses and ICE servers of the wrong shape, naming the option', () => {
    const bad: Array<[string, unknown]> = [
      // A string, not a list: every candidate the server made threw in node-datachannel's callback.
      ['announcedAddresses', '203.0.113.10'],
      ['announcedAddresses', ['203.0.113.10:3478']],
      ['announcedAddresses', ['203.0.113.10 ']],
      ['announcedAddresses', ['']],
      ['announcedAddresses', [42]],
      ['iceServers', 'stun:stun.example.com:3478'],
      ['iceServers', [{ urls: 'stun:stun.example.com:3478' }]],
      ['iceServers', ['https://stun.example.com']],
      ['bindAddress', ''],
      ['bindAddress', '[::1]'],
      ['bindAddress', 127],
      ['enabled', 'false'],
    ];
    for (const [name, value] of bad) {
      const make = () => new GameServer({ serverLink: { [name]: value } });
      expect(make, `${name} ${JSON.stringify(value)}`).toThrow(new RegExp(`serverLink\\.${name}`));
      expect(make, `${name} ${JSON.stringify(value)}`).toThrow(TypeError);
    }
  });

  it("refuse a serverLink that is not an object: false or 'off' (the client's spelling) left it on", () => {
    for (const serverLink of [false, 'off', null, true, ['enabled', false]]) {
      const make = () => new GameServer({ serverLink: serverLink as never });
      expect(make, JSON.stringify(serverLink)).toThrow(TypeError);
      expect(make, JSON.stringify(serverLink)).toThrow(
        /'serverLink' must be an object.*\{ enabled: false \}/,
      );
    }
  });

  it('take addresses, host names and STUN servers as documented', async () => {
    const server = new GameServer({
      serverLink: {
        enabled: true,
        bindAddress: '::1',
        announcedAddresses: ['203.0.113.10', '2001:db8::10', 'game.example.com'],
        iceServers: ['stun:stun.example.com:3478', 'turn:user:pass@turn.example.com:3478'],
      },
    });
    await server.close({ drainMs: 0 });
  });

  it('take fractional rates and short times', async () => {
    const server = new GameServer({
      serverLink: {
        maxConcurrentHandshakes: 8,
        handshakesPerSecond: 0.5,
        directTimeoutMs: 2_500,
        retryMs: 1,
      },
    });
    await server.close({ drainMs: 0 });
  });

  it('take 0 (a free port chosen at listen()) and ports up to 65535', async () => {
    for (const udpPort of [0, 1, 4000, 65_535]) {
      const server = new GameServer({ serverLink: { udpPort } });
      await server.close({ drainMs: 0 });
    }
  });
});

describe('allowedOrigins', () => {
  it('refuses an entry no browser sends as its Origin, naming the one to write instead', () => {
    const refused: Array<[string, string]> = [
      ['https://example.com/', "'https://example.com'"],
      ['https://example.com/play', "'https://example.com'"],
      ['https://Example.com', "'https://example.com'"],
      ['https://example.com:443', "'https://example.com'"],
    ];
    for (const [origin, fix] of refused) {
      const make = () => new GameServer({ allowedOrigins: [origin] });
      expect(make, origin).toThrow(TypeError);
      expect(make, origin).toThrow(/allowedOrigins/);
      expect(make, origin).toThrow(fix);
    }
    expect(() => new GameServer({ allowedOrigins: ['example.com'] })).toThrow(/a scheme, host and port/);
  });

  it('takes origins as browsers send them', async () => {
    const allowedOrigins = ['https://example.com', 'http://localhost:8080', 'https://[::1]:8443'];
    const server = new GameServer({ allowedOrigins });
    await server.close({ drainMs: 0 });
  });
});

describe('publicUrl', () => {
  it('refuses a URL clients could not be sent to', () => {
    for (const publicUrl of [
      'notaurl',
      'http://localhost:18084/ws',
      'localhost:8080',
      '',
      'wss://host/my ws',
      'wss://node3.example.com/ws#eu', // a WebSocket cannot be opened with a fragment
    ]) {
      expect(() => new GameServer({ publicUrl }), publicUrl).toThrow(
        /^GameServer option 'publicUrl' must be a ws: or wss: URL/,
      );
    }
  });

  // Stored in the shared registry, which keeps strings well-formed: the node's record would not match it.
  it('refuses a URL holding a lone UTF-16 surrogate', () => {
    expect(() => new GameServer({ publicUrl: 'wss://node3.example.com/\ud83d' })).toThrow(
      /^GameServer option 'publicUrl' holds a lone UTF-16 surrogate/,
    );
  });

  it('takes ws: and wss: URLs, registered as given but for whitespace around and the scheme’s case', async () => {
    const given: Array<[string, string]> = [
      ['ws://localhost:18084/ws', 'ws://localhost:18084/ws'],
      ['WSS://Node3.example.com/ws', 'wss://Node3.example.com/ws'],
      [' wss://node3.example.com/ws\n', 'wss://node3.example.com/ws'],
      ['wss://node3.example.com', 'wss://node3.example.com'],
    ];
    for (const [publicUrl, registered] of given) {
      const server = new GameServer({ publicUrl });
      await server.listen(0);
      expect(server.publicUrl, publicUrl).toBe(registered);
      await server.close({ drainMs: 0 });
    }
  });
});

describe('nodeId', () => {
  // Rooms are listed under the node id well-formed (a lone surrogate as U+FFFD), so a node whose id held
  // one would not know its own rooms, and Redis could not read its heartbeat.
  it('refuses an id holding a lone UTF-16 surrogate', () => {
    expect(() => new GameServer({ nodeId: 'node-\ud83d' })).toThrow(
      /^GameServer option 'nodeId' holds a lone UTF-16 surrogate/,
    );
  });
});

describe('heartbeat periods', () => {
  // Both run on timers started once listen() has bound: 0 used to pass here, and listen() then threw
  // a RangeError out of its 'listening' callback (an uncaught exception) and never settled.
  it('refuse a heartbeatMs or a nodeTtlMs of 0 at once, naming the option', () => {
    const bad: Array<[GameServerOptions, string]> = [
      [{ heartbeatMs: 0, heartbeatTimeoutMs: 1_000 }, 'heartbeatMs'],
      [{ nodeTtlMs: 0 }, 'nodeTtlMs'],
      [{ nodeTtlMs: 50 }, 'nodeTtlMs'],
    ];
    for (const [options, name] of bad) {
      expect(() => new GameServer(options), JSON.stringify(options)).toThrow(TypeError);
      expect(() => new GameServer(options), JSON.stringify(options)).toThrow(name);
    }
  });

  it('take short ones', async () => {
    const server = new GameServer({ heartbeatMs: 10, heartbeatTimeoutMs: 30, nodeTtlMs: 300 });
    await server.listen(0);
    await server.close({ drainMs: 0 });
  });
});

describe('createTimeoutMs', () => {
  it('defaults to 5 s and refuses what no creation could meet, naming the option', () => {
    expect(resolveLimits({}).createTimeoutMs).toBe(5_000);
    for (const createTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => resolveLimits({ createTimeoutMs }), String(createTimeoutMs)).toThrow(/'createTimeoutMs'/);
    }
  });
});
