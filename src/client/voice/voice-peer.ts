import type { Disposer } from '../../common/index.js';
import type { RtcPeerConnectionConstructor } from '../../transport/index.js';
import { tuneOpus } from './opus-sdp.js';

export type VoiceSignal = { description: RTCSessionDescriptionInit } | { candidate: RTCIceCandidateInit };

export interface VoicePeerOptions {
  RTCPeerConnection: RtcPeerConnectionConstructor;
  iceServers: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  offerer: boolean;
  /** Opus average bitrate cap, bits/s. */
  bitrate: number;
  /** Opus packet duration in ms (20, 40 or 60). */
  packetMs?: number;
  sendSignal(signal: VoiceSignal): void;
  onSignal(listener: (signal: VoiceSignal) => void): Disposer;
  onRemoteStream(stream: MediaStream): void;
}

/**
 * The audio path to one peer, on its own RTCPeerConnection so voice never waits on (or disturbs) the
 * data channels. One sendrecv audio transceiver exists from the start; turning the microphone on or off
 * replaces its track, which needs no renegotiation.
 */
export class VoicePeer {
  readonly #pc: RTCPeerConnection;
  readonly #options: VoicePeerOptions;
  readonly #disposeSignal: Disposer;
  readonly #pendingCandidates: RTCIceCandidateInit[] = [];
  #sender: RTCRtpSender | undefined;
  #track: MediaStreamTrack | null = null;
  #closed = false;

  constructor(options: VoicePeerOptions) {
    this.#options = options;
    this.#pc = new options.RTCPeerConnection({
      iceServers: options.iceServers,
      ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}),
    });
    this.#pc.onicecandidate = (event) => {
      if (event.candidate) options.sendSignal({ candidate: event.candidate.toJSON() });
    };
    this.#pc.ontrack = (event) => options.onRemoteStream(event.streams[0] ?? new MediaStream([event.track]));
    this.#disposeSignal = options.onSignal((signal) => void this.#onSignal(signal));
    if (options.offerer) {
      this.#sender = this.#pc.addTransceiver('audio', { direction: 'sendrecv' }).sender;
      void this.#offer();
    }
  }

  /** Sends this track (or silence with `null`) to the peer. */
  async setTrack(track: MediaStreamTrack | null): Promise<void> {
    this.#track = track; // applied as soon as the answering side has its sender
    if (!this.#sender || this.#closed) return;
    await this.#sender.replaceTrack(track);
    const parameters = this.#sender.getParameters();
    if (parameters.encodings?.[0]) {
      parameters.encodings[0].maxBitrate = this.#options.bitrate;
      await this.#sender.setParameters(parameters).catch(() => {});
    }
  }

  /** The RTCPeerConnection's stats (inbound audio packets, levels), for quality displays and tests. */
  stats(): Promise<RTCStatsReport> {
    return this.#pc.getStats();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#disposeSignal();
    this.#pc.close();
  }

  async #offer(): Promise<void> {
    const offer = await this.#pc.createOffer();
    const tuned = {
      type: offer.type,
      sdp: tuneOpus(offer.sdp ?? '', this.#options.bitrate, this.#options.packetMs),
    };
    await this.#pc.setLocalDescription(tuned);
    this.#options.sendSignal({ description: tuned });
  }

  async #onSignal(signal: VoiceSignal): Promise<void> {
    if (this.#closed) return;
    try {
      if ('description' in signal) {
        await this.#pc.setRemoteDescription(signal.description);
        for (const candidate of this.#pendingCandidates.splice(0)) await this.#pc.addIceCandidate(candidate);
        if (signal.description.type === 'offer') {
          const transceiver = this.#pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio');
          if (transceiver) {
            transceiver.direction = 'sendrecv';
            this.#sender = transceiver.sender;
            await this.setTrack(this.#track);
          }
          const answer = await this.#pc.createAnswer();
          const tuned = {
            type: answer.type,
            sdp: tuneOpus(answer.sdp ?? '', this.#options.bitrate, this.#options.packetMs),
          };
          await this.#pc.setLocalDescription(tuned);
          this.#options.sendSignal({ description: tuned });
        }
      } else if (this.#pc.remoteDescription) {
        await this.#pc.addIceCandidate(signal.candidate);
      } else {
        this.#pendingCandidates.push(signal.candidate);
      }
    } catch {
      // A signal for a closed connection, or one the stack refused: voice to this peer stays silent.
    }
  }
}
