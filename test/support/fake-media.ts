/**
 * Stand-ins for the media side of a browser (microphone, audio elements, AudioContext), so voice chat's
 * own logic runs in Node. They record what a test needs to see: which microphone tracks are still live,
 * which analyser sources (speaking detectors) are still connected, what each audio element plays.
 */
export class FakeMicrophone {
  /** Every track handed out, in order. */
  readonly tracks: FakeTrack[] = [];
  /** When set, getUserMedia waits for it, as while the browser's permission prompt is open. */
  gate: Promise<void> | undefined;

  readonly getUserMedia = async (_constraints: MediaStreamConstraints): Promise<MediaStream> => {
    if (this.gate) await this.gate;
    const track = new FakeTrack();
    this.tracks.push(track);
    return { getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream;
  };

  /** Tracks not stopped: a microphone the browser still shows as in use. */
  live(): FakeTrack[] {
    return this.tracks.filter((track) => !track.stopped && track.readyState === 'live');
  }
}

/** A microphone track; `end()` is the browser ending it (unplugged, permission withdrawn, device taken). */
export class FakeTrack extends EventTarget {
  readonly kind = 'audio';
  enabled = true;
  /** Stopped by our code (`stop()`), which per spec fires no `ended`. */
  stopped = false;
  readyState: MediaStreamTrackState = 'live';
  /** Its `ended` listeners now: none may stay once voice has let the track go. (`once` is not counted.) */
  readonly endedListeners = new Set<EventListenerOrEventListenerObject>();

  stop(): void {
    this.stopped = true;
    this.readyState = 'ended';
  }

  /** The browser ends the track by itself. */
  end(): void {
    this.readyState = 'ended';
    this.dispatchEvent(new Event('ended'));
  }

  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    if (type === 'ended' && listener) this.endedListeners.add(listener);
    super.addEventListener(type, listener, options);
  }

  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    if (type === 'ended' && listener) this.endedListeners.delete(listener);
    super.removeEventListener(type, listener, options);
  }
}

/** AudioContext with sources that remember whether they were disconnected (a stopped detector). */
export class FakeAudioContext {
  static readonly sources: Array<{ disconnected: boolean }> = [];
  static readonly made: FakeAudioContext[] = [];
  /**
   * Whether the player has clicked or pressed a key on the page: before that, as browsers do, a context
   * starts suspended and `resume()` leaves it so.
   */
  static gestured = true;
  state = FakeAudioContext.gestured ? 'running' : 'suspended';
  constructor() {
    FakeAudioContext.made.push(this);
  }
  /** As browsers do, refuses a stream without an audio track (InvalidStateError). */
  createMediaStreamSource(stream: { getAudioTracks(): unknown[] }) {
    if (stream.getAudioTracks().length === 0) {
      throw new DOMException('MediaStream has no audio track', 'InvalidStateError');
    }
    const source = {
      disconnected: false,
      connect() {},
      disconnect() {
        source.disconnected = true;
      },
    };
    FakeAudioContext.sources.push(source);
    return source;
  }
  /** The level every analyser reads, 0..1: above 0.02 a speaking detector says someone speaks. */
  static level = 0;
  createAnalyser() {
    return {
      fftSize: 512,
      getFloatTimeDomainData(samples: Float32Array) {
        samples.fill(FakeAudioContext.level);
      },
    };
  }
  async close() {
    this.state = 'closed';
  }
  async resume() {
    if (FakeAudioContext.gestured && this.state === 'suspended') this.state = 'running';
  }

  /** Speaking detectors still running (their analyser source still connected). */
  static running(): number {
    return FakeAudioContext.sources.filter((source) => !source.disconnected).length;
  }
}

/** The audio element voice plays a peer on. */
export class FakeAudio {
  static readonly made: FakeAudio[] = [];
  /**
   * When set, `play()` rejects with a DOMException of this name: 'NotAllowedError' as a browser whose
   * autoplay policy blocks sound before the player's first click or key.
   */
  static refusal: string | undefined;
  autoplay = false;
  volume = 1;
  srcObject: unknown = null;
  /** Calls of `play()`, and whether the last one went through. */
  plays = 0;
  playing = false;
  constructor() {
    FakeAudio.made.push(this);
  }
  play(): Promise<void> {
    this.plays++;
    this.playing = FakeAudio.refusal === undefined;
    if (FakeAudio.refusal === undefined) return Promise.resolve();
    return Promise.reject(new DOMException('play() refused', FakeAudio.refusal));
  }
}

export class FakeMediaStream {
  readonly #tracks: unknown[];
  constructor(tracks: unknown[] = []) {
    this.#tracks = tracks;
  }
  getAudioTracks() {
    return this.#tracks;
  }
}
