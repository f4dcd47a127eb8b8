import { describe, expect, it } from 'vitest';
import { IceCredentials, refreshDelayMs } from '../../../src/client/ice-credentials.js';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const HOUR = 3_600_000;
const turnWith = (credential: string) => [
  { urls: 'turn:turn.example.com:3478', username: `x:${credential}`, credential },
];

describe('IceCredentials', () => {
  it('asks five minutes before credentials of an hour expire, and again after each answer', () => {
    const clock = new ManualClock();
    let asked = 0;
    const ice = new IceCredentials(clock, () => asked++);
    ice.update(turnWith('first'), HOUR);
    clock.advance(HOUR - 300_001);
    expect(asked).toBe(0);
    clock.advance(1);
    expect(asked).toBe(1);
    ice.update(turnWith('second'), HOUR);
    expect(ice.servers[0]?.credential).toBe('second');
    clock.advance(HOUR - 300_000);
    expect(asked).toBe(2);
  });

  it('asks half-way through a short life, never sooner than 10 s, and not at all when nothing expires', () => {
    expect(refreshDelayMs(120_000)).toBe(60_000);
    expect(refreshDelayMs(1_000)).toBe(10_000);
    const clock = new ManualClock();
    let asked = 0;
    const ice = new IceCredentials(clock, () => asked++);
    ice.update([{ urls: 'stun:stun.example.com' }], undefined);
    clock.advance(10 * HOUR);
    expect(asked).toBe(0);
  });

  it('a new welcome replaces the pending refresh; stop cancels it', () => {
    const clock = new ManualClock();
    let asked = 0;
    const ice = new IceCredentials(clock, () => asked++);
    ice.update(turnWith('a'), HOUR);
    clock.advance(30 * 60_000);
    ice.update(turnWith('b'), HOUR); // a resume's welcome, half an hour later
    clock.advance(30 * 60_000);
    expect(asked).toBe(0);
    ice.stop();
    clock.advance(HOUR);
    expect(asked).toBe(0);
  });
});

describe('a client connected for longer than its TURN credentials last', () => {
  it('refreshes them before they expire, and the mesh makes its next attempt with the new ones', async () => {
    FakePeerConnection.reset();
    const clock = new ManualClock();
    const server = new FakeServer();
    const self = 'aaaaaaaa01';
    const peer = 'bbbbbbbb02';
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) {
        server.welcome(self, clock, { iceServers: turnWith('issued-at-welcome'), iceTtlMs: HOUR });
      } else if (message.kind === Kind.CreateRoom) {
        server.send(Kind.Response, {
          rid: message.body.rid,
          ok: true,
          result: joinedRoom('room1', [self, peer]),
        });
      } else if (message.kind === Kind.RefreshIceServers) {
        server.send(Kind.IceServers, { iceServers: turnWith('refreshed'), iceTtlMs: HOUR });
      }
    };
    const client = server.client(clock);
    await client.connect();
    const room = await client.create('test');
    const mesh = room.mesh({ rtc: { RTCPeerConnection: FakePeerConnection.ctor } });
    await settle();
    expect(FakePeerConnection.made.map((pc) => pc.credential)).toEqual(['issued-at-welcome']);

    clock.advance(HOUR - 300_000);
    await settle();
    expect(server.receivedOf(Kind.RefreshIceServers)).toHaveLength(1);
    // An hour after the welcome the first credentials are dead; a new attempt uses the fresh ones.
    clock.advance(300_000);
    mesh.link(peer)?.retryDirect();
    await settle();
    expect(FakePeerConnection.made.at(-1)?.credential).toBe('refreshed');
    expect(room.iceServers()[0]?.credential).toBe('refreshed');
    client.close();
  });
});
