/** A throttling rate's measurements as benchmark rows. */
import { type Row, rowsFor } from '../../results.js';
import type { Origin } from './bundle-origin.js';
import type { RateResult } from './measure-rate.js';

/** An origin's share (%) of the profile's busy (not idle) time; NaN when the profile saw no work. */
export function busyPercent(origins: ReadonlyMap<Origin, number>, origin: Origin): number {
  let busy = 0;
  for (const [name, time] of origins) if (name !== 'idle') busy += time;
  return busy > 0 ? ((origins.get(origin) ?? 0) / busy) * 100 : Number.NaN;
}

export function rateRows(result: RateResult, players: number): Row[] {
  const workload = `Vehikill page, ${players} players, CPU throttled ${result.rate}x`;
  const row = rowsFor(workload, 'vehikill-net');
  const { frames, busy, origins } = result;
  const libraryMsPerSecond = (origins.get('library') ?? 0) / 1000 / (result.profileUs / 1e6);
  return [
    row('frames drawn', frames.fps, 'fps'),
    row('frame time p50 (update + draw)', frames.p50, 'ms'),
    row('frame time p95', frames.p95, 'ms'),
    row('frame time p99', frames.p99, 'ms'),
    row('frame time max', frames.max, 'ms'),
    row('main thread busy (TaskDuration)', busy.task * 100, '%'),
    row('JavaScript (ScriptDuration)', busy.script * 100, '%'),
    row('networking library (src/), of profiled busy time', busyPercent(origins, 'library'), '%'),
    row('networking library (src/), per second', libraryMsPerSecond, 'ms/s'),
    row('game code (game/), of profiled busy time', busyPercent(origins, 'game'), '%'),
    row(
      'npm packages (msgpack, fflate, valibot), of profiled busy time',
      busyPercent(origins, 'dependencies'),
      '%',
    ),
    row('unmapped bundle code, of profiled busy time', busyPercent(origins, 'unmapped'), '%'),
    row('data channel messages sent (server link datagrams)', result.sendsPerSecond.dataChannel, 'per s'),
    row('WebSocket frames sent', result.sendsPerSecond.webSocket, 'per s'),
    row('own car on the road (polls)', result.ownCarShare * 100, '%'),
    row('players drawn at once (most)', result.playersSeen, 'players'),
  ];
}
