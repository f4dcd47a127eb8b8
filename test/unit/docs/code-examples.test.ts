import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API, type Diagnostic, DiagnosticCategory } from 'typescript/unstable/async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The ```ts blocks of README.md and docs/*.md, type-checked against the sources as apps see them.
 *
 * Each block becomes a virtual module (nothing is written to disk) inside the package, so
 * `vehikill-net/<layer>` resolves by the package's own "exports" and the "source" condition of
 * tsconfig.base.json to src/<layer>/index.ts, as it does for the tests; the options are the repo's
 * (strict, ESM, top-level await). All blocks are checked by one program of one tsgo process.
 *
 * Most blocks are fragments that use names they do not declare (`client`, `room`, `render`...): PRELUDES
 * declares them, per doc file and block, keyed by the block's first non-blank line (with ` #2`, ` #3`...
 * for the second, third... block of a doc that begins with the same line). A block preceded by
 * `<!-- not checked: reason -->` is pseudo-code and is skipped. A block that other blocks import as a
 * module is named in MODULES.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the blocks' virtual modules live: inside the package, so that its "exports" resolve. */
const VIRTUAL_DIR = join(ROOT, '.docs-code-examples');
const VIRTUAL_CONFIG = join(VIRTUAL_DIR, 'tsconfig.json');

interface Prelude {
  /** Declarations placed before the block: imports the block leaves out, and the free names it uses. */
  readonly before: string;
  /** Placed after the block, for a block that is a piece of a body (`before` then opens it). */
  readonly after?: string;
}

/** A prelude that is only declarations. */
const declares = (before: string): Prelude => ({ before });

const PRELUDES: Readonly<Record<string, Readonly<Record<string, Prelude>>>> = {
  'README.md': {
    '// server.ts (Node)': declares(''),
  },
  'docs/client.md': {
    "import { Client } from 'vehikill-net/client';": declares(''),
    "window.addEventListener('pagehide', () => {": declares(`
      import type { Client } from 'vehikill-net/client';
      declare const client: Client;
    `),
    "window.addEventListener('pagehide', () => { #2": declares(`
      import type { Client } from 'vehikill-net/client';
      declare const client: Client;
    `),
    "const saved = sessionStorage.getItem('resumeToken') ?? undefined;": declares(`
      import { Client, type RoomConnection } from 'vehikill-net/client';
      declare const url: string;
      declare function showWhy(message: string, reason: string | undefined): void;
      declare function attachHandlers(room: RoomConnection): void;
    `),
    "const watch = await client.watchRooms({ type: 'arena', includeFull: true }, (rooms) => render(rooms));":
      declares(`
        import type { Client, RoomInfo } from 'vehikill-net/client';
        declare const client: Client;
        declare function render(rooms: readonly RoomInfo[]): void;
      `),
    "watch.on('error', (error) => showStale(`lobby not updating (${error.code})`));": declares(`
      import type { RoomWatch } from 'vehikill-net/client';
      declare const watch: RoomWatch;
      declare function showStale(text: string): void;
    `),
    "room.onRequest('ready?', async ({ track }) => {": declares(`
      import { RoomError, type RoomConnection } from 'vehikill-net/client';
      declare const room: RoomConnection<{ 'ready?': { track: string } }>;
      declare function inMenu(): boolean;
      declare function askPlayer(question: string): Promise<boolean>;
    `),
    'type Replies = { buy: { ok: boolean; coins: number } };': declares(`
      import type { Client } from 'vehikill-net/client';
      declare const client: Client;
      type ToClient = { bought: string };
      type ToServer = { buy: { item: string } };
    `),
    "const client = new Client({ serverLink: 'prefer' });": declares(`
      import { Channel, Client } from 'vehikill-net/client';
      declare function applySnapshot(bytes: Uint8Array): void;
      declare function sampleInput(): { steer: number; throttle: number };
      declare function encodeInput(input: { steer: number; throttle: number }): Uint8Array;
    `),
    'const client = new Client({ conditioner: { phys: { delayMs: 80, jitterMs: 20, lossRate: 0.05 } } });':
      declares(`
        import { Client } from 'vehikill-net/client';
      `),
    'const mesh = room.mesh(); // a link to every other member, made and kept as players come and go':
      declares(`
        import { Channel, type LeaveReason, type LinkState, type RoomConnection } from 'vehikill-net/client';
        declare const room: RoomConnection;
        declare const peerId: string;
        declare const sample: Uint8Array;
        declare const hit: Uint8Array;
        declare const chat: Uint8Array;
        declare function addPlayer(playerId: string, name: string, state: LinkState | undefined): void;
        declare function removePlayer(playerId: string, reason: LeaveReason): void;
        declare function showPath(peerId: string, state: LinkState): void;
        declare function onChat(from: string, bytes: Uint8Array): void;
        declare function onHit(from: string, bytes: Uint8Array): void;
        declare function onSample(from: string, bytes: Uint8Array): void;
      `),
    "import { RTCPeerConnection } from 'node-datachannel/polyfill';": declares(`
      import type { RoomConnection } from 'vehikill-net/client';
      declare const room: RoomConnection;
    `),
    "mesh.on('peer-demoted', ({ peerId, forMs }) => log(peerId, 'flooded: relay only for', forMs));":
      declares(`
        import type { PeerMesh } from 'vehikill-net/client';
        declare const mesh: PeerMesh;
        declare function log(...parts: unknown[]): void;
      `),
    'const voice = room.voice(); // calls and answers every member; listening needs no microphone': declares(`
      import type { RoomConnection } from 'vehikill-net/client';
      declare const room: RoomConnection;
      declare const peerId: string;
      declare const keyDown: boolean;
      declare function showBanner(message: string): void;
      declare function markSpeaker(peerId: string, speaking: boolean): void;
      declare function showTalkOff(message: string): void;
    `),
  },
  'docs/netcode.md': {
    '// Server: a room with `sync` (RoomSync), `inputs` (an InputBuffer per player) and `tick` (the last run).':
      declares(`
        import { type Client, isEntityOf, type SyncedState } from 'vehikill-net/client';
        import {
          AdaptiveDelay,
          decodeInputPacket,
          encodeInputPacket,
          type InputBuffer,
          type InputCodec,
          InputHistory,
          InterpolationBuffer,
          leadTicks,
          Predictor,
        } from 'vehikill-net/netcode';
        import { Channel, Room, type RoomClient, type RoomSync } from 'vehikill-net/server';
        import { entity, type StateOf, type Vec2, vec2 } from 'vehikill-net/sync';

        const CarType = entity('car', { position: vec2({ min: -500, max: 500, precision: 0.01 }) });
        type Car = StateOf<typeof CarType>;
        interface Input { steer: number; throttle: number }
        // The members the fragment's comment says the room has.
        interface Arena { sync: RoomSync; inputs: Map<string, InputBuffer<Input>>; tick: number }
        declare const inputCodec: InputCodec<Input>;
        declare const initial: Car;
        declare function step(state: Car, input: Input): void; // in place: the Predictor refuses a returned state
        declare function clone(state: Car): Car;
        declare function distance(a: Car, b: Car): number;
        declare const state: SyncedState<[typeof CarType]>;
        declare const client: Client;
        declare const ownId: number;
        declare const id: number;
        declare const rttMs: number;
        declare const TICK_MS: number;
        declare const TICK_RATE: number;
      `),
    '// Client: the lead from the round trip of the link the inputs take, measured on it (as ArenaClient).':
      declares(`
        import type { SyncedState } from 'vehikill-net/client';
        import { ClockSync, leadTicks } from 'vehikill-net/netcode';
        import { Channel, type RoomClient } from 'vehikill-net/server';
        import { type AnyEntityType, encodeAppFrame } from 'vehikill-net/sync';

        // The app's own clock messages (Vehikill's are in game/net/protocol/messages.ts).
        interface ClockReply { sentAt: number; receivedAt: number; repliedAt: number }
        declare function encodeClockProbe(sentAt: number): Uint8Array;
        declare function encodeClockReply(sentAt: number, receivedAt: number, repliedAt: number): Uint8Array;
        declare function decodeClockReply(bytes: Uint8Array): ClockReply | undefined;
        declare const state: SyncedState<AnyEntityType[]>;
        declare const TICK_MS: number;
        declare const TICK_RATE: number;
      `),
  },
  'docs/server.md': {
    "server.define('arena', Arena, { quickPlayOrder: 'fullest' });": declares(`
      import type { GameServer, Room } from 'vehikill-net/server';
      declare const server: GameServer;
      declare const Arena: new () => Room;
    `),
    "import http from 'node:http';": declares(`
      import type { Room } from 'vehikill-net/server';
      declare const Arena: new () => Room;
    `),
    'const app = express();': declares(`
      import express from 'express';
      import type { GameServer } from 'vehikill-net/server';
      declare const game: GameServer;
    `),
    'const app = Fastify();': declares(`
      import Fastify from 'fastify';
      import type { GameServer } from 'vehikill-net/server';
      declare const game: GameServer;
    `),
    "import * as v from 'valibot';": declares(''),
    "import * as v from 'valibot'; #2": declares(''),
    "import * as v from 'valibot'; #3": declares(`
      import type { GameServer } from 'vehikill-net/server';
      declare const server: GameServer;
      declare function loadPrices(): Promise<[string, number][]>;
    `),
    // "Testing your rooms": a whole vitest file with the kit.
    "import * as v from 'valibot'; #4": declares(''),
    // "Testing your rooms": a test of the first block's file that drops a client.
    "import { dropConnection } from 'vehikill-net/testing';": declares(`
      import { Room } from 'vehikill-net/server';
      import { startTestGame, type TestGame } from 'vehikill-net/testing';
      import { expect, it } from 'vitest';
      declare class Counter extends Room {}
      type ToClient = { counter: { total: number } };
      type ToServer = { add: { by: number } };
      declare let game: TestGame | undefined;
    `),
    // "Testing your rooms", a room with synced state: a whole vitest file too.
    "import * as v from 'valibot'; #5": declares(''),
    "import { Room, type RoomClient } from 'vehikill-net/server'; #2": declares(''),
    '// Who is online on this node, and an audit log of logins and logouts.': declares(`
      import type { GameServer } from 'vehikill-net/server';
      declare const server: GameServer;
    `),
    '// On every node: the users online anywhere, as the nodes tell each other.': declares(`
      import type { GameServer } from 'vehikill-net/server';
      declare const server: GameServer;
    `),
    "import { GameServer, Room } from 'vehikill-net/server';": declares(`
      import type { GameServerOptions } from 'vehikill-net/server';
      declare const options: GameServerOptions;
      declare class ArenaRoom extends Room {}
    `),
    'async function main(): Promise<void> {': declares(`
      import {
        exitOnStartFailure,
        GameServer,
        optionsFromEnvironment,
        portFromEnvironment,
        Room,
        stopOnSignals,
        urlToOpen,
      } from 'vehikill-net/server';
      declare const staticDir: string;
      declare class Arena extends Room {}
    `),
    "import { Room, type RoomClient } from 'vehikill-net/server';": declares(''),
    "import { MessageBudget, Room } from 'vehikill-net/server';": declares(`
      import * as v from 'valibot';
      const chatSchema = v.object({ text: v.pipe(v.string(), v.maxLength(500)) });
    `),
    'const room = server.localRoom(roomId); // the Room object, or undefined': declares(`
      import { type GameServer, Room } from 'vehikill-net/server';
      declare const server: GameServer;
      declare const roomId: string;
      declare const playerId: string;
      declare class Arena extends Room { startOvertime(): void }
    `),
    "import { Channel, Room, type RoomClient } from 'vehikill-net/server';": declares(`
      interface Input { steer: number; throttle: number }
      interface Arena { applyInput(client: RoomClient, input: Input): void }
      declare function decodeInput(bytes: Uint8Array): Input;
      declare function encodeSnapshotFor(client: RoomClient): Uint8Array;
    `),
  },
  'docs/sync.md': {
    "import { BitReader, BitWriter } from 'vehikill-net/protocol';": declares(''),
    "import { entity, enumOf, float, int, list, quantizeState, string } from 'vehikill-net/sync';":
      declares(''),
    "import { angle, bool, entity, enumOf, fieldMask, int, quantizeState, vec2 } from 'vehikill-net/sync';":
      declares(''),
    'import {': declares(`
      import { entity, int, type StateOf, vec3 } from 'vehikill-net/sync';
      const Vehicle = entity('vehicle', {
        position: vec3({ min: -1000, max: 1000, precision: 0.01 }),
        hp: int({ min: 0, max: 100 }),
      });
      const Pickup = entity('pickup', { position: vec3({ min: -1000, max: 1000, precision: 0.01 }) });
      declare const car: StateOf<typeof Vehicle>;
      declare const nextCarState: StateOf<typeof Vehicle>;
      declare const playerVehicle: number;
      declare function distanceToPlayer(id: number): number;
      declare const tick: number;
      declare function send(bytes: Uint8Array): void;
      declare const ackBytes: Uint8Array;
      declare const bytes: Uint8Array;
      declare function render(vehicle: StateOf<typeof Vehicle> | undefined): void;
      declare function sendAck(bytes: Uint8Array): void;
    `),
    'const cache = new EncodingCache();': declares(`
      import {
        EncodingCache,
        type EntityTable,
        entity,
        entityRegistry,
        type PriorityAccumulator,
        SharedSnapshots,
        SnapshotEncoder,
        vec3,
      } from 'vehikill-net/sync';
      const Vehicle = entity('vehicle', { position: vec3({ min: -1000, max: 1000, precision: 0.01 }) });
      const registry = entityRegistry([Vehicle]);
      declare const priority: PriorityAccumulator;
      declare const world: EntityTable;
      declare const tick: number;
      declare const budgetBytes: number;
    `),
    'const frame = world.frame(tick);': declares(`
      import { type EntityRecord, type EntityTable, frameView, type SnapshotEncoder } from 'vehikill-net/sync';
      declare const world: EntityTable;
      declare const tick: number;
      declare const player: number;
      declare function inSight(player: number, entity: EntityRecord): boolean;
      declare const encoder: SnapshotEncoder;
      declare const budgetBytes: number;
    `),
    '// Server': declares(`
      import type { Client } from 'vehikill-net/client';
      import { entity, int, type StateOf, vec3 } from 'vehikill-net/sync';
      const Vehicle = entity('vehicle', {
        position: vec3({ min: -1000, max: 1000, precision: 0.01 }),
        hp: int({ min: 0, max: 100 }),
      });
      const Shell = entity('shell', { position: vec3({ min: -1000, max: 1000, precision: 0.01 }) });
      interface Input { steer: number; throttle: number }
      interface Arena { applyInput(client: RoomClient, input: Input): void }
      declare const car: StateOf<typeof Vehicle>;
      declare function simulate(world: RoomSync['world']): void;
      declare function decodeInput(bytes: Uint8Array): Input;
      declare function encodeInput(input: Input): Uint8Array;
      declare const input: Input;
      declare const client: Client;
      declare const roomId: string;
      declare const id: number;
      declare const scene: { add(id: number, entity: unknown): void; remove(id: number): void };
      declare function moveCar(id: number, position: StateOf<typeof Vehicle>['position'], changed: unknown): void;
      declare function explode(state: unknown): void;
    `),
    'this.sync = new RoomSync(this, {': {
      before: `
        import { Room, type RoomClient, RoomSync } from 'vehikill-net/server';
        import { entity, vec3 } from 'vehikill-net/sync';
        const Vehicle = entity('vehicle', { position: vec3({ min: -1000, max: 1000, precision: 0.01 }) });
        const Shell = entity('shell', { position: vec3({ min: -1000, max: 1000, precision: 0.01 }) });
        declare function teamOf(client: RoomClient): string;
        class Arena extends Room {
          sync!: RoomSync;
          seenBy!: (team: string) => ReadonlySet<number>;
          override onCreate() {
      `,
      after: `
          }
        }
      `,
    },
  },
  'docs/from-colyseus.md': {
    '// schema.ts, shared by the server and the clients': declares(''),
    "import * as v from 'valibot';": declares(''),
    "import { Client, isEntityOf, SyncedState } from 'vehikill-net/client';": declares(''),
  },
  'docs/from-geckos.md': {
    "import * as v from 'valibot';": declares(''),
    "import { Channel, Client, ProtocolError } from 'vehikill-net/client';": declares(''),
    "// Which path the datagrams take now: 'direct' (UDP) or 'tcp' (the WebSocket).": declares(`
      import type { Client } from 'vehikill-net/client';
      declare const client: Client;
      declare function showIndicator(text: string): void;
    `),
  },
  'docs/from-socketio.md': {
    "import * as v from 'valibot';": declares(''),
    "import { Client, ProtocolError, RoomRequestError } from 'vehikill-net/client';": declares(''),
  },
  'docs/from-peerjs.md': {
    "import { GameServer, Room } from 'vehikill-net/server';": declares(''),
    "import { Channel, Client } from 'vehikill-net/client';": declares(`
      declare const peerId: string;
      declare let seq: number;
      declare const x: number;
      declare const y: number;
      declare function parseChat(bytes: Uint8Array): { text: string } | undefined;
      declare function moveAvatar(peerId: string, bytes: Uint8Array): void;
      declare function encodePosition(seq: number, x: number, y: number): Uint8Array;
    `),
    'const noWebRtc: MeshOptions = { rtc: false }; // every link of this player goes through the server':
      declares(`
      import type { MeshOptions, RoomConnection } from 'vehikill-net/client';
      declare const room: RoomConnection;
      declare const peerId: string;
      declare const hideAddress: boolean;
    `),
    'const voice = room.voice(); // calls and answers every member; their audio plays at once': declares(`
      import type { RoomConnection } from 'vehikill-net/client';
      declare const room: RoomConnection;
      declare const peerId: string;
    `),
  },
  'docs/operations.md': {
    'new GameServer({': declares(`
      import { GameServer } from 'vehikill-net/server';
    `),
    "import { GameServer, PrometheusMetrics } from 'vehikill-net/server';": declares(''),
    'new GameServer({ #2': declares(`
      import { GameServer } from 'vehikill-net/server';
    `),
  },
};

/**
 * Blocks that are whole modules other blocks of their doc import, by the file name they go by there
 * (`import { Player } from './schema.js'` reads the block put here as `schema.ts`), per doc and block key.
 */
const MODULES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'docs/from-colyseus.md': { '// schema.ts, shared by the server and the clients': 'schema.ts' },
};

interface Block {
  /** Relative to the repo root, with '/'. */
  readonly doc: string;
  /** 1-based line in the doc of the block's first code line (after the opening fence). */
  readonly line: number;
  readonly key: string;
  readonly code: string;
  /** Columns the fence is indented by (a block in a list item), removed from `code`'s lines. */
  readonly indent: number;
  /** Why the block is not checked, if `<!-- not checked: reason -->` precedes it. */
  readonly notChecked: string | undefined;
}

function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** The ```ts blocks of a markdown file; fences may be indented (a block in a list item). */
function tsBlocks(doc: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  const firsts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,})ts\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const fence = open[2] ?? '```';
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').trimStart().startsWith(fence)) end++;
    if (end === lines.length) throw new Error(`${doc}:${i + 1}: a \`\`\`ts block that is never closed`);
    const body = lines
      .slice(i + 1, end)
      .map((line) => line.slice(Math.min(indent, /^ */.exec(line)?.[0].length ?? 0)));
    const first = body.find((line) => line.trim() !== '')?.trim() ?? '';
    const same = firsts.filter((line) => line === first).length;
    firsts.push(first);
    let previous = i - 1;
    while (previous >= 0 && (lines[previous] ?? '').trim() === '') previous--;
    const marker = /^\s*<!--\s*not checked:\s*(.*?)\s*-->\s*$/.exec(lines[previous] ?? '');
    blocks.push({
      doc,
      line: i + 2,
      key: same === 0 ? first : `${first} #${same + 1}`,
      code: body.join('\n'),
      indent,
      notChecked: marker ? marker[1] || 'no reason given' : undefined,
    });
    i = end;
  }
  return blocks;
}

const BLOCKS = docFiles().flatMap((doc) => tsBlocks(doc, readFileSync(join(ROOT, doc), 'utf8')));
const CHECKED = BLOCKS.filter((block) => block.notChecked === undefined);

interface Source {
  readonly block: Block;
  readonly fileName: string;
  readonly text: string;
  readonly prelude: Prelude | undefined;
  /** Lines before the block's first line in `text`. */
  readonly linesBefore: number;
  readonly blockLines: number;
}

const outdent = (text: string) => {
  const lines = text.split('\n');
  const indent = Math.min(
    ...lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0),
  );
  return lines.map((line) => line.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
};

function sourceOf(block: Block, index: number): Source {
  const prelude = PRELUDES[block.doc]?.[block.key];
  const before = `${outdent(prelude?.before ?? '').trim()}\n`;
  const after = outdent(prelude?.after ?? '').trim();
  // `export {}`: a module even if neither the block nor the prelude imports anything (its own scope, and
  // top-level await).
  const text = `${before}${block.code}\n${after}\nexport {};\n`;
  return {
    block,
    fileName: join(VIRTUAL_DIR, MODULES[block.doc]?.[block.key] ?? `block-${index}.ts`),
    text,
    prelude,
    linesBefore: before.split('\n').length - 1,
    blockLines: block.code.split('\n').length,
  };
}

const SOURCES = CHECKED.map(sourceOf);

/** A diagnostic as `doc:line:column`, or as in the prelude, with its message chain. */
function describeDiagnostic(source: Source, diagnostic: Diagnostic): string {
  const before = source.text.slice(0, diagnostic.pos);
  const line = before.split('\n').length - 1;
  const column = diagnostic.pos - before.lastIndexOf('\n');
  const codeLine = line - source.linesBefore;
  const where =
    codeLine >= 0 && codeLine < source.blockLines
      ? `${source.block.doc}:${source.block.line + codeLine}:${column + source.block.indent}`
      : `(the prelude of ${source.block.doc}:${source.block.line}, its line ${line + 1})`;
  const chain = (d: Diagnostic, depth: number): string[] => [
    `${'  '.repeat(depth)}${d.text}`,
    ...(d.messageChain ?? []).flatMap((next) => chain(next, depth + 1)),
  ];
  const text = source.text.split('\n')[line] ?? '';
  return `${where} TS${diagnostic.code}: ${chain(diagnostic, 0).join('\n')}\n    | ${text}`;
}

const diagnostics = new Map<string, readonly Diagnostic[]>();
let programFiles: readonly string[] = [];
let api: API | undefined;

beforeAll(async () => {
  const files = new Map<string, string>(SOURCES.map((source) => [source.fileName, source.text]));
  files.set(
    VIRTUAL_CONFIG,
    JSON.stringify({
      extends: '../tsconfig.base.json',
      compilerOptions: { noEmit: true, rootDir: '..' },
      files: SOURCES.map((source) => source.fileName),
    }),
  );
  api = new API({
    cwd: ROOT,
    fs: {
      // undefined: not a virtual file, read the real one.
      readFile: (fileName) => files.get(fileName),
      fileExists: (fileName) => (files.has(fileName) ? true : undefined),
      directoryExists: (directory) => (directory === VIRTUAL_DIR ? true : undefined),
    },
  });
  const snapshot = await api.updateSnapshot({ openProjects: [VIRTUAL_CONFIG] });
  const project = snapshot.getProject(VIRTUAL_CONFIG);
  if (!project) throw new Error('tsgo did not open the virtual project');
  const problems = [
    ...(await project.program.getConfigFileParsingDiagnostics()),
    ...(await project.program.getProgramDiagnostics()),
    ...(await project.program.getGlobalDiagnostics()),
  ];
  if (problems.length > 0) throw new Error(problems.map((problem) => problem.text).join('\n'));
  programFiles = await project.program.getSourceFileNames();
  await Promise.all(
    SOURCES.map(async (source) => {
      const found = [
        ...(await project.program.getSyntacticDiagnostics(source.fileName)),
        ...(await project.program.getSemanticDiagnostics(source.fileName)),
      ];
      diagnostics.set(
        source.fileName,
        found.filter((d) => d.category === DiagnosticCategory.Error),
      );
    }),
  );
}, 60_000);

afterAll(async () => {
  await api?.close();
  api = undefined;
});

describe('the ```ts blocks of README.md and docs/*.md', () => {
  it('are all found', () => {
    // An extraction that missed blocks would pass every other test.
    const fences = docFiles().flatMap((doc) =>
      [...readFileSync(join(ROOT, doc), 'utf8').matchAll(/^\s*```ts\s*$/gm)].map(() => doc),
    );
    expect(BLOCKS.map((block) => block.doc)).toEqual(fences);
    expect(CHECKED.length).toBeGreaterThan(0);
  });

  it('resolve vehikill-net/<layer> to the sources', () => {
    const layers = new Set(
      SOURCES.flatMap((source) =>
        [...source.text.matchAll(/from 'vehikill-net\/(\w+)'/g)].map((match) => match[1] ?? ''),
      ),
    );
    expect(layers.size).toBeGreaterThan(0);
    for (const layer of layers) expect(programFiles).toContain(join(ROOT, 'src', layer, 'index.ts'));
    expect(programFiles.filter((file) => file.startsWith(join(ROOT, 'dist')))).toEqual([]);
  });

  it('read a port with portFromEnvironment, which refuses one over 65535 at start', () => {
    // numberFromEnvironment takes PORT=99999, and the start then fails in listen() instead.
    const wrong = CHECKED.filter((block) => /numberFromEnvironment\([^)]*PORT'/.test(block.code)).map(
      (block) => `${block.doc}:${block.line}`,
    );
    expect(wrong).toEqual([]);
  });

  it('have a block for each prelude', () => {
    const unused = Object.entries(PRELUDES).flatMap(([doc, preludes]) =>
      Object.keys(preludes)
        .filter((key) => !CHECKED.some((block) => block.doc === doc && block.key === key))
        .map((key) => `${doc}: ${JSON.stringify(key)}`),
    );
    expect(unused, 'preludes whose block is gone or whose first line changed: remove or rename them').toEqual(
      [],
    );
  });

  for (const block of BLOCKS.filter((block) => block.notChecked !== undefined)) {
    it.skip(`${block.doc}:${block.line} (not checked: ${block.notChecked})`, () => {});
  }

  it.each(SOURCES.map((source) => [`${source.block.doc}:${source.block.line}`, source] as const))(
    '%s type-checks',
    (_, source) => {
      const found = (diagnostics.get(source.fileName) ?? []).map((d) => describeDiagnostic(source, d));
      if (!source.prelude) {
        expect.fail(
          `${source.block.doc}:${source.block.line}: this \`\`\`ts block has no prelude. Add one to PRELUDES in ` +
            `test/unit/docs/code-examples.test.ts under ${JSON.stringify(source.block.doc)}, keyed by the ` +
            `block's first line ${JSON.stringify(source.block.key)}, declaring the names the block uses ` +
            `without declaring them (declares('') if none). If it is pseudo-code, precede it with ` +
            `<!-- not checked: reason -->.\nWithout a prelude:\n${found.join('\n')}`,
        );
      }
      expect(
        found,
        `${source.block.doc}:${source.block.line} does not type-check:\n${found.join('\n')}`,
      ).toEqual([]);
    },
  );
});
