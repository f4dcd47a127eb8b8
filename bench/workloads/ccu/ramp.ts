/**
 * One system's ramp: its server on core 0, its bots on core 1, players added in steps; at each step a
 * settle time, then a window in which both processes measure themselves. The ramp stops at the first
 * step the server did not hold (p99 tick over budget, or snapshots not sent at the rate), the first step
 * the bots could not drive (their core saturated, or they did not receive or send at the rate: such a
 * step says nothing about the server), or after the last step.
 */
import type { WindowReading } from './load-meter.js';
import { PinnedProcess } from './pinned-process.js';
import { INPUT_HZ, PLAYERS_PER_ROOM, TICK_HZ } from './scenario.js';
import {
  type AddReply,
  type BotRequest,
  type LoadModel,
  type ServerRequest,
  type System,
  serverKindOf,
} from './systems.js';

export interface RampOptions {
  /** Players after each step (multiples of 16). */
  steps: readonly number[];
  /** After a step's players are in, before its window (ms). */
  settleMs: number;
  windowMs: number;
  /** A tick (lateness + work) longer than this at p99 is over budget (ms). Default: one tick, 50 ms. */
  budgetMs: number;
  /** Bot CPU (ms per second) past which the bot core counts as saturated. */
  botCpuLimit: number;
  /** Share of the expected snapshots and inputs that must flow for a step to count. */
  deliveryFloor: number;
  /** How the bots load the server (see `LoadModel`). */
  load: LoadModel;
}

/** The bot process's window: its own load, what its players sent and took in, and their state check. */
export type BotReading = WindowReading & {
  players: number;
  direct: number;
  /** vehikill-net bots that decode, and how many of them hold every car of their room. */
  decoding: number;
  holdingRoom: number;
};

export type Verdict = 'held' | 'over budget' | 'server behind' | 'bots saturated';

export interface StepResult {
  ccu: number;
  joinMs: number;
  /** Windows measured: 2 when the first failed (the second is the one kept). */
  windows: number;
  server: WindowReading;
  bots: BotReading;
  verdict: Verdict;
  /** Why, in words, when not held. */
  reason: string;
  /** Why the first window failed, when a second was measured. */
  firstWindow?: string;
}

export interface RampResult {
  system: System;
  load: LoadModel;
  steps: StepResult[];
  /** Most players held with p99 tick under budget and bots keeping up (0 if none). */
  maxHeld: number;
  stopped: string;
  /** The probe's ms on each core just before the ramp (see core-speed.ts), when measured. */
  coresBefore?: readonly number[];
}

/**
 * The server's core and the bots'. `CCU_SERVER_CORE=1` swaps them: the two cores of a virtual machine need
 * not be equally fast (see core-speed.ts), and a server's CPU per CCU is only as good as its core.
 */
export const SERVER_CORE = serverCore(process.env.CCU_SERVER_CORE);
export const BOT_CORE = 1 - SERVER_CORE;

function serverCore(text: string | undefined): number {
  if (text === undefined || text === '0') return 0;
  if (text === '1') return 1;
  throw new RangeError(`CCU_SERVER_CORE must be 0 or 1, got ${text}`);
}

function judge(ccu: number, server: WindowReading, bots: StepResult['bots'], options: RampOptions) {
  const floor = options.deliveryFloor;
  const problems: string[] = [];
  let botsSaturated = false;
  let serverFailed: Verdict | undefined;
  if (bots.cpuMsPerSecond > options.botCpuLimit) {
    botsSaturated = true;
    problems.push(`bot CPU ${(bots.cpuMsPerSecond / 10).toFixed(0)}% of its core`);
  }
  if (bots.inputsPerSecond < floor * ccu * INPUT_HZ) {
    botsSaturated = true;
    problems.push(`bots sent ${(bots.inputsPerSecond / ccu).toFixed(1)} of ${INPUT_HZ} inputs/s each`);
  }
  if (server.tickP99 > options.budgetMs) {
    serverFailed = 'over budget';
    problems.push(`p99 tick ${server.tickP99.toFixed(1)} ms > ${options.budgetMs} ms`);
  }
  if (server.snapshotsPerSecond < floor * ccu * TICK_HZ) {
    serverFailed ??= 'server behind';
    problems.push(
      `server sent ${(server.snapshotsPerSecond / ccu).toFixed(1)} of ${TICK_HZ} snapshots/s each`,
    );
  }
  const sentFine = server.snapshotsPerSecond >= floor * ccu * TICK_HZ;
  if (sentFine && bots.snapshotsPerSecond < floor * server.snapshotsPerSecond) {
    // The server sent them and the bots did not take them in: their side fell behind.
    botsSaturated = true;
    problems.push(
      `bots took in ${(bots.snapshotsPerSecond / ccu).toFixed(1)} of ${TICK_HZ} snapshots/s each`,
    );
  }
  if (bots.players < ccu) {
    botsSaturated = true;
    problems.push(`only ${bots.players} of ${ccu} players in`);
  }
  if (bots.holdingRoom < bots.decoding) {
    // The server's state did not reach its clients whole: whatever its CPU says, it did not hold.
    serverFailed ??= 'server behind';
    problems.push(`${bots.decoding - bots.holdingRoom} of ${bots.decoding} decoding players lack cars`);
  }
  // A saturated bot core invalidates the step even when the server also struggled: the bots' bursts and
  // backlog are part of what the server saw.
  const verdict: Verdict = botsSaturated ? 'bots saturated' : (serverFailed ?? 'held');
  return { verdict, reason: problems.join('; ') };
}

export async function runRamp(system: System, options: RampOptions): Promise<RampResult> {
  // Node flags for the two processes, e.g. CCU_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/ccu-prof'.
  const nodeArgs = process.env.CCU_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const started = await PinnedProcess.start<ServerRequest>(
    './server-main.js',
    SERVER_CORE,
    [serverKindOf(system)],
    nodeArgs,
  );
  const server = started.process;
  const url = String(started.ready.url);
  let botProcess: PinnedProcess<BotRequest> | undefined;
  const steps: StepResult[] = [];
  let stopped = `cap reached (${options.steps.at(-1)} CCU)`;
  try {
    const botNodeArgs = process.env.CCU_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    botProcess = (
      await PinnedProcess.start<BotRequest>(
        './bots-main.js',
        BOT_CORE,
        [system, url, options.load],
        botNodeArgs,
      )
    ).process;
    let players = 0;
    for (const ccu of options.steps) {
      let joined: AddReply;
      try {
        joined = await botProcess.call<AddReply>({ op: 'add', count: ccu - players });
      } catch (error) {
        stopped = `bots could not add players at ${ccu} CCU: ${String(error)}`;
        break;
      }
      players = ccu;
      await sleep(options.settleMs);
      // A step that fails is measured once more before the ramp stops: on a shared machine one stall of
      // another process (all rooms' ticks late at once) can fail a window that the server itself held.
      let windows = 0;
      let serverReading: WindowReading;
      let botReading: StepResult['bots'];
      let verdict: Verdict;
      let reason: string;
      let firstWindow: string | undefined;
      do {
        windows++;
        await Promise.all([server.call({ op: 'mark' }), botProcess.call({ op: 'mark' })]);
        await sleep(options.windowMs);
        [serverReading, botReading] = await Promise.all([
          server.call<WindowReading>({ op: 'read' }),
          botProcess.call<StepResult['bots']>({ op: 'read' }),
        ]);
        ({ verdict, reason } = judge(ccu, serverReading, botReading, options));
        if (windows === 1 && verdict !== 'held') firstWindow = `${verdict}: ${reason}`;
      } while (verdict !== 'held' && windows < 2);
      if (system === 'ours-link' && botReading.direct < ccu) {
        // Not a failure of the step by itself (TCP mode carries the rest), but not the same traffic.
        console.error(`ccu ${system}: only ${botReading.direct}/${ccu} links direct`);
      }
      steps.push({
        ccu,
        joinMs: joined.joinMs,
        windows,
        server: serverReading,
        bots: botReading,
        verdict,
        reason,
        ...(firstWindow === undefined ? {} : { firstWindow }),
      });
      console.error(
        `ccu ${system} ${ccu}: ${verdict}${reason ? ` (${reason})` : ''}; server ${(serverReading.cpuMsPerSecond / 10).toFixed(1)}% ` +
          `(kernel ${(serverReading.kernelCpuMsPerSecond / 10).toFixed(1)}%, GC ${(serverReading.gcMsPerSecond / 10).toFixed(1)}%, ` +
          `${Math.round(serverReading.minorFaultsPerSecond)} faults/s` +
          (serverReading.bodiesPerSecond > 0
            ? `, ${((serverReading.bodiesPerSecond * PLAYERS_PER_ROOM) / (ccu * TICK_HZ)).toFixed(2)} bodies/room tick`
            : '') +
          ') ' +
          `p99 tick ${serverReading.tickP99.toFixed(2)} ms, bots ${(botReading.cpuMsPerSecond / 10).toFixed(1)}%, join ${joined.joinMs.toFixed(0)} ms, windows ${windows}` +
          (firstWindow === undefined ? '' : ` (first: ${firstWindow})`),
      );
      if (verdict !== 'held') {
        stopped = `${verdict} at ${ccu} CCU: ${reason}`;
        break;
      }
    }
  } finally {
    await botProcess?.close();
    await server.close();
  }
  const held = steps.filter((step) => step.verdict === 'held');
  return { system, load: options.load, steps, maxHeld: held.at(-1)?.ccu ?? 0, stopped };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
