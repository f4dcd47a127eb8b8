/** The systems the CCU benchmark compares, and what its processes say to each other. */
import { PLAYERS_PER_ROOM } from './scenario.js';

/**
 * - 'bare-ws': the floor (server-bare-ws.ts);
 * - 'bare-uws': the same floor on uWebSockets.js (server-bare-uws.ts), asked for by name only: its
 *   package is installed by hand (see uws-binary.ts);
 * - 'colyseus': Colyseus 0.16 (server-colyseus.ts);
 * - 'ours-ws': vehikill-net, everything on the WebSocket, inputs as volatile room messages
 *   (snapshots and their acks on the link in TCP mode);
 * - 'ours-ws-phys': the same server, inputs on the link's `phys` in TCP mode, carrying the acks;
 * - 'ours-link': vehikill-net with the server link direct (WebRTC datagrams), inputs on `phys`.
 */
export type System = 'bare-ws' | 'bare-uws' | 'colyseus' | 'ours-ws' | 'ours-ws-phys' | 'ours-link';
/** What a run measures when it names no systems. */
export const SYSTEMS: readonly System[] = ['bare-ws', 'colyseus', 'ours-ws', 'ours-ws-phys', 'ours-link'];
/** Every system a run may name. */
export const NAMED_SYSTEMS: readonly System[] = [...SYSTEMS, 'bare-uws'];

/** The server process to start for a system (both WebSocket variants of ours share one). */
export type ServerKind = 'bare-ws' | 'bare-uws' | 'colyseus' | 'ours-ws' | 'ours-link';
export const serverKindOf = (system: System): ServerKind => (system === 'ours-ws-phys' ? 'ours-ws' : system);

export const SYSTEM_NAMES: Record<System, string> = {
  'bare-ws': 'bare ws + msgpack (floor)',
  'bare-uws': 'bare uWebSockets.js + msgpack (floor on another WebSocket stack)',
  colyseus: 'Colyseus 0.16 (@colyseus/schema 3, patchRate 50 ms)',
  'ours-ws': 'vehikill-net over WebSocket (inputs: volatile room messages)',
  'ours-ws-phys': 'vehikill-net over WebSocket (inputs: phys in TCP mode, acks ride on them)',
  'ours-link': 'vehikill-net over the server link (WebRTC datagrams)',
};

export type ServerRequest = { op: 'mark' } | { op: 'read' } | { op: 'close' };

/**
 * How the bots load the server. 'full': every player is a full client that decodes all it receives.
 * 'light': one player per room does; the other 15 take the same messages in and send the same ones
 * (vehikill-net's ack every snapshot from its header, so the server's per-client baselines, shared
 * bodies and deltas are exactly those of full clients) but skip decoding state. The server's work is
 * the same either way; the light model lets one bot core drive more players than any full client of
 * these systems can (about 1,000 here), with one decoding client per room still checking the state.
 */
export type LoadModel = 'full' | 'light';

export function decodingPerRoom(load: LoadModel): number {
  if (load === 'full') return PLAYERS_PER_ROOM;
  if (load === 'light') return 1;
  throw new TypeError(`load model must be 'full' or 'light', got ${JSON.stringify(load)}`);
}

export type BotRequest = { op: 'add'; count: number } | { op: 'mark' } | { op: 'read' } | { op: 'close' };

export interface AddReply {
  /** Players in the process after the add, and how many of them are direct ('ours-link'). */
  players: number;
  direct: number;
  joinMs: number;
}
