/** Every server-link benchmark in one call, for bench/run.ts: `rows.push(...(await benchServerLink()))`. */
import type { Row } from '../results.js';
import { benchServerLinkCpu } from './server-link-cpu.js';
import { benchServerLinkLatency } from './server-link-latency.js';
import { benchServerLinkStorm } from './server-link-storm.js';

export async function benchServerLink(): Promise<Row[]> {
  return [
    ...(await benchServerLinkCpu()),
    ...(await benchServerLinkStorm()),
    ...(await benchServerLinkLatency()),
  ];
}
