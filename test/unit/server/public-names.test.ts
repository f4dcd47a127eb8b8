import { Channel, Room, type RoomClient } from 'vehikill-net/server';
import { Channel as TransportChannel } from 'vehikill-net/transport';
import { describe, expect, expectTypeOf, it } from 'vitest';

// What the server samples in docs/server.md and docs/sync.md import, written as they write it.
describe('vehikill-net/server names the docs use', () => {
  it("exports Channel, the type of onLinkMessage's channel and the values to compare it with", () => {
    const seen: Channel[] = [];
    class Arena extends Room {
      override onLinkMessage(_client: RoomClient, channel: Channel, _bytes: Uint8Array) {
        if (channel === Channel.phys) seen.push(channel);
      }
    }
    expect(Channel).toBe(TransportChannel);
    expectTypeOf<Parameters<Arena['onLinkMessage']>[1]>().toEqualTypeOf<TransportChannel>();
  });
});
