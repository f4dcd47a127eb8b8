import { type BodyKind, Kind, MAX_DATA_DEPTH } from 'vehikill-net/protocol';

/**
 * For every kind with a body schema: bodies it must accept and bodies it must refuse. Shared by the
 * schema tests, the codec tests and the fuzzer (valid bodies are its mutation seeds).
 * Each invalid body breaks exactly one rule, named by its key.
 */
export interface KindExamples {
  valid: readonly unknown[];
  invalid: Readonly<Record<string, unknown>>;
}

export const PLAYER = 'pA1b2C3d4E5f6G7h';
export const OTHER_PLAYER = 'Zz9_-Yy8Xx7Ww6';
export const ROOM = 'AbCdEfGhIj';

export const roomInfo = {
  roomId: ROOM,
  type: 'arena',
  code: 'K7Q2XM',
  private: false,
  clients: 1,
  maxClients: 8,
  metadata: { mode: 'ffa', ranked: true, level: 3 },
  nodeId: 'node-1',
};
const member = { playerId: PLAYER, name: 'Ada', away: false };

/** `levels` nested containers around a scalar: `nested(1)` is `[1]`. */
export function nested(levels: number, shape: 'array' | 'map' = 'array'): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level++) value = shape === 'array' ? [value] : { a: value };
  return value;
}

const welcome = {
  playerId: PLAYER,
  resumeToken: 'secret',
  name: 'Ada',
  resumed: false,
  resync: false,
  ack: 0,
  serverTime: 1_700_000_000_000,
  heartbeatMs: 5_000,
  graceMs: 30_000,
};

export const examples: Record<BodyKind, KindExamples> = {
  [Kind.Hello]: {
    valid: [{ v: 1 }, { v: 1, resume: { playerId: PLAYER, token: 'tok', ack: 7 } }, { v: 999 }],
    invalid: {
      'version not a number': { v: '1' },
      'version fractional': { v: 1.5 },
      'missing version': {},
      'resume without ack': { v: 1, resume: { playerId: PLAYER, token: 'tok' } },
      'resume token too long': { v: 1, resume: { playerId: PLAYER, token: 'x'.repeat(129), ack: 0 } },
      'resume playerId too short': { v: 1, resume: { playerId: 'short', token: 't', ack: 0 } },
      'not a map': [1],
    },
  },
  [Kind.Welcome]: {
    valid: [
      welcome,
      { ...welcome, resumed: true, resync: true, ack: Number.MAX_SAFE_INTEGER, graceMs: 0 },
      {
        ...welcome,
        iceServers: [
          { urls: 'stun:stun.example.org:3478' },
          {
            urls: ['turn:turn.example.org?transport=udp', 'turns:turn.example.org:443'],
            username: 'u',
            credential: 'c',
          },
        ],
      },
    ],
    invalid: {
      'ice url not stun or turn': { ...welcome, iceServers: [{ urls: 'https://example.org' }] },
      'over 8 ice servers': { ...welcome, iceServers: new Array(9).fill({ urls: 'stun:s' }) },
      'ice ttl negative': { ...welcome, iceServers: [], iceTtlMs: -1 },
      'negative ack': { ...welcome, ack: -1 },
      'ack past 2^53': { ...welcome, ack: 2 ** 53 },
      'heartbeat 0': { ...welcome, heartbeatMs: 0 },
      'infinite server time': { ...welcome, serverTime: Number.POSITIVE_INFINITY },
      'name over 64': { ...welcome, name: 'n'.repeat(65) },
      'resumed missing': { ...welcome, resumed: undefined },
    },
  },
  [Kind.Error]: {
    valid: [
      { code: 'ROOM_FULL', message: 'full' },
      { code: 'INVALID_MESSAGE', message: '', rid: 0xffffffff },
      { code: 'SESSION_EXPIRED', message: 'gone', reason: 'restarted' },
      { code: 'SERVER_SHUTTING_DOWN', message: 'within 5 s', closesInMs: 4_321 },
      // A code a newer server appended: read, in the shape of one.
      { code: 'A_CODE_OF_A_NEWER_SERVER', message: 'x' },
    ],
    invalid: {
      'code not in the shape of one': { code: 'not a code', message: 'x' },
      'code over 64': { code: `A${'_'.repeat(64)}`, message: 'x' },
      'unknown reason': { code: 'SESSION_EXPIRED', message: 'x', reason: 'moved' },
      'reason not a string': { code: 'SESSION_EXPIRED', message: 'x', reason: 1 },
      'closesInMs negative': { code: 'SERVER_SHUTTING_DOWN', message: 'x', closesInMs: -1 },
      'closesInMs fractional': { code: 'SERVER_SHUTTING_DOWN', message: 'x', closesInMs: 0.5 },
      'closesInMs past int32': { code: 'SERVER_SHUTTING_DOWN', message: 'x', closesInMs: 2 ** 31 },
      'message over 512': { code: 'BAD_FRAME', message: 'x'.repeat(513) },
      'rid past uint32': { code: 'BAD_FRAME', message: 'x', rid: 2 ** 32 },
    },
  },
  [Kind.Ping]: {
    valid: [
      { id: 0, t: 0 },
      { id: 1, t: 2.5 },
      { id: 0xffffffff, t: -1e12 },
    ],
    invalid: {
      'infinite t': { id: 1, t: Number.POSITIVE_INFINITY },
      'NaN t': { id: 1, t: Number.NaN },
      'negative id': { id: -1, t: 0 },
      'missing t': { id: 1 },
    },
  },
  [Kind.Pong]: {
    valid: [{ id: 1, t: 1_000, rt: 1_012.5 }],
    invalid: { 'missing rt': { id: 1, t: 2 }, 'string rt': { id: 1, t: 2, rt: '3' } },
  },
  [Kind.Ack]: {
    valid: [{ ack: 0 }, { ack: 300 }, { ack: Number.MAX_SAFE_INTEGER }],
    invalid: { fractional: { ack: 1.5 }, negative: { ack: -1 }, missing: {} },
  },
  [Kind.Bye]: {
    valid: [{ code: 'SERVER_SHUTTING_DOWN', message: 'bye' }],
    invalid: {
      'message over 512': { code: 'KICKED', message: 'x'.repeat(600) },
      'lower-case code': { code: 'kicked', message: '' },
    },
  },
  [Kind.ListRooms]: {
    valid: [
      { rid: 1 },
      { rid: 1, type: 'arena', filter: { mode: 'ffa', level: 2 }, includeFull: true },
      { rid: 1, type: 'arena', limit: 20 },
    ],
    invalid: {
      'limit 0': { rid: 1, limit: 0 },
      'limit not an integer': { rid: 1, limit: 2.5 },
      'limit a string': { rid: 1, limit: '20' },
      'filter value not scalar': { rid: 1, filter: { mode: { $ne: 1 } } },
      'filter with 17 entries': {
        rid: 1,
        filter: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])),
      },
      'filter key over 32': { rid: 1, filter: { ['k'.repeat(33)]: 1 } },
      'filter empty key': { rid: 1, filter: { '': 1 } },
      'filter string over 128': { rid: 1, filter: { mode: 'x'.repeat(129) } },
      'type with a space': { rid: 1, type: 'has space' },
      'missing rid': { type: 'arena' },
    },
  },
  [Kind.WatchRooms]: {
    valid: [{ rid: 1 }, { rid: 2, type: 'arena', filter: { mode: 'ffa' }, includeFull: false, limit: 1 }],
    invalid: {
      'filter value not scalar': { rid: 1, filter: { mode: [1] } },
      'limit negative': { rid: 1, limit: -3 },
      'type with a space': { rid: 1, type: 'has space' },
      'missing rid': { type: 'arena' },
    },
  },
  [Kind.UnwatchRooms]: {
    valid: [{ rid: 3 }],
    invalid: { 'missing rid': {}, 'negative rid': { rid: -1 } },
  },
  [Kind.CreateRoom]: {
    valid: [
      { rid: 1, type: 'arena' },
      { rid: 1, type: 'ctf:v2.1', private: true, options: { map: 'dunes', laps: [1, 2] } },
      { rid: 2, type: 'arena', options: nested(MAX_DATA_DEPTH) },
    ],
    invalid: {
      'type with a space': { rid: 1, type: 'has space' },
      'type over 64': { rid: 1, type: 'a'.repeat(65) },
      'private not boolean': { rid: 1, type: 'arena', private: 'yes' },
      'options too deep': { rid: 1, type: 'arena', options: nested(MAX_DATA_DEPTH + 1, 'map') },
    },
  },
  [Kind.JoinRoom]: {
    valid: [
      { rid: 2, roomId: ROOM },
      { rid: 2, roomId: 'room', options: { team: 'red' } },
    ],
    invalid: {
      'path in room id': { rid: 1, roomId: '../etc' },
      'room id too short': { rid: 1, roomId: 'abc' },
      'room id a number': { rid: 7, roomId: 12 },
    },
  },
  [Kind.JoinByCode]: {
    valid: [
      { rid: 1, code: 'k7q-2xm' },
      { rid: 1, code: '' },
    ],
    invalid: { 'code over 32': { rid: 1, code: 'x'.repeat(33) }, 'code a number': { rid: 1, code: 1234 } },
  },
  [Kind.QuickPlay]: {
    valid: [
      { rid: 1, type: 'arena' },
      { rid: 3, type: 'arena', filter: { mode: 'ffa' }, options: null },
      { rid: 4, type: 'arena', from: ['wss://node1.example.com/ws', 'wss://node2.example.com/ws'] },
    ],
    invalid: {
      'negative rid': { rid: -1, type: 'arena' },
      'missing type': { rid: 1 },
      'filter a string': { rid: 1, type: 'arena', filter: 'mode=ffa' },
      'from a string': { rid: 1, type: 'arena', from: 'wss://node1.example.com/ws' },
      'from of 5 nodes': {
        rid: 1,
        type: 'arena',
        from: Array.from({ length: 5 }, (_, i) => `ws://n${i}/ws`),
      },
      'from a URL over 512': { rid: 1, type: 'arena', from: [`ws://n/${'x'.repeat(512)}`] },
    },
  },
  [Kind.LeaveRoom]: {
    valid: [{ rid: 0 }],
    invalid: { 'missing rid': {}, 'fractional rid': { rid: 0.5 } },
  },
  [Kind.ClientRoomMessage]: {
    valid: [
      { t: 'chat', d: { text: 'hi' } },
      { t: 'fire' },
      { t: 'input', m: 0, d: [12, 0.5, -1] },
      { t: 'fire', m: 255 },
      { t: 'x'.repeat(64), d: [1, 'two', true, null, Uint8Array.of(3)] },
      { t: 'deep', d: nested(MAX_DATA_DEPTH, 'map') },
      { t: 'buy', d: { item: 'shield' }, q: 1 },
      { t: 'ready', m: 2, q: 0xffffffff },
    ],
    invalid: {
      'request id over 2^32 - 1': { t: 'buy', q: 2 ** 32 },
      'request id negative': { t: 'buy', q: -1 },
      'request id fractional': { t: 'buy', q: 1.5 },
      'request id a string': { t: 'buy', q: '1' },
      'empty type': { t: '' },
      'type over 64': { t: 'x'.repeat(65) },
      'data too deep': { t: 'x', d: nested(MAX_DATA_DEPTH + 1) },
      'membership over 255': { t: 'x', m: 256 },
      'membership negative': { t: 'x', m: -1 },
      'membership fractional': { t: 'x', m: 1.5 },
    },
  },
  [Kind.SignalToPeer]: {
    valid: [
      { to: PLAYER, s: { type: 'offer', sdp: 'v=0\r\n' } },
      { to: OTHER_PLAYER, s: null },
      { to: PLAYER, s: { candidate: 'c' }, m: 7 },
    ],
    invalid: {
      'signal over 16 KiB': { to: PLAYER, s: 'x'.repeat(20_000) },
      'signal too deep': { to: PLAYER, s: nested(MAX_DATA_DEPTH + 1) },
      'bad recipient': { to: 'x', s: {} },
      'membership a string': { to: PLAYER, s: {}, m: '7' },
    },
  },
  [Kind.DataToPeer]: {
    valid: [
      { to: PLAYER, c: 0, p: new Uint8Array(0) },
      { to: PLAYER, c: 3, p: new Uint8Array(16 * 1024) },
      { to: PLAYER, c: 0, p: Uint8Array.of(1), m: 200 },
    ],
    invalid: {
      'channel 4': { to: PLAYER, c: 4, p: Uint8Array.of(1) },
      'payload over 16 KiB': { to: PLAYER, c: 0, p: new Uint8Array(16 * 1024 + 1) },
      'payload as array': { to: PLAYER, c: 0, p: [1, 2] },
      'membership over 255': { to: PLAYER, c: 0, p: Uint8Array.of(1), m: 256 },
    },
  },
  [Kind.DataToPeers]: {
    valid: [
      { to: [PLAYER], c: 0, p: new Uint8Array(0) },
      { to: [PLAYER, OTHER_PLAYER], c: 0, p: new Uint8Array(16 * 1024), m: 200 },
      {
        to: Array.from({ length: 64 }, (_, i) => `player${String(i).padStart(3, '0')}`),
        c: 0,
        p: Uint8Array.of(1),
      },
    ],
    invalid: {
      'no recipients': { to: [], c: 0, p: Uint8Array.of(1) },
      '65 recipients': {
        to: Array.from({ length: 65 }, (_, i) => `player${String(i).padStart(3, '0')}`),
        c: 0,
        p: Uint8Array.of(1),
      },
      'a recipient twice': { to: [PLAYER, OTHER_PLAYER, PLAYER], c: 0, p: Uint8Array.of(1) },
      'bad recipient': { to: [PLAYER, 'x'], c: 0, p: Uint8Array.of(1) },
      'recipients not a list': { to: PLAYER, c: 0, p: Uint8Array.of(1) },
      'channel event': { to: [PLAYER, OTHER_PLAYER], c: 1, p: Uint8Array.of(1) },
      'channel dispatch': { to: [PLAYER, OTHER_PLAYER], c: 2, p: Uint8Array.of(1) },
      'payload over 16 KiB': { to: [PLAYER, OTHER_PLAYER], c: 0, p: new Uint8Array(16 * 1024 + 1) },
      'membership over 255': { to: [PLAYER], c: 0, p: Uint8Array.of(1), m: 256 },
    },
  },
  [Kind.LinkSignalToServer]: {
    valid: [
      { n: 1, s: { description: { type: 'answer', sdp: 'v=0' } } },
      { n: 1, s: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } } },
      { n: 3, retry: true },
    ],
    invalid: {
      'description type rollback': { n: 1, s: { description: { type: 'rollback', sdp: 'v=0' } } },
      'sdp over 16 KiB': { n: 1, s: { description: { type: 'answer', sdp: 'x'.repeat(16 * 1024 + 1) } } },
      'candidate over 1 KiB': { n: 1, s: { candidate: { candidate: 'c'.repeat(1_025) } } },
      'negative attempt': { n: -1, retry: true },
      'retry false': { n: 1, retry: false },
    },
  },
  [Kind.DatagramToServer]: {
    valid: [
      { c: 0, p: [Uint8Array.of(1)] },
      { c: 2, p: Array.from({ length: 64 }, () => new Uint8Array(4)) },
    ],
    invalid: {
      'empty batch': { c: 0, p: [] },
      'batch of 65': { c: 0, p: Array.from({ length: 65 }, () => Uint8Array.of(1)) },
      'payload over 16 KiB': { c: 0, p: [new Uint8Array(16 * 1024 + 1)] },
      'channel 4': { c: 4, p: [Uint8Array.of(1)] },
    },
  },
  [Kind.Response]: {
    valid: [
      { rid: 1, ok: true },
      { rid: 2, ok: true, result: { room: roomInfo, members: [member] } },
      { rid: 2, ok: true, result: { room: roomInfo, members: [member], membership: 3 } },
      { rid: 3, ok: false, code: 'ROOM_NOT_FOUND', message: 'no room' },
      { rid: 4, ok: false, code: 'NOPE', message: 'a code of a newer server' },
    ],
    invalid: {
      'failure without code': { rid: 1, ok: false, message: 'no code' },
      'ok not boolean': { rid: 1, ok: 'yes' },
      'code not in the shape of one': { rid: 1, ok: false, code: 'nope', message: '' },
    },
  },
  [Kind.RoomList]: {
    valid: [
      { rooms: [] },
      { rooms: [roomInfo, { ...roomInfo, roomId: 'room-two', clients: 0 }] },
      // Entries are read one by one (readRooms): the client leaves this one out, not the whole list.
      { rooms: [roomInfo, { ...roomInfo, maxClients: undefined }] },
    ],
    invalid: {
      'missing rooms': {},
      'rooms not a list': { rooms: roomInfo },
    },
  },
  [Kind.MemberJoined]: {
    valid: [
      { roomId: ROOM, member },
      { roomId: ROOM, member: { ...member, seating: 7 } },
    ],
    invalid: {
      'missing member': { roomId: ROOM },
      'member name over 64': { roomId: ROOM, member: { ...member, name: 'n'.repeat(65) } },
      'seating 0': { roomId: ROOM, member: { ...member, seating: 0 } },
    },
  },
  [Kind.MemberLeft]: {
    valid: [
      { roomId: ROOM, playerId: PLAYER, reason: 'left' },
      { roomId: ROOM, playerId: PLAYER, reason: 'SESSION_EXPIRED' },
      { roomId: ROOM, playerId: PLAYER, reason: 'A_NEWER_SERVERS_REASON' },
    ],
    invalid: { 'reason not in the shape of a code': { roomId: ROOM, playerId: PLAYER, reason: 'bored' } },
  },
  [Kind.MemberAway]: {
    valid: [{ roomId: ROOM, playerId: PLAYER }],
    invalid: { 'short player id': { roomId: ROOM, playerId: 'short' } },
  },
  [Kind.MemberBack]: {
    valid: [{ roomId: ROOM, playerId: PLAYER }],
    invalid: { 'numeric room id': { roomId: 1, playerId: PLAYER } },
  },
  [Kind.RoomLeft]: {
    valid: [{ roomId: ROOM, reason: 'KICKED', message: 'bye' }],
    invalid: { 'missing message': { roomId: ROOM, reason: 'KICKED' } },
  },
  [Kind.RoomState]: {
    valid: [
      { roomId: ROOM, members: [] },
      { roomId: ROOM, members: [member], state: { score: [1, 2] } },
      {
        roomId: ROOM,
        members: [
          { ...member, seating: 2 },
          { ...member, playerId: OTHER_PLAYER, seating: 9 },
        ],
      },
    ],
    invalid: {
      'members a map': { roomId: ROOM, members: {} },
      'fractional seating': { roomId: ROOM, members: [{ ...member, seating: 1.5 }] },
      'over 1024 members': { roomId: ROOM, members: new Array(1025).fill(member) },
    },
  },
  [Kind.ServerRoomMessage]: {
    valid: [
      { roomId: ROOM, t: 'chat', d: { text: 'hi' } },
      { roomId: ROOM, t: 'tick', d: 1, from: PLAYER },
    ],
    invalid: {
      'type over 64': { roomId: ROOM, t: 'x'.repeat(65) },
      'bad from': { roomId: ROOM, t: 'x', from: 'no spaces allowed' },
    },
  },
  [Kind.SignalFromPeer]: {
    valid: [
      { from: PLAYER, s: { candidate: 'c' } },
      { from: PLAYER, s: { candidate: 'c' }, m: 255 },
    ],
    invalid: {
      'bad from': { from: 'x', s: {} },
      'signal over 16 KiB': { from: PLAYER, s: ['x'.repeat(17_000)] },
      'membership over 255': { from: PLAYER, s: {}, m: 256 },
    },
  },
  [Kind.DataFromPeer]: {
    valid: [
      { from: PLAYER, c: 0, p: new Uint8Array(16), t: 5 },
      { from: PLAYER, c: 2, p: Uint8Array.of(1), t: 5, m: 255 },
    ],
    invalid: {
      'payload over 16 KiB': { from: PLAYER, c: 0, p: new Uint8Array(17_000), t: 5 },
      'missing time': { from: PLAYER, c: 0, p: new Uint8Array(1) },
      'membership over 255': { from: PLAYER, c: 0, p: Uint8Array.of(1), t: 5, m: 256 },
    },
  },
  [Kind.LinkSignalFromServer]: {
    valid: [{ n: 2, s: { description: { type: 'offer', sdp: 'v=0' } } }],
    invalid: { 'no signal': { n: 2 }, 'attempt as text': { n: '2', s: { candidate: {} } } },
  },
  [Kind.DatagramFromServer]: {
    valid: [{ c: 0, p: new Uint8Array(100), t: 7 }],
    invalid: {
      'a batch': { c: 0, p: [Uint8Array.of(1)], t: 7 },
      'missing time': { c: 1, p: Uint8Array.of(1) },
    },
  },
  [Kind.RefreshIceServers]: {
    valid: [{}],
    // msgpack bin and timestamp bodies decode to objects too (a Uint8Array, a Date): no map either.
    invalid: { 'not a map': [1], nil: null, bytes: Uint8Array.of(1, 2), 'a timestamp': new Date(0) },
  },
  [Kind.IceServers]: {
    valid: [
      { iceServers: [] },
      {
        iceServers: [{ urls: ['turn:turn.example.org'], username: '1700003600:u', credential: 'c' }],
        iceTtlMs: 3_600_000,
      },
    ],
    invalid: {
      'missing servers': { iceTtlMs: 1_000 },
      'over 8 ice servers': { iceServers: new Array(9).fill({ urls: 'stun:s' }) },
      'ttl zero': { iceServers: [], iceTtlMs: 0 },
      'ttl fractional': { iceServers: [], iceTtlMs: 1.5 },
    },
  },
  [Kind.RoomReply]: {
    valid: [
      { q: 1, ok: true },
      { q: 2, ok: true, d: { ok: true, coins: 40 } },
      { q: 3, ok: true, d: nested(MAX_DATA_DEPTH, 'map') },
      { q: 4, ok: false, code: 'REQUEST_FAILED', message: 'not enough coins', reason: 'NOT_ENOUGH_COINS' },
      { q: 0xffffffff, ok: false, code: 'UNKNOWN_MESSAGE_TYPE', message: "no handler for 'x'" },
      // Read in the shape of a code; the server takes only a client's few refusals (player-answers.ts).
      { q: 5, ok: false, code: 'NOPE', message: '' },
    ],
    invalid: {
      'missing id': { ok: true },
      'id over 2^32 - 1': { q: 2 ** 32, ok: true },
      'failure without code': { q: 1, ok: false, message: 'no code' },
      'code not in the shape of one': { q: 1, ok: false, code: 'no-pe', message: '' },
      'reason with a space': { q: 1, ok: false, code: 'REQUEST_FAILED', message: '', reason: 'NO COINS' },
      'reason over 64': { q: 1, ok: false, code: 'REQUEST_FAILED', message: '', reason: 'X'.repeat(65) },
      'message over 512': { q: 1, ok: false, code: 'REQUEST_FAILED', message: 'x'.repeat(513) },
      'data too deep': { q: 1, ok: true, d: nested(MAX_DATA_DEPTH + 1) },
    },
  },
};

export const bodyKinds = Object.keys(examples).map(Number) as BodyKind[];
