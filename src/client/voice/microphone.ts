import { SpeakingDetector } from './speaking-detector.js';

export type MicrophoneResult =
  | { ok: true }
  | {
      ok: false;
      /**
       * `closed`: the voice chat was closed (by its `close()`, or because the room was left), before
       * or while the browser was asking for permission;
       * `cancelled`: the microphone was turned off meanwhile. Either way the stream that came is stopped.
       */
      reason: 'denied' | 'no-microphone' | 'unsupported' | 'failed' | 'closed' | 'cancelled';
      message: string;
    };

export interface MicrophoneOptions {
  audioContext(): AudioContext;
  onSpeaking(speaking: boolean): void;
  /** The track to send changed (opened, replaced or stopped). */
  onTrackChange(): void;
  /**
   * The browser ended the track by itself (device unplugged, permission withdrawn, another app took the
   * device): called after the microphone is stopped as by `stop()`. Our own `track.stop()` never ends
   * it this way (the spec fires `ended` only for ends we did not ask for).
   */
  onEnded(): void;
}

/**
 * The local microphone: one stream and its speaking detector at a time. Opening again stops the stream
 * before (a device may allow one capture only, and a forgotten one keeps the browser's recording
 * indicator on). Opening is asynchronous (the permission prompt can stay open for minutes), so what
 * comes back is checked against what happened meanwhile: a stream that arrives after `close()` or
 * `stop()` is stopped at once, never kept.
 */
export class Microphone {
  readonly #options: MicrophoneOptions;
  #stream: MediaStream | undefined;
  #detector: SpeakingDetector | undefined;
  #opening: Promise<MicrophoneResult> | undefined;
  /** Removes the `ended` listener from the open stream's track. */
  #unwatch: (() => void) | undefined;
  /** Counts stops and closes: an open that sees it change while it waited was cancelled. */
  #generation = 0;
  #closed = false;

  constructor(options: MicrophoneOptions) {
    this.#options = options;
  }

  get track(): MediaStreamTrack | undefined {
    return this.#stream?.getAudioTracks()[0];
  }

  get speaking(): boolean {
    return this.#detector?.speaking ?? false;
  }

  /** Opens the microphone; a second call while the first waits for permission shares its result. */
  open(media: MediaDevices): Promise<MicrophoneResult> {
    if (this.#closed) return Promise.resolve(closedResult());
    if (!this.#opening) {
      const opening = this.#open(media).finally(() => {
        if (this.#opening === opening) this.#opening = undefined;
      });
      this.#opening = opening;
    }
    return this.#opening;
  }

  /** Stops the stream and detector; an open still waiting for permission will stop what it gets. */
  stop(): void {
    this.#generation++;
    this.#opening = undefined; // opening again after this is a new request, not the cancelled one
    this.#release();
  }

  close(): void {
    this.#closed = true;
    this.stop();
  }

  async #open(media: MediaDevices): Promise<MicrophoneResult> {
    this.#release();
    const generation = ++this.#generation;
    let stream: MediaStream;
    try {
      stream = await media.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (error) {
      // Refused after the app turned it off or closed voice (the player dismissed the prompt of a
      // request they had withdrawn): what the app did is the answer, not a refusal to tell the player.
      return this.#superseded(generation) ?? refusal(error);
    }
    const superseded = this.#superseded(generation);
    if (superseded) {
      for (const track of stream.getTracks()) track.stop();
      return superseded;
    }
    this.#stream = stream;
    this.#watchEnd(stream);
    try {
      this.#detector = new SpeakingDetector(this.#options.audioContext(), stream, this.#options.onSpeaking);
    } catch {
      // No Web Audio here: no speaking indicator for us, but our voice still goes out.
    }
    this.#options.onTrackChange();
    return { ok: true };
  }

  /** Why an open that started as `generation` no longer counts (closed, or stopped since), if it does not. */
  #superseded(generation: number): MicrophoneResult | undefined {
    if (this.#closed) return closedResult();
    if (generation === this.#generation) return undefined;
    return { ok: false, reason: 'cancelled', message: 'The microphone was turned off before it opened.' };
  }

  #watchEnd(stream: MediaStream): void {
    const track = stream.getAudioTracks()[0];
    if (!track) return;
    const onEnded = () => {
      this.stop();
      this.#options.onEnded();
    };
    track.addEventListener('ended', onEnded);
    this.#unwatch = () => track.removeEventListener('ended', onEnded);
  }

  #release(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (!this.#stream && !this.#detector) return;
    const wasSpeaking = this.speaking;
    this.#detector?.stop();
    this.#detector = undefined;
    // A stopped detector reports nothing more: without this, our speaking indicator would stay lit.
    if (wasSpeaking) this.#options.onSpeaking(false);
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = undefined;
    this.#options.onTrackChange();
  }
}

/** What opening the microphone of a closed voice chat resolves. */
export function closedResult(): MicrophoneResult {
  return {
    ok: false,
    reason: 'closed',
    message: 'Voice chat was closed (by close(), or because the room was left) before the microphone opened.',
  };
}

function refusal(error: unknown): MicrophoneResult {
  const name = (error as { name?: string }).name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return {
      ok: false,
      reason: 'denied',
      message: 'Microphone permission was refused: others cannot hear you, but you can hear them.',
    };
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return {
      ok: false,
      reason: 'no-microphone',
      message: 'No microphone was found: others cannot hear you, but you can hear them.',
    };
  }
  return {
    ok: false,
    reason: 'failed',
    message: `The microphone could not be opened (${name ?? 'unknown error'}).`,
  };
}
