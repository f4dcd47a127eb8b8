/**
 * Tells whether a stream has someone speaking, from its audio level with hysteresis (so a word does not
 * flicker the indicator on and off). Uses one shared AudioContext; polls every 100 ms.
 */
export class SpeakingDetector {
  readonly #analyser: AnalyserNode;
  readonly #source: MediaStreamAudioSourceNode;
  readonly #samples: Float32Array<ArrayBuffer>;
  readonly #timer: ReturnType<typeof setInterval>;
  #speaking = false;
  #quietFor = 0;
  /** Latest RMS level, 0..1. */
  level = 0;

  constructor(context: AudioContext, stream: MediaStream, onChange: (speaking: boolean) => void) {
    this.#source = context.createMediaStreamSource(stream);
    this.#analyser = context.createAnalyser();
    this.#analyser.fftSize = 512;
    this.#source.connect(this.#analyser);
    this.#samples = new Float32Array(this.#analyser.fftSize);
    this.#timer = setInterval(() => {
      this.#analyser.getFloatTimeDomainData(this.#samples);
      let sum = 0;
      for (const sample of this.#samples) sum += sample * sample;
      this.level = Math.sqrt(sum / this.#samples.length);
      // Start at once above the loud threshold; stop only after 300 ms below the quiet one.
      if (!this.#speaking && this.level > 0.02) {
        this.#speaking = true;
        onChange(true);
      } else if (this.#speaking) {
        this.#quietFor = this.level < 0.01 ? this.#quietFor + 100 : 0;
        if (this.#quietFor >= 300) {
          this.#speaking = false;
          this.#quietFor = 0;
          onChange(false);
        }
      }
    }, 100);
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#source.disconnect();
  }
}
