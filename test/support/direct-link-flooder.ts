/**
 * A hostile player on a real direct server link, run as its own process (bundled by the test that spawns
 * it), so that its CPU is not the server's, as a remote attacker's is not. It joins ROOM with an ordinary
 * Client whose RTCPeerConnection and WebSocket it keeps a hand on, waits for the link to be direct,
 * prints `{"ready":true,"playerId"}`, then obeys JSON commands on stdin, one a line, answering each with
 * one JSON line:
 *
 * - `{"op":"flood","id":N,"rate":R,"ms":T,"payload":P,"bytes":B}`: sends R messages a second for T ms
 *   straight on data channel N (0 phys, 1 event, 2 dispatch, 3 control; another id opens a negotiated
 *   channel with that id), bypassing the client's link. P: `zeros`, `random`, `junk` (random behind a
 *   byte that is no dispatch marker), `ping` (a keepalive ping), `dispatch-seq` (dispatch frames 1, 2,
 *   3...), `dispatch-gap` (numbered far ahead), `dispatch-dup` (number 1 over and over), `dispatch-bad`
 *   (a marker and a truncated number). Answers `{"sent","skipped","open","controlFrames"}` (skipped: the
 *   channel's send buffer held over 1 MiB, or it was not open; controlFrames: what the server sent on
 *   the control channel meanwhile).
 * - `{"op":"channels","count":N,"burst":B,"rate":R,"ms":T}`: opens N in-band (not negotiated) channels,
 *   sends B messages on each the moment it opens, then R a second across them for T ms. Answers
 *   `{"opened","burstSent","stillOpen","sent","skipped"}`.
 * - `{"op":"signal","signals":[...]}`: sends each as a LinkSignalToServer of the server's current attempt.
 * - `{"op":"state"}`: answers `{"path"}`, the client's server-link path.
 * - `{"op":"away"}`: the player goes away as one whose network dropped under its WebSocket alone: the
 *   socket is ended without a close frame (the server keeps the session for a resume) and every reconnect
 *   after is refused, while the direct link stays up. Answers `{"playerId","guestToken","resumeToken",
 *   "linkOpen"}`: what a resume would present, and whether the link's phys channel is still open.
 *
 * ARGS: wsUrl roomId tokenUrl [maxMessageBytes]. With maxMessageBytes, the flooder tells its own stack the
 * server takes messages that large (it rewrites the server's offer), so it can send oversize ones.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { WebSocket } from 'ws';
import { Client } from '../../src/client/index.js';
import { decodeFrame, encodeMessage, Kind, serverToClientKinds } from '../../src/protocol/index.js';

const [url, roomId, tokenUrl, claimedMaxText] = process.argv.slice(2);
const claimedMax = claimedMaxText ? Number(claimedMaxText) : undefined;

/** Control frames (keepalive beats, pongs) heard from the server so far. */
let controlFrames = 0;

type DataChannel = ReturnType<RTCPeerConnection['createDataChannel']>;

/** The polyfill's RTCPeerConnection, kept at hand, with the channels the link made, by id. */
class KeptPeerConnection extends RTCPeerConnection {
  static last: KeptPeerConnection | undefined;
  readonly channels = new Map<number, DataChannel>();
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    KeptPeerConnection.last = this;
  }
  override createDataChannel(label: string, init?: RTCDataChannelInit): DataChannel {
    const channel = super.createDataChannel(label, init);
    if (init?.id !== undefined) this.channels.set(init.id, channel);
    if (init?.id === 3) channel.addEventListener('message', () => controlFrames++);
    return channel;
  }
  override setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (claimedMax === undefined || !description.sdp) return super.setRemoteDescription(description);
    const sdp = description.sdp.replace(/a=max-message-size:\d+/g, `a=max-message-size:${claimedMax}`);
    return super.setRemoteDescription({ type: description.type, sdp });
  }
}

/** Where the client's reconnects go once it is away: a loopback port nothing listens on (refused at once). */
const NOWHERE = 'ws://127.0.0.1:1/';

/**
 * The client's WebSocket, kept at hand to send signals the client would not, with the server's attempt
 * number and the session's resume token.
 */
class KeptWebSocket extends WebSocket {
  static last: KeptWebSocket | undefined;
  /** Set by `away`: the client's network is down for its WebSocket, so every new one is refused. */
  static offline = false;
  static resumeToken: string | undefined;
  attempt = 0;
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...((KeptWebSocket.offline ? [NOWHERE, ...args.slice(1)] : args) as typeof args));
    KeptWebSocket.last = this;
    this.on('message', (data: Buffer) => {
      try {
        const { message } = decodeFrame(new Uint8Array(data), serverToClientKinds);
        if (message.kind === Kind.LinkSignalFromServer) this.attempt = message.body.n;
        if (message.kind === Kind.Welcome) KeptWebSocket.resumeToken = message.body.resumeToken;
      } catch {
        // not ours to judge
      }
    });
  }
}

/** The guest token the client connected with: a resume must present the same identity. */
let guest: string | undefined;

async function guestToken(): Promise<string> {
  const response = await fetch(tokenUrl!, { method: 'POST', body: '{}' });
  guest = ((await response.json()) as { token: string }).token;
  return guest;
}

const client = new Client({
  url: url!,
  token: guestToken,
  WebSocket: KeptWebSocket,
  serverLink: { RTCPeerConnection: KeptPeerConnection, extraConfiguration: { bindAddress: '127.0.0.1' } },
});
/** The code the client was closed with for good, if it was (the server cutting it off, say). */
let closedWith: string | undefined;
client.on('closed', ({ code }) => {
  closedWith = code;
});
await client.connect();
await client.join(roomId!);
await directLink();
// The lowest priority from here on, a stand-in for a remote machine whose CPU is not the server's; not
// before: niced from its start, on a loaded machine it got no CPU to even connect within 20 s. Every
// thread (Linux nices threads one by one, and libdatachannel's run already).
for (const thread of readdirSync('/proc/self/task')) setPriority(Number(thread), 19);
answer({ ready: true, playerId: client.playerId });

/**
 * The peer connection of the direct link, once there is one (after the server closed one, the next
 * attempt makes a new one).
 */
async function directLink(): Promise<KeptPeerConnection> {
  for (const deadline = Date.now() + 15_000; client.serverLink.path !== 'direct'; ) {
    if (Date.now() > deadline) throw new Error('no direct link');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const pc = KeptPeerConnection.last;
  if (!pc) throw new Error('no peer connection');
  return pc;
}

function answer(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

const BUFFER_LIMIT = 1024 * 1024;
/** How long in-band channels may take to be closed after the sends on them ended (ms). */
const CLOSE_WAIT_MS = 5_000;

function varUint(value: number): number[] {
  const bytes: number[] = [];
  for (let rest = value; ; rest = Math.floor(rest / 128)) {
    if (rest < 128) return [...bytes, rest];
    bytes.push((rest % 128) | 0x80);
  }
}

/** The payload of message `i` of a flood. */
function payloadOf(kind: string, bytes: number, i: number): Uint8Array {
  switch (kind) {
    case 'random': {
      const out = new Uint8Array(bytes);
      for (let k = 0; k < bytes; k++) out[k] = (Math.random() * 256) | 0;
      return out;
    }
    case 'junk': {
      // Random bytes behind a first byte that is no dispatch marker (0x06 ack, 0x08 data).
      const out = payloadOf('random', bytes, i);
      out[0] = 0xa5;
      return out;
    }
    case 'ping': {
      const out = new Uint8Array(9);
      out[0] = 1;
      new DataView(out.buffer).setFloat64(1, Date.now());
      return out;
    }
    case 'dispatch-seq':
      return Uint8Array.from([0x08, 0, ...varUint(i + 1), ...new Uint8Array(bytes)]);
    case 'dispatch-gap':
      // Numbers from a million on: never the next expected, always past the receive window.
      return Uint8Array.from([0x08, 0, ...varUint(1_000_000 + i), ...new Uint8Array(bytes)]);
    case 'dispatch-dup':
      return Uint8Array.from([0x08, 0, ...varUint(1), ...new Uint8Array(bytes)]);
    case 'dispatch-bad':
      return Uint8Array.of(0x08, 0, 0xff, 0xff);
    default:
      return new Uint8Array(bytes);
  }
}

function channelWithId(pc: KeptPeerConnection, id: number): DataChannel {
  return pc.channels.get(id) ?? pc.createDataChannel(`extra-${id}`, { negotiated: true, id });
}

/**
 * Offers `next` (which says false when it could not send) rate × ms / 1000 messages, spread over `ms`:
 * all of them, also when this process was held up (a loaded machine) and the time ran out with some still
 * due, which then go at once. Unless `over` says, between two rounds, that no message could go out any
 * more (the channel closed): the rest would only be counted as skipped. `ended`: whether it did so.
 */
async function paced(rate: number, ms: number, next: (i: number) => boolean, over = () => false) {
  let sent = 0;
  let skipped = 0;
  const total = Math.floor((rate * ms) / 1000);
  const offerUpTo = (due: number) => {
    while (sent + skipped < due) {
      if (next(sent + skipped)) sent++;
      else skipped++;
    }
  };
  const start = Date.now();
  for (let elapsed = 0; elapsed < ms; elapsed = Date.now() - start) {
    if (over()) return { sent, skipped, ended: true };
    offerUpTo(Math.min(Math.floor((rate * elapsed) / 1000), total));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  offerUpTo(total);
  return { sent, skipped, ended: false };
}

interface FloodCommand {
  op: 'flood';
  id: number;
  rate: number;
  ms: number;
  payload: string;
  bytes: number;
}

interface ChannelsCommand {
  op: 'channels';
  count: number;
  rate: number;
  ms: number;
  burst?: number;
}

interface SignalCommand {
  op: 'signal';
  signals: unknown[];
}

type Command = FloodCommand | ChannelsCommand | SignalCommand | { op: 'state' } | { op: 'away' };

async function flood(command: FloodCommand) {
  const channel = channelWithId(await directLink(), command.id);
  for (const deadline = Date.now() + 2_000; channel.readyState !== 'open' && Date.now() < deadline; )
    await new Promise((resolve) => setTimeout(resolve, 10));
  const controlBefore = controlFrames;
  const floodEnd = Date.now() + command.ms;
  // Closed (the server cut the player off, or its stack reset the stream), the channel sends nothing
  // more: the flood ends there rather than count its remaining seconds as skipped.
  const closed = () => channel.readyState === 'closing' || channel.readyState === 'closed';
  const { ended, ...result } = await paced(
    command.rate,
    command.ms,
    (i) => {
      if (channel.readyState !== 'open' || channel.bufferedAmount > BUFFER_LIMIT) return false;
      try {
        // `text`: a text message of that many characters, where every channel of ours carries bytes.
        if (command.payload === 'text') channel.send('t'.repeat(command.bytes));
        else channel.send(payloadOf(command.payload, command.bytes, i) as Uint8Array<ArrayBuffer>);
        return true;
      } catch {
        return false;
      }
    },
    closed,
  );
  // Ended early by a cut, the client hears why on its WebSocket (unless it is away), which may come after
  // the channel's close: given until the flood's own end to come, as it was when the flood ran its time.
  while (ended && !KeptWebSocket.offline && closedWith === undefined && Date.now() < floodEnd)
    await new Promise((resolve) => setTimeout(resolve, 10));
  // What the server sends back on the control channel comes a little after: waited for.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    ...result,
    open: channel.readyState === 'open',
    controlFrames: controlFrames - controlBefore,
    closedWith,
  };
}

async function inBandChannels(command: ChannelsCommand) {
  const pc = await directLink();
  const channels = Array.from({ length: command.count }, (_, i) => pc.createDataChannel(`in-band-${i}`));
  // `burst` messages the moment each channel opens, before the server's code can have seen the channel,
  // or until the channel's send buffer is full (a send then throws), counted per channel.
  const burstSent = channels.map(() => 0);
  // Per channel, when it opened and when its burst ended (ms after the command came) and how: for the
  // test's message when a burst falls short.
  const started = performance.now();
  const timeline = channels.map(() => '');
  for (const [index, channel] of channels.entries()) {
    channel.onopen = () => {
      const opened = Math.round(performance.now() - started);
      let ended = 'sent';
      for (let i = 0; i < (command.burst ?? 0); i++) {
        try {
          channel.send(new Uint8Array(100) as Uint8Array<ArrayBuffer>);
          burstSent[index]!++;
        } catch (error) {
          ended = `${channel.readyState}: ${String(error).slice(0, 60)}`;
          break;
        }
      }
      timeline[index] = `opened at ${opened}, ${ended} at ${Math.round(performance.now() - started)}`;
    };
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const opened = channels.filter((channel) => channel.readyState === 'open').length;
  const result = await paced(command.rate, command.ms, (i) => {
    const channel = channels[i % channels.length]!;
    if (channel.readyState !== 'open' || channel.bufferedAmount > BUFFER_LIMIT) return false;
    try {
      channel.send(new Uint8Array(1_000) as Uint8Array<ArrayBuffer>);
      return true;
    } catch {
      return false;
    }
  });
  // The server closes them when its code first hears of them, which on a loaded machine can come after
  // the sends above: the stalled tick ends with thousands of messages queued before the channels' opens.
  const anyOpen = () => channels.some((channel) => channel.readyState === 'open');
  for (const deadline = Date.now() + CLOSE_WAIT_MS; anyOpen() && Date.now() < deadline; )
    await new Promise((resolve) => setTimeout(resolve, 20));
  const stillOpen = channels.filter((c) => c.readyState === 'open').length;
  timeline.push(`checked at ${Math.round(performance.now() - started)}`);
  return { opened, burstSent, timeline, stillOpen, ...result };
}

/** Sends the server signals for its current attempt, as the client's own signaling never would. */
function signal(command: SignalCommand) {
  const socket = KeptWebSocket.last;
  if (!socket) throw new Error('no socket');
  for (const s of command.signals)
    socket.send(encodeMessage(Kind.LinkSignalToServer, { n: socket.attempt, s } as never));
  return { sent: command.signals.length, attempt: socket.attempt };
}

/**
 * Ends the client's WebSocket as a dropped network would (no close frame: the server sees 1006 and keeps
 * the session for a resume, not 1000, which would end it) and keeps every reconnect from reaching the
 * server, while the direct link, which the client keeps while it reconnects, stays up.
 */
async function away() {
  const socket = KeptWebSocket.last;
  if (!socket) throw new Error('no socket');
  KeptWebSocket.offline = true;
  socket.terminate();
  for (const deadline = Date.now() + 2_000; client.state === 'open' && Date.now() < deadline; )
    await new Promise((resolve) => setTimeout(resolve, 10));
  const pc = await directLink();
  return {
    playerId: client.playerId,
    guestToken: guest,
    resumeToken: KeptWebSocket.resumeToken,
    linkOpen: pc.channels.get(0)?.readyState === 'open',
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command;
  try {
    if (command.op === 'flood') answer(await flood(command));
    else if (command.op === 'channels') answer(await inBandChannels(command));
    else if (command.op === 'signal') answer(signal(command));
    else if (command.op === 'state') answer({ path: client.serverLink.path, closedWith });
    else if (command.op === 'away') answer(await away());
    else answer({ error: `unknown op ${(command as { op: string }).op}` });
  } catch (error) {
    answer({ error: String(error) });
  }
}
client.close();
setTimeout(() => process.exit(0), 200);
