import { defaultMaxListeners, setMaxListeners } from 'node:events';
import { afterEach, beforeEach, vi } from 'vitest';
import type { VoiceChat, VoiceOptions } from '../../src/client/voice/voice-chat.js';
import { ManualClock } from '../../src/common/index.js';
import { FakeAudio, FakeAudioContext, FakeMediaStream, FakeMicrophone } from './fake-media.js';
import { FakeVoiceNetwork } from './fake-voice-rtc.js';
import { SignalRooms } from './signal-rooms.js';

/**
 * Voice chat of several players in Node: their rooms joined through an in-process signaling relay, a
 * fake RTCPeerConnection network and fake media installed as globals, time on a manual clock.
 * `dispose()` closes every voice chat it started and removes the globals.
 */
export function voiceHarness(memberIds: readonly string[]) {
  const clock = new ManualClock();
  const network = new FakeVoiceNetwork();
  const rooms = new SignalRooms(clock, memberIds);
  const microphone = new FakeMicrophone();
  // The window's events: `online`, and the player's clicks and keys.
  const page = new EventTarget();
  // Every player's browser has an `online` event of its own; here they all share this one, and each voice
  // chat listens on it until closed (one listener per live chat, not a leak). Node warns past 10 on one
  // target, so a room of 11 or more would: the bound is one per player, so a chat left open is still seen.
  setMaxListeners(Math.max(defaultMaxListeners, memberIds.length), page);
  const voices: VoiceChat[] = [];
  FakeAudio.made.length = 0;
  FakeAudio.refusal = undefined;
  FakeAudioContext.sources.length = 0;
  FakeAudioContext.made.length = 0;
  FakeAudioContext.gestured = true;
  FakeAudioContext.level = 0;
  vi.stubGlobal('MediaStream', FakeMediaStream);
  vi.stubGlobal('Audio', FakeAudio);
  vi.stubGlobal('AudioContext', FakeAudioContext);
  vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: microphone.getUserMedia } });
  vi.stubGlobal('addEventListener', page.addEventListener.bind(page));
  vi.stubGlobal('removeEventListener', page.removeEventListener.bind(page));

  return {
    clock,
    network,
    rooms,
    microphone,
    /** Starts `playerId`'s voice chat (its room's `voice()`), on the fake network. */
    start(playerId: string, options: VoiceOptions = {}): VoiceChat {
      const voice = rooms
        .room(playerId)
        .voice({ RTCPeerConnection: network.constructorFor(playerId), ...options });
      voices.push(voice);
      return voice;
    },
    /** True when `a` and `b` each hold an open, connected audio connection to the other. */
    linked(a: string, b: string): boolean {
      const ab = network.connected(a, b);
      return ab !== undefined && ab.remotePeer === network.connected(b, a);
    },
    /** The player clicks or presses a key on the page (a user gesture: the browser lets sound play). */
    gesture(type: 'click' | 'keydown' | 'touchend' = 'click'): void {
      page.dispatchEvent(new Event(type));
    },
    /** The browser says the network is back. */
    goOnline(): void {
      page.dispatchEvent(new Event('online'));
    },
    dispose(): void {
      for (const voice of voices.splice(0)) voice.close();
      vi.unstubAllGlobals();
    },
  };
}

export type VoiceHarness = ReturnType<typeof voiceHarness>;

/**
 * A fresh `voiceHarness(memberIds)` for each test of the file, disposed after it: call at the top level.
 * The object returned stays the same; each test's harness is put into it before the test runs.
 */
export function voiceHarnessEach(memberIds: readonly string[]): VoiceHarness {
  const h = {} as VoiceHarness;
  beforeEach(() => {
    Object.assign(h, voiceHarness(memberIds));
  });
  afterEach(() => h.dispose());
  return h;
}
