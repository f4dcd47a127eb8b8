/** What the benchmark process and its client processes (clients.ts) say to each other over IPC. */

/** 'direct': a server link over WebRTC; 'tcp': the same Link forced to TCP mode; 'ws': a bare socket. */
export type System = 'direct' | 'tcp' | 'ws';

export type ChildRequest =
  | {
      op: 'open';
      system: System;
      url: string;
      count: number;
      /** Join this room; without it the first player creates one of `roomType`. */
      roomId?: string;
      roomType?: string;
      /** Groups players for `record-stop`. Default: the system. */
      label?: string;
      /** 'direct': wait at most this long for every link to be direct. Default 60 s. */
      directTimeoutMs?: number;
    }
  | { op: 'traffic'; hz: number; bytes: number }
  | { op: 'counts' }
  | { op: 'record-start' }
  | { op: 'record-stop' }
  | { op: 'close' };

export interface OpenReply {
  roomId: string;
  /** From the request until every player had joined (ms). */
  joinedMs: number;
  /** ...until every link was direct ('direct'), else as joinedMs. */
  readyMs: number;
  /** Players whose link was direct at the reply. */
  direct: number;
}

export interface CountsReply {
  /** Snapshots received by all players so far. */
  received: number;
  /** ...of which arrived a second time (same sequence number). */
  duplicates: number;
  /** Inputs sent by all players so far. */
  sent: number;
  direct: number;
  players: number;
}

export interface LatencySummary {
  label: string;
  received: number;
  p50: number;
  p99: number;
  max: number;
  /** Longest time between two consecutive snapshot arrivals at one player (ms). */
  longestGapMs: number;
  /** Each player's path at the end ('direct', 'tcp', 'ws'). */
  paths: string[];
}

export type ChildReply = OpenReply | CountsReply | { summaries: LatencySummary[] } | Record<string, never>;
