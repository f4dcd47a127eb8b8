import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarness } from '../../support/voice-harness.js';

const A = 'player-a';
const B = 'player-b';

let h: ReturnType<typeof voiceHarness>;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeEach(() => {
  h = voiceHarness([A, B]);
  rejections.length = 0;
  process.on('unhandledRejection', onRejection);
});
afterEach(() => {
  process.off('unhandledRejection', onRejection);
  h.dispose();
});

/** Holds the fake browser's queued operations (offers, track changes) until the returned call. */
function holdOperations(): () => void {
  let release!: () => void;
  h.network.gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    h.network.gate = undefined;
    release();
  };
}

/** Long enough for Node to report a rejection nobody handled. */
const afterRejectionsAreReported = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('voice: closing mid-negotiation rejects nothing into the void', () => {
  it('a peer closed while its offer is being made', async () => {
    const release = holdOperations();
    const voice = h.start(A); // starts an offer to B, held
    await settle();
    voice.close();
    release();
    await settle();
    await afterRejectionsAreReported();
    expect(rejections).toEqual([]);
  });

  it('a peer dropped while the microphone track is being put on its connection', async () => {
    let near = true;
    const voice = h.start(A, { audible: () => near });
    h.start(B);
    await settle();
    const release = holdOperations();
    await voice.enableMicrophone(); // the track change waits
    near = false;
    voice.refreshPeers(); // closes the audio connection to B
    release();
    await settle();
    await afterRejectionsAreReported();
    expect(rejections).toEqual([]);
  });
});
