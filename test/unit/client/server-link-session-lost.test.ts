import { Channel, ClientServerLink } from 'vehikill-net/client';
import { ManualClock } from 'vehikill-net/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerLinkPort } from '../../../src/client/server-link/client-server-link.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';

/** A port that records the dispatch frames (channel 2) the link sends over the WebSocket. */
function recordingPort() {
  const dispatch: number[][] = [];
  const port: ServerLinkPort = {
    clock: new ManualClock(),
    sendDatagrams(channel, payloads) {
      if (channel === 2) for (const bytes of payloads) dispatch.push([...bytes]);
    },
    sendSignal() {},
    iceServers: () => [],
  };
  return { port, dispatch };
}

// The logic project shares modules between files (no isolation): connections another file made and left
// would be `made[0]` here.
beforeEach(() => FakePeerConnection.reset());
afterEach(() => FakePeerConnection.reset());

describe('ClientServerLink when its session is lost while the direct path is up', () => {
  it("sends none of the old session's unacked dispatch to the next session", async () => {
    const { port, dispatch } = recordingPort();
    const link = new ClientServerLink(port, { RTCPeerConnection: FakePeerConnection.ctor });
    link.welcomed(true);
    link.receiveSignal(1, { description: { type: 'offer', sdp: 'v=0' } });
    await settle();
    FakePeerConnection.made[0]?.connect();
    expect(link.state).toBe('direct');

    // Sent on the direct path, which died with the server (its data channels swallow it): never acked.
    expect(link.send(Channel.dispatch, Uint8Array.of(0xaa))).toBe(true);
    expect(dispatch).toEqual([]);

    // The resume is refused (the server restarted): the session is lost, the direct path still up.
    link.resetSession();
    link.welcomed(true);
    expect(link.send(Channel.dispatch, Uint8Array.of(0xbb))).toBe(true);

    // Only the new session's message 1 (epoch 0). The old stream's message 1 resent here went to the
    // next session's outbox ahead of it: the server took it for the new stream's message 1 (a message
    // of the old session delivered to the new one) and dropped the real one as a duplicate.
    expect(dispatch).toEqual([[0x08, 0, 1, 0xbb]]);
    link.close();
  });
});
