import type {
  RtcPeerConnectionConstructor,
  RtcPeerConnectionLike,
  RtcSignal,
} from '../../transport/index.js';
import { tuneOpus } from './opus-sdp.js';

export interface VoiceConnectionOptions {
  RTCPeerConnection: RtcPeerConnectionConstructor;
  iceServers: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  offerer: boolean;
  /** Opus average bitrate cap, bits/s. */
  bitrate: number;
  /** Opus packet duration in ms (20, 40 or 60). */
  packetMs?: number;
  /** May throw when the room refuses it (the session's outbox full: OUTBOX_OVERFLOW). */
  send(signal: RtcSignal): void;
  onRemoteStream(stream: MediaStream): void;
  onState(state: RTCPeerConnectionState): void;
  /** The stack refused to make our offer or answer, or to send our track: this connection is no good. */
  onBroken(): void;
}

/**
 * Signals one side of a connection sends are few: a description and a candidate or so per interface and
 * ICE server. Lists that hold them stop here, so a misbehaving peer or stack cannot grow them.
 */
const MAX_HELD_SIGNALS = 64;

/**
 * One audio RTCPeerConnection to a peer: one attempt of a VoicePeer. One sendrecv audio transceiver
 * exists from the start; the microphone going on or off replaces its track, which needs no
 * renegotiation. Nothing it does rejects: a connection closed mid-negotiation is normal (the peer left
 * or went out of range), and any other refusal is reported through `onBroken` for a new attempt.
 */
export class VoiceConnection {
  readonly #pc: RtcPeerConnectionLike;
  readonly #options: VoiceConnectionOptions;
  /** Remote candidates that came before the remote description. */
  readonly #pendingCandidates: RTCIceCandidateInit[] = [];
  /** What we sent, in order, to send again if the peer may have missed it (see `resend`). */
  readonly #sent: RtcSignal[] = [];
  /** Our candidates found before our description went out: the peer could not use them yet. */
  readonly #earlyCandidates: RTCIceCandidateInit[] = [];
  #described = false;
  #sender: RTCRtpSender | undefined;
  #track: MediaStreamTrack | null = null;
  /** The sending cap now (bits/s): `bitrate`, or what `setBitrate` set since. */
  #bitrate = 0;
  #closed = false;
  #answered = false;
  #everConnected = false;

  constructor(options: VoiceConnectionOptions) {
    this.#options = options;
    this.#bitrate = options.bitrate;
    this.#pc = new options.RTCPeerConnection({
      iceServers: options.iceServers,
      ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}),
    });
    this.#pc.onicecandidate = (event) => {
      if (!event.candidate || this.#closed) return;
      const candidate = event.candidate.toJSON();
      if (this.#described) this.#send({ candidate });
      else if (this.#earlyCandidates.length < MAX_HELD_SIGNALS) this.#earlyCandidates.push(candidate);
    };
    this.#pc.onconnectionstatechange = () => {
      if (this.#closed) return;
      const state = this.#pc.connectionState;
      if (state === 'connected') this.#everConnected = true;
      options.onState(state);
    };
    this.#pc.ontrack = (event) => {
      // Audio only: a track of another kind (a peer's video) would have its stream, which holds no audio,
      // replace the one playing, and the speaking detector's AudioContext throws on a stream without audio.
      if (this.#closed || event.track.kind !== 'audio') return;
      const stream = event.streams[0];
      options.onRemoteStream(stream?.getAudioTracks().length ? stream : new MediaStream([event.track]));
    };
    if (options.offerer) {
      try {
        this.#sender = this.#pc.addTransceiver('audio', { direction: 'sendrecv' }).sender;
      } catch (error) {
        // Refused like the constructor (VoicePeer counts the attempt as failed): the connection made goes.
        this.close();
        throw error;
      }
      void this.#offer();
    }
  }

  get state(): RTCPeerConnectionState {
    return this.#pc.connectionState;
  }

  /** The offering side has the peer's answer (applied, or being applied). */
  get answered(): boolean {
    return this.#answered;
  }

  get everConnected(): boolean {
    return this.#everConnected;
  }

  /** Sends this track (or silence with `null`) to the peer; settles, never rejects. */
  async setTrack(track: MediaStreamTrack | null): Promise<void> {
    this.#track = track; // the answering side applies it once the offer has given it a sender
    const sender = this.#sender;
    if (!sender || this.#closed) return;
    try {
      await sender.replaceTrack(track);
      await this.#capBitrate(sender);
    } catch {
      this.#refused();
    }
  }

  /**
   * A new Opus bitrate (the room grew or shrank): the sending cap changes at once, with no renegotiation;
   * the SDP's `maxaveragebitrate` says the new one from the next attempt. Settles, never rejects.
   */
  async setBitrate(bitrate: number): Promise<void> {
    this.#bitrate = bitrate;
    const sender = this.#sender;
    if (!sender || this.#closed) return;
    try {
      await this.#capBitrate(sender);
    } catch {
      // The connection works at the cap it had; its next attempt starts with the new one.
    }
  }

  /** getParameters and setParameters in one go, as the stack requires (its transaction id). */
  async #capBitrate(sender: RTCRtpSender): Promise<void> {
    const parameters = sender.getParameters();
    if (parameters.encodings?.[0]) {
      parameters.encodings[0].maxBitrate = this.#bitrate;
      await sender.setParameters(parameters);
    }
  }

  /** A description or candidate from the peer, for this attempt. */
  async receive(signal: RtcSignal): Promise<void> {
    if (this.#closed) return;
    try {
      if ('description' in signal) await this.#receiveDescription(signal.description);
      else if (this.#pc.remoteDescription) await this.#pc.addIceCandidate(signal.candidate);
      else if (this.#pendingCandidates.length < MAX_HELD_SIGNALS) {
        this.#pendingCandidates.push(signal.candidate);
      }
    } catch {
      // A candidate the stack refused costs only that candidate; a refused description is reported, so
      // that a new attempt replaces this one (closing is normal and reported by nobody).
      if ('description' in signal) this.#refused();
    }
  }

  /**
   * Sends our description and candidates again: the peer asked for an offer without having seen this
   * one (it crossed their request, or reached them before they listened). A peer that has it already
   * ignores the copy.
   */
  resend(): void {
    if (this.#closed) return;
    for (const signal of this.#sent) if (!this.#trySend(signal)) return;
  }

  stats(): Promise<RTCStatsReport> {
    return this.#pc.getStats();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pc.close();
  }

  async #offer(): Promise<void> {
    try {
      const offer = await this.#pc.createOffer();
      await this.#describe(offer);
    } catch {
      this.#refused();
    }
  }

  async #receiveDescription(description: RTCSessionDescriptionInit): Promise<void> {
    // A copy of an answer we have (an older client answers each copy of our offer, a relay may deliver
    // one twice) would be refused, and the refusal end this attempt. Marked before the browser applies
    // it: a copy that comes meanwhile is one too. Should the browser refuse the first, the attempt ends.
    if (description.type === 'answer') {
      if (this.#answered) return;
      this.#answered = true;
    }
    await this.#pc.setRemoteDescription(description);
    if (this.#closed) return;
    for (const candidate of this.#pendingCandidates.splice(0)) {
      await this.#pc.addIceCandidate(candidate).catch(() => {});
    }
    if (description.type !== 'offer') return;
    const transceiver = this.#pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio');
    if (transceiver) {
      transceiver.direction = 'sendrecv';
      this.#sender = transceiver.sender;
      await this.setTrack(this.#track);
    }
    await this.#describe(await this.#pc.createAnswer());
  }

  /** Sets our offer or answer, tuned for speech, and sends it, then the candidates that waited for it. */
  async #describe(description: RTCSessionDescriptionInit): Promise<void> {
    const tuned = {
      type: description.type,
      sdp: tuneOpus(description.sdp ?? '', this.#bitrate, this.#options.packetMs),
    };
    await this.#pc.setLocalDescription(tuned);
    if (this.#closed) return;
    this.#described = true;
    this.#send({ description: tuned });
    for (const candidate of this.#earlyCandidates.splice(0)) this.#send({ candidate });
  }

  #send(signal: RtcSignal): void {
    // Ended by a refused description: its candidates, which would follow it, are of no use to the peer.
    if (this.#closed) return;
    if (this.#sent.length < MAX_HELD_SIGNALS) this.#sent.push(signal);
    // Without our description the peer can do nothing with this attempt: a new one replaces it (after
    // the offering side's backoff, time for the outbox to drain). A candidate lost costs only itself; an
    // attempt that cannot connect without it ends at the connect timeout.
    if (!this.#trySend(signal) && 'description' in signal) this.#refused();
  }

  /**
   * Sends a signal; false when the room refused it (the session's outbox full). Never throws: this runs
   * from the stack's events and the peer's signals, where a throw would be uncaught.
   */
  #trySend(signal: RtcSignal): boolean {
    try {
      this.#options.send(signal);
      return true;
    } catch {
      return false;
    }
  }

  #refused(): void {
    if (!this.#closed) this.#options.onBroken();
  }
}
