import { describe, expect, it } from 'vitest';
import type { MeshOptions } from '../../../src/client/mesh/mesh-options.js';
import { ManualClock } from '../../../src/common/index.js';
import { FakePeerConnection } from './fakes/fake-peer-connection.js';
import { fakeRoom } from './fakes/fake-room.js';

// The higher id: it makes no attempt of its own, so nothing in room.mesh() ever touched these before.
const self = 'aaaaaaaa02';
const peer = 'aaaaaaaa01';

function meshWith(rtc: unknown) {
  const { room } = fakeRoom(self, [peer, self], new ManualClock());
  return () => room.mesh({ rtc } as MeshOptions);
}

describe("the mesh's rtc option, checked at room.mesh()", () => {
  it.each([
    ['not an object', true, /rtc/],
    ['RTCPeerConnection not a constructor', { RTCPeerConnection: 'RTCPeerConnection' }, /RTCPeerConnection/],
    [
      'iceServers not an array',
      { RTCPeerConnection: FakePeerConnection.ctor, iceServers: { urls: 'stun:x' } },
      /iceServers/,
    ],
    [
      'an ICE server without urls',
      { RTCPeerConnection: FakePeerConnection.ctor, iceServers: [{ url: 'stun:x' }] },
      /iceServers/,
    ],
    [
      'iceTransportPolicy unknown',
      { RTCPeerConnection: FakePeerConnection.ctor, iceTransportPolicy: 'relay-only' },
      /iceTransportPolicy/,
    ],
    [
      'extraConfiguration not an object',
      { RTCPeerConnection: FakePeerConnection.ctor, extraConfiguration: 'x' },
      /extraConfiguration/,
    ],
  ])('%s throws a TypeError naming it', (_, rtc, name) => {
    expect(meshWith(rtc)).toThrow(TypeError);
    expect(meshWith(rtc)).toThrow(name);
  });

  it('takes what works', () => {
    for (const rtc of [
      false,
      undefined,
      {},
      { RTCPeerConnection: FakePeerConnection.ctor },
      {
        RTCPeerConnection: FakePeerConnection.ctor,
        iceServers: [{ urls: 'stun:a' }, { urls: ['turn:b'], username: 'u', credential: 'c' }],
        iceTransportPolicy: 'relay',
        extraConfiguration: { bindAddress: '127.0.0.1' },
      },
    ]) {
      const mesh = meshWith(rtc)();
      expect(mesh.closed).toBe(false);
      mesh.close();
    }
  });
});
