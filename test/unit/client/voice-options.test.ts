import type { VoiceOptions } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

describe('voice options', () => {
  it('a value no voice chat could work with throws at room.voice(), naming it; a good one after works', async () => {
    for (const [options, name] of [
      [{ maxPeers: 0 }, 'maxPeers'],
      [{ maxPeers: 2.5 }, 'maxPeers'],
      [{ bitrate: -1 }, 'bitrate'],
      [{ bitrate: Number.NaN }, 'bitrate'],
      // Written into the SDP as Opus's maxaveragebitrate, an integer: '20000.5' is no value a browser reads.
      [{ bitrate: 20_000.5 }, 'bitrate'],
      [{ packetMs: 30 as VoiceOptions['packetMs'] }, 'packetMs'],
    ] as const) {
      expect(() => h.start(A, options), name).toThrow(new RegExp(`^${name} must be`));
    }
    // Wrongly typed: an ICE policy the browser has no such value for (its RTCPeerConnection would throw
    // at every attempt), no constructor, an `audible` that is no function (it threw from the voice chat's
    // constructor once it had subscribed to the room, leaving it listening there for good).
    for (const [options, name] of [
      [{ iceTransportPolicy: 'none' as RTCIceTransportPolicy }, 'iceTransportPolicy'],
      [{ RTCPeerConnection: {} as VoiceOptions['RTCPeerConnection'] }, 'RTCPeerConnection'],
      [{ audible: true as unknown as VoiceOptions['audible'] }, 'audible'],
    ] as const) {
      expect(() => h.start(A, options), name).toThrow(TypeError);
      expect(() => h.start(A, options), name).toThrow(new RegExp(`^${name} must be`));
    }
    h.start(A, { maxPeers: 1, bitrate: 16_000, packetMs: 60, iceTransportPolicy: 'all' });
    h.start(B);
    await settle();
    expect(h.linked(A, B)).toBe(true);
  });
});

describe('push-to-talk', () => {
  it('turned on, starts silent whatever talk() said while it was off; heard only while talking', async () => {
    const voice = h.start(A);
    expect(await voice.enableMicrophone()).toEqual({ ok: true });
    const track = h.microphone.tracks[0]!;
    voice.talk(true); // the key went down while push-to-talk was off: no effect then
    expect(track.enabled).toBe(true);
    voice.setPushToTalk(true);
    expect(track.enabled).toBe(false);
    voice.talk(true);
    expect(track.enabled).toBe(true);
    voice.talk(false);
    expect(track.enabled).toBe(false);
    voice.setPushToTalk(false);
    expect(track.enabled).toBe(true);
  });
});
