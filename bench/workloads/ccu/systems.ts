/** The systems the CCU benchmark compares, and what its processes say to each other. */

/**
 * - 'bare-ws': the floor (server-bare-ws.ts);
 * - 'colyseus': Colyseus 0.16 (server-colyseus.ts);
 * - 'ours-ws': vehikill-net, everything on the WebSocket, inputs as volatile room messages
 *   (snapshots and their acks on the link in TCP mode);
 * - 'ours-ws-phys': the same server, inputs on the link's `phys` in TCP mode, carrying the acks;
 * - 'ours-link': vehikill-net with the server link direct (WebRTC datagrams), inputs on `phys`.
 */
export type System = 'bare-ws' | 'colyseus' | 'ours-ws' | 'ours-ws-phys' | 'ours-link';
export const SYSTEMS: readonly System[] = ['bare-ws', 'colyseus', 'ours-ws', 'ours-ws-phys', 'ours-link'];

/** The server process to start for a system (both WebSocket variants of ours share one). */
export type ServerKind = 'bare-ws' | 'colyseus' | 'ours-ws' | 'ours-link';
export const serverKindOf = (system: System): ServerKind => (system === 'ours-ws-phys' ? 'ours-ws' : system);

export const SYSTEM_NAMES: Record<System, string> = {
  'bare-ws': 'bare ws + msgpack (floor)',
  colyseus: 'Colyseus 0.16 (@colyseus/schema 3, patchRate 50 ms)',
  'ours-ws': 'vehikill-net over WebSocket (inputs: volatile room messages)',
  'ours-ws-phys': 'vehikill-net over WebSocket (inputs: phys in TCP mode, acks ride on them)',
  'ours-link': 'vehikill-net over the server link (WebRTC datagrams)',
};

export type ServerRequest = { op: 'mark' } | { op: 'read' } | { op: 'close' };

export type BotRequest = { op: 'add'; count: number } | { op: 'mark' } | { op: 'read' } | { op: 'close' };

export interface AddReply {
  /** Players in the process after the add, and how many of them are direct ('ours-link'). */
  players: number;
  direct: number;
  joinMs: number;
}
