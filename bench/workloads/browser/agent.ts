/**
 * Runs inside the benchmark's Chromium pages (bundled by esbuild, see page.ts): joins rooms with the real
 * browser client, sends and records `phys` samples, fires `dispatch` bursts and reads WebRTC stats.
 * Exposed as `globalThis.benchAgent`; the Node side drives it with `page.evaluate`.
 *
 * Times are `performance.timeOrigin + performance.now()`: every page of the benchmark lives in one
 * Chromium on one machine, so this is one clock; the Node side checks the offset between two pages with
 * a ping-pong over the direct link (`clockCheck`).
 */
import { Channel, Client, type MeshOptions, type PeerMesh, type RoomConnection } from 'vehikill-net/client';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SAMPLE = 0;
const PING = 1;
const PONG = 2;

/** One received `phys` sample: sequence number, send time (sender's clock), arrival time. */
export type Arrival = [seq: number, sentAt: number, arrivedAt: number];

interface Session {
  client: Client;
  room: RoomConnection;
  mesh: PeerMesh;
  arrivals: Arrival[];
  /** Per dispatch burst: arrival time of its last message. */
  burstDone: Map<number, number>;
  rejected: number;
  /** Link state changes seen (`peer:state`), so a run can tell whether its path stayed put. */
  stateChanges: string[];
  pongs: Array<{ t1: number; t2: number; t3: number }>;
}

export interface OpenOptions {
  roomId?: string;
  /** false: relay only (`rtc: false`). */
  direct: boolean;
  maxClients?: number;
  maxMeshSize?: number;
  peerMessagesPerSecond?: number;
}

export interface PhysRun {
  /** Sessions to send on (the same bytes go out on each at the same moment). */
  labels: string[];
  /** Peer to send to (per label), or every peer of the mesh when absent. */
  to?: Record<string, string>;
  hz: number;
  seconds: number;
  bytes: number;
  /** Fire a dispatch burst on `labels[0]` to `to[labels[0]]` this often (ms), starting after one period. */
  burst?: { everyMs: number; count: number; size: number };
}

export interface PhysRunResult {
  sent: number;
  /** Send time of every sample, by sequence number. */
  sentAt: number[];
  /** Sender-clock start of each dispatch burst. */
  burstStarts: number[];
  /** How many dispatch sends the link refused. */
  burstRefused: number;
  /** Time the sending page spent in the send calls of each burst (ms). */
  burstQueueMs: number[];
  /** Worst gap between two sample ticks (ms): timer starvation in the sending page shows here. */
  worstTickGapMs: number;
}

/** Byte counters of one tracked RTCPeerConnection (`id` is stable for the page's life). */
export interface ConnectionStats {
  id: number;
  kind: 'data' | 'voice';
  state: RTCPeerConnectionState;
  /** Transport `bytesSent`: the UDP payloads this connection sent (DTLS/SCTP or SRTP/SRTCP, STUN). */
  bytesSent: number;
  /** The selected candidate pair's `packetsSent`. */
  packetsSent: number;
  /** outbound-rtp `bytesSent`: audio RTP payload (Opus frames). */
  rtpPayloadBytes: number;
  /** outbound-rtp `headerBytesSent`: RTP headers and extensions. */
  rtpHeaderBytes: number;
}

export interface StatsSnapshot {
  at: number;
  /** Phys samples broadcast so far by the phys loop. */
  physSent: number;
  /** Links of the `mesh` session by state. */
  linkStates: Record<string, number>;
  /** Every connection not closed. */
  connections: ConnectionStats[];
}

const sessions = new Map<string, Session>();

/**
 * Worst main-thread stall of this page since the last reset: a 10 ms interval timer that fires late
 * by more than its period means the page was busy (e.g. handling 2,000 dispatch messages).
 */
const stall = { worstMs: 0, last: performance.now() };
setInterval(() => {
  const at = performance.now();
  stall.worstMs = Math.max(stall.worstMs, at - stall.last - 10);
  stall.last = at;
}, 10);
const tracked: Array<{ id: number; kind: 'data' | 'voice'; pc: RTCPeerConnection }> = [];

/** RTCPeerConnection subclasses that remember their instances, so getStats can be read for each. */
function trackingConstructor(kind: 'data' | 'voice'): typeof RTCPeerConnection {
  return class extends RTCPeerConnection {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      tracked.push({ id: tracked.length, kind, pc: this });
    }
  };
}

function session(label: string): Session {
  const found = sessions.get(label);
  if (!found) throw new Error(`no session ${label}`);
  return found;
}

async function open(label: string, options: OpenOptions): Promise<{ roomId: string; playerId: string }> {
  const client = new Client();
  await client.connect();
  const room = options.roomId
    ? await client.join(options.roomId)
    : await client.create('bench', { options: { maxClients: options.maxClients ?? 8 } });
  const meshOptions: MeshOptions = {
    rtc: options.direct ? { RTCPeerConnection: trackingConstructor('data') } : false,
    directTimeoutMs: 20_000,
    ...(options.maxMeshSize ? { maxMeshSize: options.maxMeshSize } : {}),
    ...(options.peerMessagesPerSecond ? { peerMessagesPerSecond: options.peerMessagesPerSecond } : {}),
  };
  const mesh = room.mesh(meshOptions);
  const s: Session = {
    client,
    room,
    mesh,
    arrivals: [],
    burstDone: new Map(),
    rejected: 0,
    stateChanges: [],
    pongs: [],
  };
  mesh.on('rejected', ({ count }) => {
    s.rejected += count;
  });
  mesh.on('peer-state', ({ peerId, state }) => s.stateChanges.push(`${peerId}:${state}`));
  mesh.on('message', ({ from, channel, bytes }) => {
    const arrivedAt = now();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (channel === Channel.dispatch) {
      if (bytes.byteLength < 12) return;
      const burst = view.getUint32(0);
      const index = view.getUint32(4);
      const count = view.getUint32(8);
      if (index === count - 1) s.burstDone.set(burst, arrivedAt);
      return;
    }
    if (channel !== Channel.phys || bytes.byteLength < 32) return;
    const kind = bytes[0];
    if (kind === SAMPLE) s.arrivals.push([view.getUint32(4), view.getFloat64(8), arrivedAt]);
    else if (kind === PING) {
      const pong = new Uint8Array(32);
      const out = new DataView(pong.buffer);
      pong[0] = PONG;
      out.setFloat64(8, view.getFloat64(8));
      out.setFloat64(16, now());
      mesh.send(from, Channel.phys, pong);
    } else if (kind === PONG) {
      s.pongs.push({ t1: view.getFloat64(8), t2: view.getFloat64(16), t3: arrivedAt });
    }
  });
  sessions.set(label, s);
  return { roomId: room.roomId, playerId: client.playerId ?? '' };
}

/** Link states of a session's mesh, by peer id. */
function links(label: string): Record<string, string> {
  return Object.fromEntries(
    session(label)
      .mesh.peers()
      .map((link) => [link.peerId, link.state]),
  );
}

/**
 * Estimates (peer clock − our clock) with `count` pings over phys: for the ping with the shortest round
 * trip, offset = t2 − (t1 + t3) / 2, good to ± half that round trip.
 */
async function clockCheck(label: string, peerId: string, count: number) {
  const s = session(label);
  s.pongs = [];
  for (let i = 0; i < count; i++) {
    const ping = new Uint8Array(32);
    ping[0] = PING;
    new DataView(ping.buffer).setFloat64(8, now());
    s.mesh.send(peerId, Channel.phys, ping);
    await sleep(20);
  }
  await sleep(200);
  const best = s.pongs.sort((a, b) => a.t3 - a.t1 - (b.t3 - b.t1))[0];
  if (!best) return { offsetMs: Number.NaN, rttMs: Number.NaN, pongs: 0 };
  return { offsetMs: best.t2 - (best.t1 + best.t3) / 2, rttMs: best.t3 - best.t1, pongs: s.pongs.length };
}

/** Starts recording afresh (clears what arrived so far). */
function resetArrivals(label: string): void {
  const s = session(label);
  s.arrivals = [];
  s.burstDone.clear();
  s.rejected = 0;
  s.stateChanges = [];
  stall.worstMs = 0;
}

function arrivals(label: string): {
  arrivals: Arrival[];
  burstDone: Array<[number, number]>;
  rejected: number;
  stateChanges: string[];
  worstStallMs: number;
} {
  const s = session(label);
  return {
    worstStallMs: stall.worstMs,
    arrivals: s.arrivals,
    burstDone: [...s.burstDone],
    rejected: s.rejected,
    stateChanges: s.stateChanges,
  };
}

/** Sends `phys` samples at `hz` for `seconds`, on schedule (each tick aimed at start + i / hz). */
async function sendPhys(run: PhysRun): Promise<PhysRunResult> {
  const total = Math.round(run.hz * run.seconds);
  const period = 1000 / run.hz;
  const burstStarts: number[] = [];
  const sentAt: number[] = [];
  const burstQueueMs: number[] = [];
  let burstRefused = 0;
  let nextBurst = run.burst ? run.burst.everyMs : Number.POSITIVE_INFINITY;
  let worstTickGapMs = 0;
  let lastTick = Number.NaN;
  const start = performance.now();
  for (let seq = 0; seq < total; seq++) {
    const wait = start + seq * period - performance.now();
    if (wait > 0) await sleep(wait);
    const tick = performance.now();
    if (!Number.isNaN(lastTick)) worstTickGapMs = Math.max(worstTickGapMs, tick - lastTick);
    lastTick = tick;
    const sample = new Uint8Array(run.bytes);
    const view = new DataView(sample.buffer);
    sample[0] = SAMPLE;
    view.setUint32(4, seq);
    sentAt.push(now());
    view.setFloat64(8, sentAt[seq]!);
    for (const label of run.labels) {
      const s = session(label);
      const to = run.to?.[label];
      if (to) s.mesh.send(to, Channel.phys, sample);
      else s.mesh.broadcast(Channel.phys, sample);
    }
    if (run.burst && tick - start >= nextBurst) {
      nextBurst += run.burst.everyMs;
      const label = run.labels[0] ?? '';
      const to = run.to?.[label] ?? '';
      const id = burstStarts.length;
      burstStarts.push(now());
      for (let index = 0; index < run.burst.count; index++) {
        const message = new Uint8Array(run.burst.size);
        const out = new DataView(message.buffer);
        out.setUint32(0, id);
        out.setUint32(4, index);
        out.setUint32(8, run.burst.count);
        if (!session(label).mesh.send(to, Channel.dispatch, message)) burstRefused++;
      }
      burstQueueMs.push(now() - (burstStarts[id] ?? 0));
    }
  }
  return { sent: total, sentAt, burstStarts, burstQueueMs, burstRefused, worstTickGapMs };
}

let physLoop: { stop: boolean; sent: number; late: number } | undefined;

/**
 * Broadcasts `bytes`-byte phys samples at `hz` until `stopPhysLoop()`. A tick the page could not run in
 * time is skipped, not made up with a burst (a game loop does the same): `sent` then falls short of hz.
 */
function startPhysLoop(label: string, hz: number, bytes: number): void {
  const loop = { stop: false, sent: 0, late: 0 };
  physLoop = loop;
  const mesh = session(label).mesh;
  const period = 1000 / hz;
  const start = performance.now();
  let tickNumber = 0;
  const tick = () => {
    if (loop.stop) return;
    const sample = new Uint8Array(bytes);
    const view = new DataView(sample.buffer);
    view.setUint32(4, loop.sent);
    view.setFloat64(8, now());
    mesh.broadcast(Channel.phys, sample);
    loop.sent++;
    const due = Math.floor((performance.now() - start) / period) + 1;
    if (due > tickNumber + 1) loop.late += due - tickNumber - 1;
    tickNumber = Math.max(tickNumber + 1, due);
    setTimeout(tick, start + tickNumber * period - performance.now());
  };
  tick();
}

function stopPhysLoop(): number {
  if (physLoop) physLoop.stop = true;
  return physLoop?.sent ?? 0;
}

/** Starts voice chat on a session with the fake microphone; resolves with the microphone result. */
async function startVoice(label: string, bitrate: number, maxPeers: number, packetMs: 20 | 40 | 60) {
  const voice = session(label).room.voice({
    bitrate,
    maxPeers,
    packetMs,
    RTCPeerConnection: trackingConstructor('voice'),
  });
  return voice.enableMicrophone();
}

function muteVoice(label: string, muted: boolean): void {
  session(label).room.voice().setMuted(muted);
}

async function connectionStats(id: number, kind: 'data' | 'voice', pc: RTCPeerConnection) {
  const entry: ConnectionStats = {
    id,
    kind,
    state: pc.connectionState,
    bytesSent: 0,
    packetsSent: 0,
    rtpPayloadBytes: 0,
    rtpHeaderBytes: 0,
  };
  const report = await pc.getStats();
  const selected = new Set<string>();
  for (const stat of report.values()) {
    if (stat.type === 'transport') {
      entry.bytesSent += stat.bytesSent ?? 0;
      if (stat.selectedCandidatePairId) selected.add(stat.selectedCandidatePairId);
    }
    if (stat.type === 'outbound-rtp') {
      entry.rtpPayloadBytes += stat.bytesSent ?? 0;
      entry.rtpHeaderBytes += stat.headerBytesSent ?? 0;
    }
  }
  for (const pairId of selected) entry.packetsSent += report.get(pairId)?.packetsSent ?? 0;
  return entry;
}

async function stats(): Promise<StatsSnapshot> {
  const at = now();
  const open = tracked.filter(({ pc }) => pc.connectionState !== 'closed');
  const connections = await Promise.all(open.map(({ id, kind, pc }) => connectionStats(id, kind, pc)));
  const linkStates: Record<string, number> = {};
  for (const link of sessions.get('mesh')?.mesh.peers() ?? [])
    linkStates[link.state] = (linkStates[link.state] ?? 0) + 1;
  return { at, physSent: physLoop?.sent ?? 0, linkStates, connections };
}

/** Cheap state check (no getStats): mesh link states and voice connection states, by state. */
function health(): { links: Record<string, number>; voice: Record<string, number> } {
  const links: Record<string, number> = {};
  for (const link of sessions.get('mesh')?.mesh.peers() ?? [])
    links[link.state] = (links[link.state] ?? 0) + 1;
  const voice: Record<string, number> = {};
  for (const { pc } of tracked.filter(({ kind }) => kind === 'voice'))
    voice[pc.connectionState] = (voice[pc.connectionState] ?? 0) + 1;
  return { links, voice };
}

/** Inbound audio packets from every voice peer (is audio flowing?). */
async function inboundAudioPackets(): Promise<number[]> {
  const counts: number[] = [];
  for (const { pc } of tracked.filter(({ kind }) => kind === 'voice')) {
    if (pc.connectionState === 'closed') continue;
    let packets = 0;
    for (const entry of (await pc.getStats()).values())
      if (entry.type === 'inbound-rtp' && entry.kind === 'audio') packets += entry.packetsReceived ?? 0;
    counts.push(packets);
  }
  return counts;
}

export const benchAgent = {
  open,
  links,
  clockCheck,
  resetArrivals,
  arrivals,
  sendPhys,
  startPhysLoop,
  stopPhysLoop,
  startVoice,
  muteVoice,
  stats,
  health,
  inboundAudioPackets,
  visibility: () => document.visibilityState,
};
export type BenchAgent = typeof benchAgent;

Object.assign(globalThis, { benchAgent });
