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
    return this.tracks.filter((track) => !track.stopped);
  }
}

export class FakeTrack {
  readonly kind = 'audio';
  enabled = true;
  stopped = false;
  stop(): void {
    this.stopped = true;
  }
}

/** AudioContext with sources that remember whether they were disconnected (a stopped detector). */
export class FakeAudioContext {
  static readonly sources: Array<{ disconnected: boolean }> = [];
  state = 'running';
  createMediaStreamSource() {
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
  createAnalyser() {
    return { fftSize: 512, getFloatTimeDomainData() {} };
  }
  async close() {
    this.state = 'closed';
  }
  async resume() {}

  /** Speaking detectors still running (their analyser source still connected). */
  static running(): number {
    return FakeAudioContext.sources.filter((source) => !source.disconnected).length;
  }
}

/** The audio element voice plays a peer on. */
export class FakeAudio {
  static readonly made: FakeAudio[] = [];
  autoplay = false;
  volume = 1;
  srcObject: unknown = null;
  constructor() {
    FakeAudio.made.push(this);
  }
  play(): Promise<void> {
    return Promise.resolve();
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
