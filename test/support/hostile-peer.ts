import { RTCPeerConnection } from 'node-datachannel/polyfill';
import type { Client, Disposer, MeshOptions, RoomConnection } from 'vehikill-net/client';
import { Channel } from 'vehikill-net/client';
import { afterAll, beforeAll } from 'vitest';
import { PEER_OFFER_BURST, PEER_OFFERS_PER_SECOND } from '../../src/client/peer-offer-budget.js';
import { encodeBeat } from '../../src/transport/keepalive.js';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { eventually, sleep, startServer, type TestServer } from './server.js';

/** The WebRTC settings of an honest mesh in Node, on loopback. */
export const loopbackRtc: NonNullable<Exclude<MeshOptions['rtc'], false>> = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

/** The data channels a mesh link negotiates (see src/transport/channels.ts and rtc-link.ts). */
export const MESH_CHANNELS = {
  phys: { negotiated: true, id: 0, ordered: false, maxRetransmits: 0 },
  event: { negotiated: true, id: 1, ordered: false, maxPacketLifeTime: 250 },
  dispatch: { negotiated: true, id: 2, ordered: true },
  control: { negotiated: true, id: 3, ordered: false, maxRetransmits: 0 },
} as const satisfies Record<string, RTCDataChannelInit>;

export type MeshChannelName = keyof typeof MESH_CHANNELS;

/**
 * A hostile player's own client talking straight to a victim's mesh over WebRTC: no PeerMesh of its own,
 * just a room (for signaling) and a raw RTCPeerConnection with the mesh's negotiated channels, through
 * which a test writes whatever bytes it likes.
 */
export interface HostilePeer {
  room: RoomConnection;
  pc: RTCPeerConnection;
  channels: Record<MeshChannelName, RTCDataChannel>;
  /** Sends the victim a signal as a mesh would (`{ n, o, signal }`), through the server. */
  signal(signal: unknown): void;
  close(): void;
}

/**
 * Opens a direct link to `victimId` as the offering side of attempt `attempt` (above any the victim's
 * mesh has opened, so it answers), with the mesh's four channels, or `channels` instead.
 */
export async function hostilePeerTo(
  room: RoomConnection,
  victimId: string,
  options: HostilePeerOptions = {},
): Promise<HostilePeer> {
  // libdatachannel in Node now and then fails a handshake between two connections of one process (see
  // PeerLink's FAST_FAILURE_MS), the more often the busier the machine: a failed one is tried again. The
  // next try's number is far above this one: a victim that starts attempts itself retries a failed one
  // under the next number, and an offer of that same number from this side would be a collision it wins.
  const first = options.attempt ?? 100;
  for (let tries = 1; ; tries++) {
    // The victim acts on PEER_OFFER_BURST offers at once, then one every 2 s: later tries wait their turn.
    if (tries > PEER_OFFER_BURST) await sleep(1_000 / PEER_OFFERS_PER_SECOND + 100);
    const n = first + (tries - 1) * 100;
    const peer = await tryHostilePeer(room, victimId, n, options.channels).catch((error: Error) => error);
    if (!(peer instanceof Error)) return peer;
    console.warn(`hostile peer: ${peer.message}`);
    if (tries >= HOSTILE_TRIES) throw peer;
  }
}

/** How many times a hostile peer tries to connect before its test fails. */
const HOSTILE_TRIES = 6;

export interface HostilePeerOptions {
  /** The attempt number it offers under (default 100). */
  attempt?: number;
  /** Channel settings instead of the mesh's. */
  channels?: Partial<Record<MeshChannelName, RTCDataChannelInit>>;
}

async function tryHostilePeer(
  room: RoomConnection,
  victimId: string,
  n: number,
  channelInits: HostilePeerOptions['channels'],
): Promise<HostilePeer> {
  const pc = new RTCPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration);
  const signal = (payload: unknown) => room.signal(victimId, payload);
  // Candidates can come before setLocalDescription resolves; sent ahead of the offer, the victim would
  // take them for an attempt it never saw and drop them. They wait for the offer.
  const candidates: RTCIceCandidateInit[] = [];
  let offered = false;
  const sendCandidate = (candidate: RTCIceCandidateInit) => signal({ n, o: true, signal: { candidate } });
  pc.onicecandidate = (event) => {
    if (!event.candidate) return;
    if (offered) sendCandidate(event.candidate.toJSON());
    else candidates.push(event.candidate.toJSON());
  };
  const channels = {} as Record<MeshChannelName, RTCDataChannel>;
  for (const name of Object.keys(MESH_CHANNELS) as MeshChannelName[]) {
    channels[name] = pc.createDataChannel(name, channelInits?.[name] ?? MESH_CHANNELS[name]);
    channels[name].binaryType = 'arraybuffer';
  }
  const dispose: Disposer = room.consumeSignals(({ from, signal: raw }) => {
    const answer = raw as {
      n?: number;
      o?: boolean;
      signal?: { description?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit };
    };
    // The victim's own offers (`o` set) are for attempts of its own, which this side never answers.
    if (from !== victimId || answer.n !== n || answer.o === true || !answer.signal) return;
    if (answer.signal.description) void pc.setRemoteDescription(answer.signal.description).catch(() => {});
    else if (answer.signal.candidate) void pc.addIceCandidate(answer.signal.candidate).catch(() => {});
  });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  signal({ n, o: true, signal: { description: { type: 'offer', sdp: pc.localDescription?.sdp } } });
  offered = true;
  for (const candidate of candidates.splice(0)) sendCandidate(candidate);
  try {
    await eventually(
      () => {
        if (pc.connectionState === 'failed' || pc.connectionState === 'closed') throw new Error('failed');
        return Object.values(channels).every((channel) => channel.readyState === 'open');
      },
      'the hostile peer’s channels open',
      6_000,
    );
  } catch (error) {
    // What a failed try looked like, for the log of a run where every try failed.
    const open = Object.entries(channels).map(([name, channel]) => `${name}=${channel.readyState}`);
    (error as Error).message +=
      ` (attempt ${n}: connection ${pc.connectionState}, ICE ${pc.iceConnectionState}, ${open.join(' ')})`;
    dispose();
    pc.close();
    throw error;
  }
  // The victim's link declares a silent peer gone (4 s): a beat a second keeps it listening.
  const beating = setInterval(() => {
    if (channels.control.readyState !== 'open') return;
    const beat = encodeBeat({
      sentAt: performance.now(),
      echo: Number.NaN,
      heldMs: 0,
      datagramsSent: 0,
      lossOfYours: Number.NaN,
    });
    // A victim that closes the path (as these tests make it) can reset it before the channel reads
    // closed here: libdatachannel then throws from send ("Sending failed, errno=104"), which out of this
    // timer was an uncaught exception that failed the whole file. Nothing is left to keep alive then.
    try {
      channels.control.send(beat);
    } catch {}
  }, 500);
  return {
    room,
    pc,
    channels,
    signal,
    close() {
      clearInterval(beating);
      dispose();
      pc.close();
    },
  };
}

/** Clients connected and in one room of `type`, everyone seeing everyone. */
export async function roomOfClients(t: TestServer, count: number, type = 'test') {
  const clients: Client[] = Array.from({ length: count }, () => t.client());
  await Promise.all(clients.map((client) => client.connect()));
  const rooms: RoomConnection[] = [await clients[0]!.create(type, { options: { maxClients: 8 } })];
  for (const client of clients.slice(1)) rooms.push(await client.join(rooms[0]!.roomId));
  await eventually(() => rooms.every((room) => room.members.length === count), 'everyone sees everyone');
  return { clients, rooms };
}

/** A well-formed offer (the mesh's channels, loopback only) that a victim's stack will answer. */
export async function someOffer(): Promise<RTCSessionDescriptionInit> {
  const pc = new RTCPeerConnection({ iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration);
  pc.createDataChannel('phys', MESH_CHANNELS.phys);
  const offer = await pc.createOffer();
  pc.close();
  return { type: 'offer', sdp: offer.sdp ?? '' };
}

/** Counts the RTCPeerConnections a victim's mesh makes (each one an attempt it started). */
export function countingRtc() {
  const counter = { made: 0 };
  const Base = loopbackRtc.RTCPeerConnection as unknown as typeof RTCPeerConnection;
  class Counted extends Base {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      counter.made++;
    }
  }
  return { counter, rtc: { ...loopbackRtc, RTCPeerConnection: Counted as never } };
}

/**
 * A room of three: the victim (an honest mesh), another honest player (`bystander`, direct to the victim)
 * and a hostile player with a raw direct link to the victim. `heard` counts what the victim's mesh
 * delivered from each, the refusals its `rejected` events report, by reason, and how many reports.
 */
export async function victimWithHostile(t: TestServer, meshOptions: MeshOptions = {}) {
  const { clients, rooms } = await roomOfClients(t, 3);
  const options: MeshOptions = {
    rtc: loopbackRtc,
    directTimeoutMs: 20_000,
    retryDirectMs: 60_000,
    ...meshOptions,
  };
  const victim = rooms[0]!.mesh(options);
  const bystander = rooms[1]!.mesh(options);
  const [victimId, bystanderId, hostileId] = rooms.map((room) => room.selfId) as [string, string, string];
  await eventually(
    () => victim.link(bystanderId)?.state === 'direct' && bystander.link(victimId)?.state === 'direct',
    'victim and bystander direct',
    20_000,
  );
  const hostile = await hostilePeerTo(rooms[2]!, victimId).catch((error: Error) => {
    const link = victim.link(hostileId);
    error.message += ` (the victim's link: ${link?.state}, ${link?.failedAttempts} failed, ${link?.collisions} collisions, ${link?.ignoredOffers} offers ignored, direct refused ${link?.directRefusedForMs} ms, victim ${victimId < hostileId ? 'initiates' : 'answers'})`;
    throw error;
  });
  await eventually(() => victim.link(hostileId)?.state === 'direct', 'the hostile link direct', 20_000);
  const heard = { fromBystander: 0, fromHostile: 0, rejected: {} as Record<string, number>, reports: 0 };
  victim.on('message', ({ from }) => {
    if (from === bystanderId) heard.fromBystander++;
    else if (from === hostileId) heard.fromHostile++;
  });
  victim.on('rejected', ({ reason, count }) => {
    heard.reports++;
    heard.rejected[reason] = (heard.rejected[reason] ?? 0) + count;
  });
  return {
    clients,
    victim,
    bystander,
    hostile,
    victimId,
    hostileId,
    heard,
    /** The victim's link to the hostile player. */
    link: () => victim.link(hostileId)!,
    close() {
      hostile.close();
      for (const client of clients) client.close();
    },
  };
}

/**
 * A real server for a file of hostile-peer tests: started before its tests, closed after (the server's
 * default signal budgets, which the offer floods test against; session rates high enough for floods).
 */
export function serverForHostilePeers(): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer({ test: TestRoom }, { rateBurst: 100_000, ratePerSecond: 100_000 });
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the server starts before the tests');
    return server;
  };
}

/**
 * Counts the `phys` messages the bystander sends the victim, 50 a second, while `during` runs, and what
 * the victim heard of them: waited for until 80% came (the share these tests ask for; phys is never
 * resent), for up to 5 s, rather than for a fixed time a loaded machine may not deliver them in.
 */
export async function whileBystanderSends(
  s: Awaited<ReturnType<typeof victimWithHostile>>,
  during: () => Promise<void>,
) {
  let sent = 0;
  const from = s.heard.fromBystander;
  const timer = setInterval(() => {
    if (s.bystander.send(s.victimId, Channel.phys, Uint8Array.of(1))) sent++;
  }, 20);
  await during();
  await sleep(200);
  clearInterval(timer);
  const heard = () => s.heard.fromBystander - from;
  await eventually(() => heard() >= sent * 0.8, 'the bystander heard', 5_000).catch(() => {});
  return { sent, heard: heard() };
}
