import * as v from 'valibot';
import { boundedData, dataNestedAtMost, flatRecord, MAX_DATA_DEPTH } from './bounded-data.js';
import { MAX_NAME_LENGTH } from './display-name.js';
import type { ErrorCode } from './error-codes.js';
import { Kind } from './kinds.js';
import { MAX_TTL_MS } from './send-options.js';
import { sessionGoneReason } from './session-gone.js';

/** One validation schema per message kind; nothing reaches a handler without passing its schema. */

export const playerId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/));
/** A session's secret, from its welcome: what a resume (or a leave request) proves the session with. */
export const resumeToken = v.pipe(v.string(), v.maxLength(128));
const roomId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{4,32}$/));
const roomType = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/));
const roomCode = v.pipe(v.string(), v.minLength(4), v.maxLength(12));
const requestId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffffffff));
/**
 * How long the asker of a room request waits for its answer (ms, its `timeoutMs` rounded up): the side
 * answering holds the request no longer, as a reply after it would be dropped anyway.
 */
const requestWait = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_TTL_MS));
const seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const timestamp = v.pipe(v.number(), v.finite());
const displayName = v.pipe(v.string(), v.maxLength(MAX_NAME_LENGTH));
const messageType = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
/**
 * A code the server names, as a client reads it: one of this version's, or any other in their shape (capital
 * letters, digits and underscores). The protocol version stays the same when codes are appended, so a newer
 * server names codes an older client does not list: a client that refused them could not read a leave, an
 * answer or a refusal naming one, kept a player who had left among its members and waited out its requests.
 * Typed as an ErrorCode: apps treat a code they do not know as a failure of its kind (a refusal, a leave).
 * The server reads one message with it, a client's RoomReply, and checks its code itself (player-answers.ts).
 */
const serverErrorCode = v.pipe(
  v.string(),
  v.regex(/^[A-Z][A-Z0-9_]{0,63}$/),
  v.transform((code) => code as ErrorCode),
);
/** Most characters of a refusal's or a leave's words (an `Error`, a `Bye`, a failed request, a `RoomLeft`). */
export const MAX_REASON_LENGTH = 512;
const reasonText = v.pipe(v.string(), v.maxLength(MAX_REASON_LENGTH));
/**
 * Membership numbers run 0..MEMBERSHIP_NUMBERS - 1 and wrap: one or two bytes on the wire (msgpack writes
 * 0-127 as one byte), and two memberships with the same number are 256 seatings apart.
 */
export const MEMBERSHIP_NUMBERS = 256;
/**
 * Which of its session's seatings in a room a message belongs to: the server numbers each seating, names
 * the number in the join's answer, and refuses a message tagged with any but the current one. Relayed peer
 * data names the receiver's seating it was relayed in, and the client drops it when that is not its room's.
 */
const membership = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MEMBERSHIP_NUMBERS - 1));
/** Why someone left a room: 'left' when they chose to, otherwise the error code that removed them. */
const leaveReason = v.union([v.literal('left'), serverErrorCode]);

/**
 * Which of the room's seatings a member is in: the room numbers the players it seats 1, 2, 3... (absent from
 * servers that do not number them). A member listed again under another number left and came back: a
 * client that missed both (a resync) tells them apart by it.
 */
const seating = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER));
const member = v.object({ playerId, name: displayName, away: v.boolean(), seating: v.optional(seating) });

export const roomInfoSchema = v.object({
  roomId,
  type: roomType,
  code: v.optional(roomCode),
  private: v.boolean(),
  clients: v.pipe(v.number(), v.integer(), v.minValue(0)),
  maxClients: v.pipe(v.number(), v.integer(), v.minValue(1)),
  metadata: flatRecord,
  nodeId: v.pipe(v.string(), v.maxLength(64)),
});

export const joinedRoomSchema = v.object({
  room: roomInfoSchema,
  members: v.pipe(v.array(member), v.maxLength(1024)),
  state: v.optional(boundedData),
  /** Present when the room hides players' addresses from each other (TURN or server relay only). */
  peerPrivacy: v.optional(v.literal('relay-only')),
  /** This seating's number (absent from servers that do not number them): the client tags what it sends with it. */
  membership: v.optional(membership),
});

/** Limits on the ICE servers a welcome may carry (a server checks its own options against them). */
export const ICE_LIMITS = {
  /** Servers in one welcome, TURN included. */
  servers: 8,
  /** URLs of one server. */
  urls: 8,
  /** Characters of a URL, a username or a credential. */
  chars: 256,
  scheme: /^(stun|stuns|turn|turns):/,
} as const;

const iceUrl = v.pipe(v.string(), v.maxLength(ICE_LIMITS.chars), v.regex(ICE_LIMITS.scheme));
const iceServer = v.object({
  urls: v.union([iceUrl, v.pipe(v.array(iceUrl), v.maxLength(ICE_LIMITS.urls))]),
  username: v.optional(v.pipe(v.string(), v.maxLength(ICE_LIMITS.chars))),
  credential: v.optional(v.pipe(v.string(), v.maxLength(ICE_LIMITS.chars))),
});

const iceServers = v.pipe(v.array(iceServer), v.maxLength(ICE_LIMITS.servers));
const iceTtlMs = v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * What a side supports beyond its protocol version (see `Feature`): names it does not know are ignored,
 * so the schema takes any short name, or a newer peer's welcome would be refused whole.
 */
const features = v.pipe(v.array(v.pipe(v.string(), v.maxLength(64))), v.maxLength(64));

// Connection frames ---------------------------------------------------------------------------

export const hello = v.object({
  v: v.pipe(v.number(), v.integer()),
  /** The client wants a direct server link (it can make WebRTC connections). */
  link: v.optional(v.boolean()),
  resume: v.optional(
    v.object({
      playerId,
      token: resumeToken,
      ack: seq,
      /**
       * Counts up with each connection the client opens: a resume on an older connection than one the
       * session already resumed on (its hello delayed on a connection the client gave up) is refused.
       */
      attempt: v.optional(seq),
      /**
       * A new client takes the session over from the one that held it (a reloaded page, a restarted
       * process): it has none of the old client's stream, so `ack` is 0 and `attempt` absent. The server
       * gives the session a new resume token, closes the old client's socket (SESSION_REPLACED) and
       * refuses its resumes with the old token likewise, and its welcome names the room the session sits
       * in (`Welcome.room`). Absent from older clients; an older server takes it as a plain resume.
       */
      takeover: v.optional(v.literal(true)),
    }),
  ),
  /** What the client supports (see `Feature`); absent from older clients. */
  features: v.optional(features),
});
export const welcome = v.object({
  playerId,
  resumeToken,
  name: displayName,
  resumed: v.boolean(),
  resync: v.boolean(),
  ack: seq,
  serverTime: timestamp,
  heartbeatMs: v.pipe(v.number(), v.integer(), v.minValue(1)),
  graceMs: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** STUN/TURN servers for this player's WebRTC links (TURN credentials are theirs and short-lived). */
  iceServers: v.optional(iceServers),
  /** How long the TURN credentials in `iceServers` last from now (ms): ask for fresh ones before then. */
  iceTtlMs: v.optional(iceTtlMs),
  /** The server makes direct server links (it will offer one if the hello asked). */
  serverLink: v.optional(v.boolean()),
  /** The server's limit on frames from this client (a burst, then per second): the client keeps under it. */
  rate: v.optional(
    v.object({
      burst: v.pipe(v.number(), v.integer(), v.minValue(1)),
      perSecond: v.pipe(v.number(), v.minValue(0), v.finite()),
    }),
  ),
  /** The largest frame the server takes from this client (bytes); larger ones close the socket (1009). */
  maxFrameBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  /** The server takes DataToPeers (absent from older servers: the client sends one DataToPeer per peer). */
  dataToPeers: v.optional(v.boolean()),
  /**
   * The largest message the server link takes from this client on any channel (bytes), when the server
   * sets it below the 16 KiB a message may be (absent: 16 KiB). The client's link refuses a larger one at
   * the call: the server would drop it as a fault against the session.
   */
  linkMessageBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(16 * 1024))),
  /**
   * On the welcome of a takeover (`Hello.resume.takeover`): the room the session sits in, as a join's
   * answer gives it (its state and members now, the seating's number), for the new client to hold it
   * again. Absent when the session sits in no room, and on every other welcome.
   */
  room: v.optional(joinedRoomSchema),
  /** What the server supports (see `Feature`); absent from older servers. */
  features: v.optional(features),
});
export const error = v.object({
  code: serverErrorCode,
  message: reasonText,
  rid: v.optional(requestId),
  /** Why the session is gone, on the SESSION_EXPIRED refusal of a resume (absent from older servers). */
  reason: v.optional(sessionGoneReason),
  /**
   * On a SERVER_SHUTTING_DOWN notice: the milliseconds until the server closes its players (absent from
   * older servers), so that a page can count down without reading the message's English.
   */
  closesInMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0x7fffffff))),
});
export const ping = v.object({ id: requestId, t: timestamp });
export const pong = v.object({ id: requestId, t: timestamp, rt: timestamp });
export const ack = v.object({ ack: seq });
export const bye = v.object({ code: serverErrorCode, message: reasonText });

// Client -> server --------------------------------------------------------------------------

export const listRooms = v.object({
  rid: requestId,
  type: v.optional(roomType),
  filter: v.optional(flatRecord),
  includeFull: v.optional(v.boolean()),
  /** At most this many rooms, oldest first (the server may cap it lower: `maxRoomsListed`). */
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});
/** Lists like ListRooms, then pushes RoomList whenever that listing changes; replaces an earlier watch. */
export const watchRooms = listRooms;
export const unwatchRooms = v.object({ rid: requestId });
export const createRoom = v.object({
  rid: requestId,
  type: roomType,
  private: v.optional(v.boolean()),
  options: v.optional(boundedData),
});
export const joinRoom = v.object({ rid: requestId, roomId, options: v.optional(boundedData) });
// Codes as typed by people: the server normalizes them and answers ROOM_CODE_INVALID, not a schema error.
export const joinByCode = v.object({
  rid: requestId,
  code: v.pipe(v.string(), v.maxLength(32)),
  options: v.optional(boundedData),
});
/**
 * Most nodes a quick play names as having sent it on (`from`): a client follows at most two redirects per
 * request, so this leaves room to spare.
 */
export const MAX_QUICK_PLAY_HOPS = 4;
/**
 * `from`: the URLs of the nodes that sent this quick play on to the node it is asked of now (their
 * ROOM_ON_OTHER_NODE answers), oldest first: that node sends it to none of them again.
 */
export const quickPlay = v.object({
  rid: requestId,
  type: roomType,
  filter: v.optional(flatRecord),
  options: v.optional(boundedData),
  from: v.optional(v.pipe(v.array(reasonText), v.maxLength(MAX_QUICK_PLAY_HOPS))),
});
export const leaveRoom = v.object({ rid: requestId });
/**
 * `m`: the membership (the join answer's `membership`) it was sent in; absent, it goes to the current room.
 * `q`: present on a request (`room.request`), its id, which the server's RoomReply names; ids are the
 * client's own, one per request waiting at a time (see MAX_ROOM_REQUESTS_WAITING). `w`: on a request, how
 * long the client waits for the reply (absent from older clients).
 */
export const clientRoomMessage = v.object({
  t: messageType,
  m: v.optional(membership),
  d: v.optional(boundedData),
  q: v.optional(requestId),
  w: v.optional(requestWait),
});
/**
 * Requests (room messages with a `q`) one session may have waiting for their reply at once: the server
 * answers one past that RATE_LIMITED (a fault), and our client refuses it at the call.
 */
export const MAX_ROOM_REQUESTS_WAITING = 64;
/**
 * What an app may name its own refusal of a request with (`RoomError`'s code, a RoomReply's `reason`):
 * 1-64 characters, the letters of a room type.
 */
export const APP_ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

// Server -> client --------------------------------------------------------------------------

export const response = v.variant('ok', [
  // One level more than free-form data: a join's answer carries the room's state one level down.
  v.object({ rid: requestId, ok: v.literal(true), result: v.optional(dataNestedAtMost(MAX_DATA_DEPTH + 1)) }),
  v.object({ rid: requestId, ok: v.literal(false), code: serverErrorCode, message: reasonText }),
]);
/**
 * The watched listing (WatchRooms) changed: the whole list, as ListRooms would answer now. Its entries are
 * read one by one (`readRooms`): one the client cannot read is left out, not the whole list.
 */
export const roomList = v.object({ rooms: v.array(v.unknown()) });
export const memberJoined = v.object({ roomId, member });
export const memberLeft = v.object({ roomId, playerId, reason: leaveReason });
export const memberAway = v.object({ roomId, playerId });
export const memberBack = v.object({ roomId, playerId });
export const roomLeft = v.object({ roomId, reason: leaveReason, message: reasonText });
export const roomState = v.object({
  roomId,
  members: v.pipe(v.array(member), v.maxLength(1024)),
  state: v.optional(boundedData),
});
/**
 * The answer to one room request (`q`: its id), sent reliable: the handler's value as `d` (absent for
 * `undefined`), or why there is none. `reason`: the app's own code, when the handler refused with a
 * `RoomError` (then `code` is REQUEST_FAILED). Both ways: the server answers a client's requests, and a
 * client the room's.
 */
export const roomReply = v.variant('ok', [
  v.object({ q: requestId, ok: v.literal(true), d: v.optional(boundedData) }),
  v.object({
    q: requestId,
    ok: v.literal(false),
    code: serverErrorCode,
    message: reasonText,
    reason: v.optional(v.pipe(v.string(), v.regex(APP_ERROR_CODE))),
  }),
]);
/**
 * `q`: present on the room's request to this player (`Room.request`), its id, which the client's RoomReply
 * names; ids are the server's own, per session. `w`: on a request, how long the room waits for the answer.
 */
export const serverRoomMessage = v.object({
  roomId,
  t: messageType,
  d: v.optional(boundedData),
  from: v.optional(playerId),
  q: v.optional(requestId),
  w: v.optional(requestWait),
});

// Peer traffic through the server (signaling and the relay path) --------------------------

/** Largest signaling payload: an SDP with many candidates stays well under this. */
export const MAX_SIGNAL_BYTES = 16 * 1024;
/** Largest relayed peer message. */
export const MAX_PEER_DATA_BYTES = 16 * 1024;

/** Link channels on the wire: 0 phys, 1 event, 2 dispatch, 3 the link's own control (keepalive, bye). */
const linkChannel = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3));
const signalPayload = v.pipe(
  boundedData,
  v.check(
    (value) => JSON.stringify(value ?? null).length <= MAX_SIGNAL_BYTES,
    `signal over ${MAX_SIGNAL_BYTES} bytes`,
  ),
);
const peerBytes = v.pipe(v.instance(Uint8Array<ArrayBufferLike>), v.maxLength(MAX_PEER_DATA_BYTES));

/** True when no id is listed twice (lists are at most MAX_FANOUT_TARGETS long: the quadratic scan is cheap). */
function noDuplicates(ids: string[]): boolean {
  return ids.every((id, index) => ids.indexOf(id) === index);
}

/** `m`: the sender's membership, as on a room message. */
export const signalToPeer = v.object({ to: playerId, s: signalPayload, m: v.optional(membership) });
export const dataToPeer = v.object({ to: playerId, c: linkChannel, p: peerBytes, m: v.optional(membership) });
/** Most players one DataToPeers names: a room's members but one, with room to spare. */
export const MAX_FANOUT_TARGETS = 64;
/**
 * One `phys` sample for several members (a mesh's broadcast over the relay): the server relays it to each
 * as a DataToPeer would. Duplicates are refused (a client never lists a player twice); a listed player not
 * in the room, or the sender, is skipped. Phys only: other channels keep their per-link order and budgets.
 */
export const dataToPeers = v.object({
  to: v.pipe(
    v.array(playerId),
    v.minLength(1),
    v.maxLength(MAX_FANOUT_TARGETS),
    v.check(noDuplicates, 'a player listed twice'),
  ),
  c: v.literal(0),
  p: peerBytes,
  m: v.optional(membership),
});
/** `from` is stamped by the server from the sender's session, never taken from the sender. */
export const signalFromPeer = v.object({ from: playerId, s: signalPayload, m: v.optional(membership) });
// The server link (the server as a WebRTC peer of each player) ---------------------------------

/** Offer, answer or ICE candidate between a client and the server; the server reads these itself. */
export const linkSignal = v.union([
  v.object({
    description: v.object({
      type: v.picklist(['offer', 'answer']),
      sdp: v.pipe(v.string(), v.maxLength(MAX_SIGNAL_BYTES)),
    }),
  }),
  v.object({
    candidate: v.object({
      candidate: v.optional(v.pipe(v.string(), v.maxLength(1_024))),
      sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
      sdpMLineIndex: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64)))),
      usernameFragment: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(256)))),
    }),
  }),
]);
const attempt = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000));
/** `n`: the server's attempt number; `s`: the answer or a candidate; `retry`: try a direct link now. */
export const linkSignalToServer = v.object({
  n: attempt,
  s: v.optional(linkSignal),
  retry: v.optional(v.literal(true)),
});
export const linkSignalFromServer = v.object({ n: attempt, s: linkSignal });
/** The TCP mode of the server link: `p` is a batch of messages on channel `c`, in order. */
export const datagramToServer = v.object({
  c: linkChannel,
  p: v.pipe(v.array(peerBytes), v.minLength(1), v.maxLength(64)),
});
/** `t`: server time (ms) when sent. */
export const datagramFromServer = v.object({ c: linkChannel, p: peerBytes, t: timestamp });

// ICE servers (TURN credentials expire) -----------------------------------------------------

/** The client asks for fresh ICE servers (its TURN credentials are about to expire). */
export const refreshIceServers = v.pipe(
  // Checked by hand: an object schema with no fields would take an array, and a body is a map. Only a
  // plain object is one: msgpack bin, timestamps and extensions decode to objects too (Uint8Array,
  // Date, ExtData). Fields in it are dropped, as every schema drops the fields it does not name.
  v.custom<Record<string, never>>(
    (body) => typeof body === 'object' && body !== null && Object.getPrototypeOf(body) === Object.prototype,
    'a map',
  ),
  v.transform((): Record<string, never> => ({})),
);
/** The answer: the same as a welcome's `iceServers` and `iceTtlMs`, issued now. */
export const iceServersMessage = v.object({ iceServers, iceTtlMs: v.optional(iceTtlMs) });

/**
 * `t`: server time (ms) when the server forwarded it, so the receiver knows how stale a sample is. `m`: the
 * receiver's membership when the server relayed it; it may arrive after the receiver's next join.
 */
export const dataFromPeer = v.object({
  from: playerId,
  c: linkChannel,
  p: peerBytes,
  t: timestamp,
  m: v.optional(membership),
});

/** Schema for each kind's msgpack body. Envelope kinds (Reliable, Expiring) have no body schema. */
export const schemaByKind = {
  [Kind.Hello]: hello,
  [Kind.Welcome]: welcome,
  [Kind.Error]: error,
  [Kind.Ping]: ping,
  [Kind.Pong]: pong,
  [Kind.Ack]: ack,
  [Kind.Bye]: bye,
  [Kind.ListRooms]: listRooms,
  [Kind.WatchRooms]: watchRooms,
  [Kind.UnwatchRooms]: unwatchRooms,
  [Kind.CreateRoom]: createRoom,
  [Kind.JoinRoom]: joinRoom,
  [Kind.JoinByCode]: joinByCode,
  [Kind.QuickPlay]: quickPlay,
  [Kind.LeaveRoom]: leaveRoom,
  [Kind.ClientRoomMessage]: clientRoomMessage,
  [Kind.Response]: response,
  [Kind.MemberJoined]: memberJoined,
  [Kind.MemberLeft]: memberLeft,
  [Kind.MemberAway]: memberAway,
  [Kind.MemberBack]: memberBack,
  [Kind.RoomLeft]: roomLeft,
  [Kind.RoomState]: roomState,
  [Kind.ServerRoomMessage]: serverRoomMessage,
  [Kind.SignalToPeer]: signalToPeer,
  [Kind.DataToPeer]: dataToPeer,
  [Kind.DataToPeers]: dataToPeers,
  [Kind.LinkSignalToServer]: linkSignalToServer,
  [Kind.DatagramToServer]: datagramToServer,
  [Kind.SignalFromPeer]: signalFromPeer,
  [Kind.DataFromPeer]: dataFromPeer,
  [Kind.LinkSignalFromServer]: linkSignalFromServer,
  [Kind.DatagramFromServer]: datagramFromServer,
  [Kind.RoomList]: roomList,
  [Kind.RefreshIceServers]: refreshIceServers,
  [Kind.IceServers]: iceServersMessage,
  [Kind.RoomReply]: roomReply,
} as const;

export type BodyKind = keyof typeof schemaByKind;
export type Body<K extends BodyKind> = v.InferOutput<(typeof schemaByKind)[K]>;

/** A message as handlers see it: its kind and its validated body. */
export type Message = { [K in BodyKind]: { kind: K; body: Body<K> } }[BodyKind];
export type MessageOf<K extends BodyKind> = Extract<Message, { kind: K }>;

export type RoomInfo = v.InferOutput<typeof roomInfoSchema>;

/** What `readRooms` makes of a listing. */
export interface ReadRooms {
  /** The entries that are rooms as `roomInfoSchema` has them, in order. */
  rooms: RoomInfo[];
  /** Entries left out. */
  skipped: number;
  /** Why the first one left out was, with its path (`rooms.3.metadata.title: ...`). */
  problem?: string;
}

/**
 * The rooms of a listing (the answer to ListRooms or WatchRooms, or a RoomList) this side can read: each
 * entry is checked on its own, and one that fails `roomInfoSchema` is left out and counted, so that one
 * room that cannot be read (listed by a server of another version, say) never hides the others.
 * Undefined when `rooms` is not a list at all.
 */
export function readRooms(rooms: unknown): ReadRooms | undefined {
  if (!Array.isArray(rooms)) return undefined;
  const read: ReadRooms = { rooms: [], skipped: 0 };
  rooms.forEach((entry, index) => {
    const parsed = v.safeParse(roomInfoSchema, entry);
    if (parsed.success) {
      read.rooms.push(parsed.output);
      return;
    }
    read.skipped++;
    if (read.problem === undefined) {
      const issue = parsed.issues[0];
      const path = issue?.path?.map((item) => String(item.key)).join('.');
      read.problem = `rooms.${index}${path ? `.${path}` : ''}: ${issue?.message ?? 'invalid'}`.slice(0, 300);
    }
  });
  return read;
}
export type JoinedRoom = v.InferOutput<typeof joinedRoomSchema>;
export type Member = v.InferOutput<typeof member>;
export type Scalar = string | number | boolean;
export type LeaveReason = v.InferOutput<typeof leaveReason>;

/** Kinds a server accepts from a client and a client accepts from a server. */
export const clientToServerKinds: ReadonlySet<number> = new Set([
  Kind.Hello,
  Kind.Ping,
  Kind.Pong,
  Kind.Ack,
  Kind.ListRooms,
  Kind.WatchRooms,
  Kind.UnwatchRooms,
  Kind.CreateRoom,
  Kind.JoinRoom,
  Kind.JoinByCode,
  Kind.QuickPlay,
  Kind.LeaveRoom,
  Kind.ClientRoomMessage,
  Kind.SignalToPeer,
  Kind.DataToPeer,
  Kind.DataToPeers,
  Kind.LinkSignalToServer,
  Kind.DatagramToServer,
  Kind.RefreshIceServers,
  Kind.RoomReply,
]);
export const serverToClientKinds: ReadonlySet<number> = new Set([
  Kind.Welcome,
  Kind.Error,
  Kind.Ping,
  Kind.Pong,
  Kind.Ack,
  Kind.Bye,
  Kind.Response,
  Kind.MemberJoined,
  Kind.MemberLeft,
  Kind.MemberAway,
  Kind.MemberBack,
  Kind.RoomLeft,
  Kind.RoomState,
  Kind.ServerRoomMessage,
  Kind.SignalFromPeer,
  Kind.DataFromPeer,
  Kind.LinkSignalFromServer,
  Kind.DatagramFromServer,
  Kind.RoomList,
  Kind.IceServers,
  Kind.RoomReply,
]);

/** Client requests: each carries a `rid` and gets exactly one Response. */
export const requestKinds: ReadonlySet<number> = new Set([
  Kind.ListRooms,
  Kind.WatchRooms,
  Kind.UnwatchRooms,
  Kind.CreateRoom,
  Kind.JoinRoom,
  Kind.JoinByCode,
  Kind.QuickPlay,
  Kind.LeaveRoom,
]);

/** The connection's own frames: they only ever travel bare, never inside an envelope. */
export const connectionKinds: ReadonlySet<number> = new Set([
  Kind.Hello,
  Kind.Welcome,
  Kind.Error,
  Kind.Ping,
  Kind.Pong,
  Kind.Ack,
  Kind.Bye,
]);
