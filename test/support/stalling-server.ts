/**
 * Run as its own process (a JsonProcess, bundled by the server-stall tests): a GameServer on a free port
 * with a 'count' room type that counts each player's 'input' messages, the datagrams of its server link
 * and its 'say' messages within the room's MessageBudget (3 at once, then one a second), with the server options given as JSON in the first argument over its own (e.g.
 * `{"heartbeatMs": 250}`). Prints `{ wsUrl, httpUrl }` once listening. Commands, one JSON line each:
 * - `{ stall: ms }` answers `{ stalling: ms }`, blocks the whole process for `ms` (Atomics.wait: its
 *   sockets go unread meanwhile, as in a long GC pause or a starved CPU), then says `{ stalled: ms }`;
 * - `{ counts: true }` answers `{ counts: { [playerId]: { inputs, datagrams, said, refused } } }`;
 * - `{ metric: name }` answers `{ total }`: the server's counter of that name, over all its labels.
 * A separate process, so that a stall of the server is not a stall of its players too.
 */
import { createInterface } from 'node:readline';
import * as v from 'valibot';
import {
  type CountingMetrics,
  GameServer,
  MessageBudget,
  Room,
  type RoomClient,
} from '../../src/server/index.js';

interface Counts {
  inputs: number;
  datagrams: number;
  /** 'say' messages the room's budget let through, and refused. */
  said: number;
  refused: number;
}

const counts: Record<string, Counts> = {};
const countOf = (client: RoomClient) => {
  counts[client.playerId] ??= { inputs: 0, datagrams: 0, said: 0, refused: 0 };
  return counts[client.playerId] as Counts;
};

class CountRoom extends Room {
  #sayBudget!: MessageBudget;

  override onCreate(): void {
    // Made with the room's clock, whose stalls it credits from the room's creation on.
    this.#sayBudget = new MessageBudget({ burst: 3, perSecond: 1 }, this.clock);
    this.setMaxClients(16);
    this.onMessage('input', v.number(), (client) => {
      countOf(client).inputs++;
    });
    this.onMessage('say', v.string(), (client) => {
      if (this.#sayBudget.admitNow(client.playerId) === 'pass') countOf(client).said++;
      else countOf(client).refused++;
    });
  }

  override onLinkMessage(client: RoomClient): void {
    countOf(client).datagrams++;
  }
}

const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const server = new GameServer({ serverLink: { enabled: false }, ...overrides });
server.define('count', CountRoom);
const { wsUrl, httpUrl } = await server.listen(0);
console.log(JSON.stringify({ wsUrl, httpUrl }));

const blocked = new Int32Array(new SharedArrayBuffer(4));
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { stall?: number; counts?: true; metric?: string };
  if (command.stall !== undefined) {
    // Written before the process blocks: stdout to a pipe is written at once on Linux.
    console.log(JSON.stringify({ stalling: command.stall }));
    Atomics.wait(blocked, 0, 0, command.stall);
    console.log(JSON.stringify({ stalled: command.stall }));
  } else if (command.counts) {
    console.log(JSON.stringify({ counts }));
  } else if (command.metric !== undefined) {
    console.log(JSON.stringify({ total: (server.metrics as CountingMetrics).total(command.metric) }));
  }
}
await server.close({ drainMs: 0 });
