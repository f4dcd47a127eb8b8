import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// A and B have voice; the others are in the room without it. A room of more than 8 is a large one.
const A = 'player-a';
const B = 'player-b';
const OTHERS = ['player-c', 'player-d', 'player-e', 'player-f', 'player-g', 'player-h'];
const NINTH = { playerId: 'player-i', name: 'player-i', away: false };

const h = voiceHarnessEach([A, B, ...OTHERS]);

/** The sending cap (maxBitrate) of `owner`'s connected audio connection to `peer`. */
const sendingCap = (owner: string, peer: string) =>
  h.network.connected(owner, peer)?.transceivers[0]?.sender.encodings[0]?.maxBitrate;

/**
 * The default Opus bitrate follows the room's size (docs/client.md): 20 kbit/s, 16 kbit/s in rooms of
 * more than 8 players, to keep each player's upload in bounds. It was chosen once, when a peer's voice
 * connection was made: a room that grew past 8 kept its links at 20 kbit/s, and one that shrank kept 16.
 */
describe('voice: the default bitrate follows the room as it grows and shrinks', () => {
  const join = () => {
    for (const id of [A, B]) h.rooms.room(id).applyMemberJoined(NINTH);
  };
  const leave = () => {
    for (const id of [A, B]) h.rooms.room(id).applyMemberLeft(NINTH.playerId, 'left');
  };

  it('a room growing past 8 lowers the links it has to 16 kbit/s, and back to 20 as it shrinks', async () => {
    // maxPeers 8: A and B stay each other's peers in a room of 9.
    h.start(A, { maxPeers: 8 });
    h.start(B, { maxPeers: 8 });
    await settle();
    expect(h.linked(A, B)).toBe(true);
    expect([sendingCap(A, B), sendingCap(B, A)]).toEqual([20_000, 20_000]);
    const link = h.network.connected(A, B);

    join();
    await settle();
    expect(h.network.connected(A, B)).toBe(link); // the same connection, not a new one
    expect([sendingCap(A, B), sendingCap(B, A)]).toEqual([16_000, 16_000]);

    leave();
    await settle();
    expect([sendingCap(A, B), sendingCap(B, A)]).toEqual([20_000, 20_000]);
  });

  it("a link's next attempt is negotiated with the settings of the room's size then", async () => {
    h.start(A, { maxPeers: 8 });
    h.start(B, { maxPeers: 8 });
    await settle();
    join();
    await settle();
    h.clock.advance(60_000);
    h.network.connected(A, B)?.fail();
    await settle();
    expect(h.linked(A, B)).toBe(true);
    const offer = h.network.connected(A, B)?.localDescription?.sdp ?? '';
    expect(offer).toContain('maxaveragebitrate=16000');
    expect(offer).toContain('a=ptime:60');
    expect([sendingCap(A, B), sendingCap(B, A)]).toEqual([16_000, 16_000]);
  });

  it('a bitrate the app chose stays as the room grows', async () => {
    h.start(A, { maxPeers: 8, bitrate: 24_000 });
    h.start(B, { maxPeers: 8, bitrate: 24_000 });
    await settle();
    join();
    await settle();
    expect([sendingCap(A, B), sendingCap(B, A)]).toEqual([24_000, 24_000]);
  });
});
