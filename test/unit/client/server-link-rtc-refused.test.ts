import { describe, expect, it } from 'vitest';
import { Kind } from '../../../src/protocol/index.js';
import type { RtcPeerConnectionConstructor } from '../../../src/transport/index.js';
import { FakePeerConnection, settle } from './fakes/fake-peer-connection.js';
import { linkOffer, linkOfferedClient } from './fakes/link-offering-server.js';

/**
 * An RTCPeerConnection the browser refuses to make the first time: as Chrome does past its limit of
 * connections, or for an ICE server URL (the server's TURN settings) it cannot parse (SyntaxError).
 */
function refusingOnce(): RtcPeerConnectionConstructor {
  let calls = 0;
  class Refusing extends FakePeerConnection {
    constructor(configuration?: RTCConfiguration) {
      if (++calls === 1) throw new SyntaxError("Failed to construct 'RTCPeerConnection'");
      super(configuration);
    }
  }
  return Refusing as unknown as RtcPeerConnectionConstructor;
}

describe("the server's offer of a direct link when the RTCPeerConnection cannot be made", () => {
  it('throws nothing out of the socket, keeps the link in TCP mode, and takes the next offer', async () => {
    FakePeerConnection.reset();
    const { client, server } = await linkOfferedClient({ mode: 'prefer', RTCPeerConnection: refusingOnce() });
    // Thrown from the socket's message handler, it ended a Node process (ws emits in the socket's read).
    expect(() => server.send(Kind.LinkSignalFromServer, linkOffer(1))).not.toThrow();
    expect(client.serverLink.path).toBe('tcp');
    expect(client.state).toBe('open');
    // The server's next attempt finds a connection made and answered.
    server.send(Kind.LinkSignalFromServer, linkOffer(2));
    await settle();
    expect(FakePeerConnection.made).toHaveLength(1);
    await client.close();
  });
});
