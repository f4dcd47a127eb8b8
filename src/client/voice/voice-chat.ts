import { type Disposer, Emitter } from '../../common/index.js';
import type { RtcPeerConnectionConstructor } from '../../transport/index.js';
import { onBrowserOnline } from '../browser-online.js';
import { onPageShownAfterAway } from '../page-shown.js';
import { icePolicyFor } from '../peer-privacy.js';
import type { RoomConnection } from '../room-connection.js';
import { KeptOfferBudgets } from './kept-offer-budgets.js';
import { closedResult, Microphone, type MicrophoneResult } from './microphone.js';
import { NextGesture } from './next-gesture.js';
import { SpeakingDetector } from './speaking-detector.js';
import { VoicePeer } from './voice-peer.js';
import { chooseVoicePeers } from './voice-peer-choice.js';
import { parseVoiceSignal, type VoiceSignal } from './voice-signal.js';

export type { MicrophoneResult } from './microphone.js';

/** Rooms with more players than this get the large-room voice defaults. */
const LARGE_ROOM = 8;

export interface VoiceOptions {
  /**
   * Opus average bitrate in bits/s, an integer in 6,000..510,000 (16,000-24,000 suits speech). Default
   * 20,000; 16,000 in rooms of more than 8 players, followed by the connections already up as the room
   * grows past 8 or shrinks back.
   */
  bitrate?: number;
  /**
   * Opus packet duration in ms: 20, 40 or 60. Longer packets cut the per-packet header overhead (about
   * 12 kbit/s per peer at 20 ms) by half or two thirds, for 20-40 ms more delay: worth it in large
   * rooms, where every player uploads to many peers. Default 20; 60 in rooms of more than 8 players
   * (a connection already up takes a new default at its next attempt: it needs a negotiation).
   */
  packetMs?: 20 | 40 | 60;
  /**
   * Who gets an audio connection (default: everyone). For proximity or team voice pass it here (e.g.
   * `id => teamOf(id) === myTeam`) and call `refreshPeers()` when it changes. It must be symmetric: a
   * connection needs both ends, so `b` should be audible to `a` exactly when `a` is to `b`.
   */
  audible?: (peerId: string) => boolean;
  /**
   * Most audio connections at once. Default 7 (an 8-player room). With more audible players than this,
   * a choice both ends make the same way picks whom we hear (see `unheard()`); a `problem` tells the player.
   */
  maxPeers?: number;
  /**
   * `'relay'` sends all audio through TURN, keeping players' addresses from each other (a relay-only room
   * forces it). Default `'all'`.
   */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** The RTCPeerConnection class to use (default: the browser's); for tests or a polyfill. */
  RTCPeerConnection?: RtcPeerConnectionConstructor;
}

export interface VoiceEvents {
  /** `peerId` is our own id for the local microphone. */
  speaking: { peerId: string; speaking: boolean };
  /** A problem the player should read; everything else keeps working. */
  problem: { message: string };
  /**
   * The microphone went off without the app asking. `ended`: the browser ended its track (device
   * unplugged, permission withdrawn, another app took the device). Voice is then as after
   * `disableMicrophone()` (peers get silence, no speaking indicator); `enableMicrophone()` asks anew.
   */
  'microphone-lost': { reason: 'ended'; message: string };
}

interface PeerEntry {
  peer: VoicePeer;
  /** Plays the peer; kept across attempts. */
  audio?: HTMLAudioElement;
  detector?: SpeakingDetector;
}

/**
 * Voice chat among the room's players: WebRTC audio on its own connection per peer, independent of the
 * data channels. Listening works without a microphone; talking is opt-in (`enableMicrophone`), with mute,
 * push-to-talk, per-peer volume (on the audio element, so echo cancellation keeps working) and speaking
 * indicators. A connection that breaks is negotiated again by itself (see VoicePeer).
 */
export class VoiceChat {
  readonly #room: RoomConnection;
  readonly #options: VoiceOptions;
  readonly #events = new Emitter<VoiceEvents>();
  readonly #peers = new Map<string, PeerEntry>();
  /**
   * The newest attempt of each member's audio connection, kept when proximity voice drops the peer and
   * when this voice chat closes: a re-added peer, or the room's next voice chat, numbers on from there
   * (see VoicePeer's `lastAttempt`). The room keeps it, and forgets a member when it leaves.
   */
  readonly #lastAttempts: Map<string, number>;
  /** Offer budgets of peers dropped (left, or out of proximity), for their return. */
  readonly #offerBudgets = new KeptOfferBudgets();
  readonly #peerSignals = new Emitter<Record<string, VoiceSignal>>();
  readonly #disposers: Disposer[] = [];
  readonly #ctor: RtcPeerConnectionConstructor | undefined;
  readonly #microphone: Microphone;
  #context: AudioContext | undefined;
  #muted = false;
  #pushToTalk = false;
  #talking = false;
  /** While the room replays recent signals to new peers: they start once it is done. */
  #replaying = true;
  #closed = false;
  readonly #reported = new Set<string>();
  /**
   * Volumes set by `setVolume`, by player: kept for the voice chat's life (a proximity drop throws the
   * peer's audio element away, and a peer may have none yet) and put on every element that plays them.
   */
  readonly #volumes = new Map<string, number>();
  /** Audible players left out by `maxPeers`, as of the last `refreshPeers()`. */
  #unheard: string[] = [];
  /** Whether the Opus settings of the peers are the large room's (see `#followRoomSize`). */
  #large: boolean;
  /**
   * The browser's autoplay policy refused to play a peer (no click or key on the page yet): told once,
   * until a peer plays again. The player's next gesture starts what was refused (see `#unlockAudio`).
   */
  #playbackBlocked = false;
  readonly #nextGesture = new NextGesture(() => this.#unlockAudio());

  constructor(room: RoomConnection, options: VoiceOptions = {}) {
    // Checked before anything is subscribed: a bad value throws from `room.voice()`, not later.
    checkVoiceOptions(options);
    this.#room = room;
    this.#options = options;
    this.#lastAttempts = room.voiceAttempts;
    this.#large = room.members.length > LARGE_ROOM;
    this.#ctor =
      options.RTCPeerConnection ??
      (globalThis as { RTCPeerConnection?: RtcPeerConnectionConstructor }).RTCPeerConnection;
    this.#microphone = new Microphone({
      audioContext: () => this.#audioContext(),
      onSpeaking: (speaking) => this.#events.emit('speaking', { peerId: this.#room.selfId, speaking }),
      onTrackChange: () => this.#applyTrack(),
      onEnded: () =>
        this.#events.emit('microphone-lost', {
          reason: 'ended',
          message: 'The microphone stopped (unplugged, taken by another app, or its permission withdrawn).',
        }),
    });
    this.#disposers.push(
      room.on('member-join', () => this.#membersChanged()),
      room.on('member-leave', ({ playerId }) => {
        this.#drop(playerId);
        this.#lastAttempts.delete(playerId);
        // Above maxPeers the choice depends on who is in the room: one fewer may free a place.
        this.#membersChanged();
      }),
      // A resync's member changes come one by one (see `#membersChanged`): chosen for once they are all in.
      room.on('state', () => {
        this.#followRoomSize();
        this.refreshPeers();
      }),
      room.on('leave', () => this.close()),
    );
    // Peers first: the replay of signals that came before this voice chat (a peer's offer) needs them.
    // They start after it, so that an answering peer asks for an offer only when none was replayed.
    this.refreshPeers();
    this.#disposers.push(
      room.consumeSignals(({ from, signal }) => {
        const parsed = parseVoiceSignal(signal);
        if (parsed) this.#peerSignals.emit(from, parsed);
      }),
    );
    this.#replaying = false;
    for (const { peer } of this.#peers.values()) peer.start();
    this.#watchOnline();
  }

  /**
   * True once closed (by `close()`, or because the room was left): it does nothing more. While the room
   * is still joined, `room.voice()` then makes a new voice chat.
   */
  get closed(): boolean {
    return this.#closed;
  }

  get supported(): boolean {
    return (
      this.#ctor !== undefined && typeof (globalThis as { MediaStream?: unknown }).MediaStream === 'function'
    );
  }

  on<E extends keyof VoiceEvents>(event: E, listener: (payload: VoiceEvents[E]) => void): Disposer {
    return this.#events.on(event, listener);
  }

  /**
   * Asks for the microphone (echo cancellation, noise suppression, gain control on) and starts sending.
   * Asking again opens it anew (the stream before is stopped first); while the browser's prompt is open,
   * asking again shares the pending answer.
   */
  async enableMicrophone(): Promise<MicrophoneResult> {
    // Closed is the answer whatever the page could do: the app closed it (see `closed`).
    if (this.#closed) return closedResult();
    const page = globalThis as { navigator?: { mediaDevices?: MediaDevices }; isSecureContext?: boolean };
    const media = page.navigator?.mediaDevices;
    if (!this.supported || !media?.getUserMedia) {
      // Browsers hide the microphone from pages not served over https (but localhost): the player's
      // browser may well have it, and the page's address is what to change.
      const message =
        page.isSecureContext === false
          ? 'The microphone needs this page to be served over https; you can still listen and play.'
          : 'Voice chat is not available in this browser; you can still listen and play.';
      this.#events.emit('problem', { message });
      return { ok: false, reason: 'unsupported', message };
    }
    const result = await this.#microphone.open(media);
    // Closed or turned off meanwhile: the caller did that, so it is no problem to tell the player.
    if (!result.ok && result.reason !== 'closed' && result.reason !== 'cancelled') {
      this.#events.emit('problem', { message: result.message });
    }
    return result;
  }

  disableMicrophone(): void {
    this.#microphone.stop();
  }

  /** Mutes our microphone (others hear silence; with DTX, almost nothing is sent). */
  setMuted(muted: boolean): void {
    this.#muted = muted;
    this.#applyTrack();
  }

  /**
   * In push-to-talk mode we are heard only while `talk(true)` holds. Turning it on starts silent: a
   * `talk(true)` from before (the key's state while push-to-talk was off) does not hold over.
   */
  setPushToTalk(enabled: boolean): void {
    if (enabled && !this.#pushToTalk) this.#talking = false;
    this.#pushToTalk = enabled;
    this.#applyTrack();
  }

  talk(active: boolean): void {
    this.#talking = active;
    this.#applyTrack();
  }

  /**
   * Volume of one player's voice, 0..1 (0 mutes them for us). Holds for that player for the voice
   * chat's life: set before their audio arrives, across new attempts, proximity drops and re-adds, and
   * a leave and rejoin. Not a number: ignored.
   */
  setVolume(peerId: string, volume: number): void {
    if (Number.isNaN(volume)) return;
    const clamped = Math.min(1, Math.max(0, volume));
    this.#volumes.set(peerId, clamped);
    const audio = this.#peers.get(peerId)?.audio;
    if (audio) audio.volume = clamped;
  }

  /** The volume `setVolume` set for a player; 1 when never set. */
  volume(peerId: string): number {
    return this.#volumes.get(peerId) ?? 1;
  }

  isSpeaking(peerId: string): boolean {
    if (peerId === this.#room.selfId) return this.#microphone.speaking;
    return this.#peers.get(peerId)?.detector?.speaking ?? false;
  }

  /**
   * WebRTC stats of the audio connection to a peer (inbound packets, audio level); undefined when there
   * is none, including between two attempts.
   */
  stats(peerId: string): Promise<RTCStatsReport> | undefined {
    return this.#peers.get(peerId)?.peer.stats();
  }

  /**
   * Offers from a peer, and its requests for one (`offerMe`), ignored for coming too fast (more than a
   * few at once, then one every 2 s): a peer that sends them so is misbehaving (see peer-offer-budget.ts).
   * 0 for a peer we have no voice with.
   */
  ignoredOffers(peerId: string): number {
    return this.#peers.get(peerId)?.peer.ignoredOffers ?? 0;
  }

  /**
   * Re-applies `audible` and `maxPeers` to the room's current members. Above `maxPeers` audible players,
   * the ones we connect to are chosen so that they choose us too (see chooseVoicePeers): the rest are
   * `unheard()`, and a `problem` says so when that starts.
   */
  refreshPeers(): void {
    if (!this.supported || this.#closed) return;
    const selfId = this.#room.selfId;
    const candidates = this.#room.members
      .map((member) => member.playerId)
      .filter((id) => id !== selfId && (this.#options.audible?.(id) ?? true));
    const maxPeers = this.#options.maxPeers ?? 7;
    const wanted = chooseVoicePeers(selfId, candidates, maxPeers);
    const wasCapped = this.#unheard.length > 0;
    this.#unheard = candidates.filter((id) => !wanted.includes(id));
    if (this.#unheard.length > 0 && !wasCapped) this.#reportCap(candidates.length, wanted.length, maxPeers);
    for (const peerId of [...this.#peers.keys()]) if (!wanted.includes(peerId)) this.#drop(peerId);
    // A `speaking` listener told that a dropped peer went quiet may have closed voice: connecting now
    // would leave connections and their timers behind, which nothing closes any more.
    if (this.#closed) return;
    for (const peerId of wanted) if (!this.#peers.has(peerId)) this.#connect(peerId);
  }

  /**
   * Players we would hear (in the room, and `audible`) but have no audio connection to, because there
   * are more of them than `maxPeers`. Empty when we hear everyone audible.
   */
  unheard(): string[] {
    return [...this.#unheard];
  }

  /**
   * The network came back: negotiates every audio connection that is not connected again, now. Called
   * by itself on the browser's `online` event.
   */
  retry(): void {
    for (const { peer } of this.#peers.values()) peer.retry();
  }

  /**
   * Hangs up every audio connection and stops the microphone, for good: this voice chat does nothing
   * more. The room stays joined; `room.voice()` then makes a new voice chat, which negotiates audio with
   * every peer again (voice off and on).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const dispose of this.#disposers.splice(0)) dispose();
    for (const peerId of [...this.#peers.keys()]) this.#drop(peerId);
    this.#microphone.close();
    this.#nextGesture.disarm();
    void this.#context?.close().catch(() => {});
    this.#events.removeAll();
  }

  #connect(peerId: string): void {
    const ctor = this.#ctor;
    if (!ctor) return;
    const iceServers = this.#room.iceServers();
    const { iceTransportPolicy, usable } = icePolicyFor(
      this.#room.peerPrivacy,
      iceServers,
      this.#options.iceTransportPolicy,
    );
    if (!usable) {
      this.#reportOnce(
        this.#room.peerPrivacy === 'relay-only'
          ? "Voice needs a TURN server here: this room hides players' addresses from each other."
          : "Voice needs a TURN server here: it was set to hide players' addresses (iceTransportPolicy 'relay'), and the server offers none.",
      );
      return;
    }
    const lastAttempt = this.#lastAttempts.get(peerId);
    const entry: PeerEntry = {
      peer: new VoicePeer({
        clock: this.#room.clock,
        RTCPeerConnection: ctor,
        iceServers: () => this.#room.iceServers(),
        ...(iceTransportPolicy ? { iceTransportPolicy } : {}),
        offerer: this.#room.selfId < peerId,
        ...this.#audioSettings(),
        ...(lastAttempt !== undefined ? { lastAttempt } : {}),
        peerOffers: this.#offerBudgets.take(peerId, this.#room.clock.now()),
        sendSignal: (signal) => this.#room.signal(peerId, signal),
        onSignal: (listener) => this.#peerSignals.on(peerId, listener),
        onRemoteStream: (stream) => this.#play(peerId, entry, stream),
        onRefused: (name) =>
          this.#reportOnce(`Voice could not open an audio connection: the browser refused (${name}).`),
      }),
    };
    this.#peers.set(peerId, entry);
    void entry.peer.setTrack(this.#sendingTrack());
    if (!this.#replaying) entry.peer.start();
  }

  /**
   * A member joined or left: the peers are chosen again for the room now, unless a resync is telling its
   * changes one by one. The members in between are a set the room never had, and near `maxPeers` a choice
   * among them could open a connection only to drop it at the next change: `state` follows them all.
   */
  #membersChanged(): void {
    if (this.#room.resyncing) return;
    this.#followRoomSize();
    this.refreshPeers();
  }

  /**
   * Opus settings for the room's size now. Above 8 players every one uploads to up to 7 voice peers plus
   * 15 data links: fewer, longer packets and a lower rate keep a player's upload near 600 kbit/s
   * (BENCHMARKS.md).
   */
  #audioSettings(): { bitrate: number; packetMs: 20 | 40 | 60 } {
    const large = this.#room.members.length > LARGE_ROOM;
    return {
      bitrate: this.#options.bitrate ?? (large ? 16_000 : 20_000),
      packetMs: this.#options.packetMs ?? (large ? 60 : 20),
    };
  }

  /**
   * The room crossed LARGE_ROOM: the peers it has take the settings of its new size, or those made
   * while it was small would keep uploading at the small room's rate (see VoicePeer.setAudio).
   */
  #followRoomSize(): void {
    const large = this.#room.members.length > LARGE_ROOM;
    if (large === this.#large) return;
    this.#large = large;
    const { bitrate, packetMs } = this.#audioSettings();
    for (const { peer } of this.#peers.values()) peer.setAudio(bitrate, packetMs);
  }

  /** Plays a peer's stream; a new attempt's stream replaces the one before on the same element. */
  #play(peerId: string, entry: PeerEntry, stream: MediaStream): void {
    this.#stopDetector(peerId, entry);
    // Its `speaking: false` may have had the app close voice or drop this peer: nothing is to play then.
    if (this.#closed || this.#peers.get(peerId) !== entry) return;
    if (!entry.audio) {
      entry.audio = new Audio();
      entry.audio.autoplay = true;
      entry.audio.volume = this.volume(peerId);
    }
    entry.audio.srcObject = stream;
    this.#startPlaying(entry.audio);
    try {
      entry.detector = new SpeakingDetector(this.#audioContext(), stream, (speaking) =>
        this.#events.emit('speaking', { peerId, speaking }),
      );
    } catch {
      // No Web Audio here (turned off, or an embedder without it): the peer is heard, with no speaking
      // indicator, as the microphone does without it. Thrown, it left the browser's `ontrack` every attempt.
    }
  }

  #startPlaying(audio: HTMLAudioElement): void {
    audio.play().then(
      () => {
        this.#playbackBlocked = false;
      },
      (error: unknown) => this.#playRefused(error),
    );
  }

  /**
   * Only NotAllowedError is the autoplay policy. An AbortError is a play() cut short by the element's
   * stream being replaced (a new attempt) or taken away (the peer dropped): no problem of the player's.
   */
  #playRefused(error: unknown): void {
    if ((error as { name?: unknown } | undefined)?.name !== 'NotAllowedError' || this.#closed) return;
    this.#nextGesture.arm();
    if (this.#playbackBlocked) return;
    this.#playbackBlocked = true;
    this.#events.emit('problem', {
      message: 'The browser blocked audio playback: click anywhere to hear voices.',
    });
  }

  /**
   * The player clicked or pressed a key: the browser now lets the page play sound, but starts nothing it
   * refused before by itself, neither a peer's audio element nor a suspended AudioContext (whose speaking
   * indicators would stay dark).
   */
  #unlockAudio(): void {
    if (this.#closed) return;
    if (this.#context?.state === 'suspended') void this.#context.resume().catch(() => {});
    for (const { audio } of this.#peers.values()) if (audio?.srcObject) this.#startPlaying(audio);
  }

  #drop(peerId: string): void {
    const entry = this.#peers.get(peerId);
    if (!entry) return;
    this.#peers.delete(peerId);
    if (entry.audio) entry.audio.srcObject = null;
    entry.peer.close();
    this.#lastAttempts.set(peerId, entry.peer.attempt);
    this.#offerBudgets.keep(peerId, entry.peer.peerOffers, this.#room.clock.now());
    // Last: its `speaking: false` runs the app's listener, which may close voice or change its peers.
    this.#stopDetector(peerId, entry);
  }

  /**
   * A stopped detector reports nothing more: a peer speaking when it stops (it left, proximity dropped
   * it, or a new attempt brings a new stream) would keep its speaking indicator lit without this.
   */
  #stopDetector(peerId: string, entry: PeerEntry): void {
    const wasSpeaking = entry.detector?.speaking ?? false;
    entry.detector?.stop();
    entry.detector = undefined;
    if (wasSpeaking) this.#events.emit('speaking', { peerId, speaking: false });
  }

  #sendingTrack(): MediaStreamTrack | null {
    const track = this.#microphone.track;
    if (!track) return null;
    track.enabled = !this.#muted && (!this.#pushToTalk || this.#talking);
    return track;
  }

  /** VoicePeer.setTrack settles without rejecting: a peer closed meanwhile simply sends nothing. */
  #applyTrack(): void {
    const track = this.#sendingTrack();
    for (const { peer } of this.#peers.values()) void peer.setTrack(track);
  }

  /**
   * The browser says the network is back, or the page is shown after long enough away for its peers to
   * have given its audio connections up: those can be had again now.
   */
  #watchOnline(): void {
    this.#disposers.push(
      onBrowserOnline(() => this.retry()),
      onPageShownAfterAway(this.#room.clock, () => this.retry()),
    );
  }

  #audioContext(): AudioContext {
    this.#context ??= new AudioContext();
    // Created outside a click it may start suspended, and then the speaking indicators would stay dark:
    // resumed now if the page may play sound, else at the player's next gesture.
    if (this.#context.state === 'suspended') {
      void this.#context.resume().catch(() => {});
      this.#nextGesture.arm();
    }
    return this.#context;
  }

  /**
   * Told a microtask later: the first choice is made in the constructor, before the app could listen.
   * Again only after the player has heard every audible player in between.
   */
  #reportCap(audible: number, heard: number, maxPeers: number): void {
    const message =
      `${audible} players could be heard, but voice connects to at most ${maxPeers}: ` +
      `you hear ${heard} of them.`;
    queueMicrotask(() => {
      if (!this.#closed) this.#events.emit('problem', { message });
    });
  }

  /**
   * A problem that would repeat for every peer is told once, a microtask later: it is found first in the
   * constructor (choosing the peers), before the app could listen, and told then it would be lost for good.
   */
  #reportOnce(message: string): void {
    if (this.#reported.has(message)) return;
    this.#reported.add(message);
    queueMicrotask(() => {
      if (!this.#closed) this.#events.emit('problem', { message });
    });
  }
}

/** Opus's whole range of average bitrates (bits/s), written into the SDP as an integer (maxaveragebitrate). */
const MIN_BITRATE = 6_000;
const MAX_BITRATE = 510_000;

const POLICIES: readonly unknown[] = ['all', 'relay'] satisfies RTCIceTransportPolicy[];

/**
 * Throws a RangeError naming the first option no voice chat could work with, or a TypeError for one of
 * the wrong type. Unchecked, those threw later: an ICE policy from the browser's RTCPeerConnection at
 * every attempt, an `audible` that is no function from the constructor after it had subscribed to the
 * room (a voice chat half made, listening there for good).
 */
function checkVoiceOptions(options: VoiceOptions): void {
  const { bitrate, packetMs, maxPeers, audible, iceTransportPolicy, RTCPeerConnection } = options;
  if (
    bitrate !== undefined &&
    !(Number.isInteger(bitrate) && bitrate >= MIN_BITRATE && bitrate <= MAX_BITRATE)
  ) {
    throw new RangeError(`bitrate must be an integer number of bits/s in ${MIN_BITRATE}..${MAX_BITRATE}`);
  }
  if (packetMs !== undefined && packetMs !== 20 && packetMs !== 40 && packetMs !== 60) {
    throw new RangeError('packetMs must be 20, 40 or 60');
  }
  if (maxPeers !== undefined && !(Number.isInteger(maxPeers) && maxPeers >= 1)) {
    throw new RangeError('maxPeers must be a positive integer');
  }
  if (audible !== undefined && typeof audible !== 'function') {
    throw new TypeError('audible must be a function (peerId) => boolean');
  }
  if (iceTransportPolicy !== undefined && !POLICIES.includes(iceTransportPolicy)) {
    throw new TypeError("iceTransportPolicy must be 'all' or 'relay'");
  }
  if (RTCPeerConnection !== undefined && typeof RTCPeerConnection !== 'function') {
    throw new TypeError("RTCPeerConnection must be a constructor (the browser's, or a polyfill)");
  }
}
