import { randomBytes } from 'node:crypto';
import type { Cancel, Clock } from '../../common/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import type { MetricsSink } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import type { Room } from '../rooms/room.js';
import { ThrottledFailures } from '../throttled-failures.js';
import { LastingSubscription } from './lasting-subscription.js';
import {
  asJson,
  type CallMessage,
  ENVELOPE_ALLOWANCE_BYTES,
  MAX_CALL_NAME_LENGTH,
  MAX_CALL_TIMEOUT_MS,
  type NodeMessage,
  nodeChannel,
  nodeMessage,
  readNodeMessage,
} from './node-envelope.js';
import { RoomCallError } from './room-call-error.js';
import { type CallOutcome, runRoomCall } from './run-room-call.js';
import type { SubscriptionsDown } from './subscriptions-down.js';

export interface RoomCallOptions {
  /**
   * How long to wait for the answer (ms), the registry's lookup and the trip between nodes included: a
   * number above 0, at most 600,000. Default 10,000.
   */
  timeoutMs?: number;
}

/** How long a call waits for its answer unless told otherwise (ms), as a client's room request does. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/**
 * Calls one node waits for at once, and runs for others at once: past either, a call is refused
 * RATE_LIMITED rather than held (a loop calling a hung room must not fill the node with waits).
 */
export const MAX_CALLS_WAITING = 1_024;
export const MAX_CALLS_RUNNING = 1_024;

export interface RoomCallsOptions {
  registry: Registry;
  clock: Clock;
  metrics: MetricsSink;
  nodeId: string;
  /** The room object of a room this node runs (not disposed). */
  hostedRoom(roomId: string): Room | undefined;
  /** The most bytes of JSON a call's arguments or answer may take (the node's `maxPayloadBytes`). */
  maxBytes: number;
  /** The node's subscriptions not in place now, for its gauge. */
  subscriptionsDown?: SubscriptionsDown;
}

/**
 * Where a call waiting for its answer is, which its timeout names: the registry finding the room and taking
 * the call, the room of this node running it, the call sent to another node, or taken there.
 */
type Stage = 'lookup' | 'running' | 'sent' | 'acked';

interface Waiting {
  readonly roomId: string;
  readonly name: string;
  readonly timeoutMs: number;
  stage: Stage;
  /** The node the call was sent to. */
  nodeId?: string;
  /** Processes listening on that node's channel when it was sent (two only while one takes over its id). */
  receivers?: number;
  /** How many of them answered that they have no such room. */
  missing: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: RoomCallError) => void;
  readonly cancelTimer: Cancel;
}

/**
 * `GameServer.callRoom`: calls into rooms by id wherever they run. A room of this node is called directly;
 * one of another node through the registry's channels: the call goes to that node's channel, which answers
 * on this node's. Both ways the arguments and the answer are what JSON makes of them, and every wait is
 * bounded: by the call's timeout, and by MAX_CALLS_WAITING and MAX_CALLS_RUNNING.
 */
export class RoomCalls {
  readonly #options: RoomCallsOptions;
  readonly #waiting = new Map<string, Waiting>();
  #running = 0;
  /** This node's channel, from `start` on (undefined for a registry without channels). */
  #subscription: LastingSubscription | undefined;
  #closed = false;
  /** The faults of rooms' calls, by room type and call name, logged at most every 10 s each. */
  readonly #faults = new Map<string, ThrottledFailures>();

  constructor(options: RoomCallsOptions) {
    this.#options = options;
  }

  /**
   * Listens on this node's channel for calls and answers. Resolves once it does; at once for a registry
   * without channels (no other node can call). An attempt that fails rejects, and is made again by itself
   * after a backoff (other nodes' calls into this node's rooms need it, though this node calls no one), or
   * at once at the next `start`.
   */
  async start(): Promise<void> {
    const { registry, nodeId, clock, metrics, subscriptionsDown } = this.#options;
    if (registry.subscribeChannel === undefined || this.#closed) return;
    this.#subscription ??= new LastingSubscription({
      subscribeChannel: registry.subscribeChannel.bind(registry),
      clock,
      channel: nodeChannel(nodeId),
      what: `node ${nodeId}: its channel for room calls`,
      failures: new ThrottledFailures(metrics, 'node_subscription_failures_total', 'node messages'),
      labels: { kind: 'calls' },
      listener: (text) => this.#heard(text),
      down: subscriptionsDown,
    });
    await this.#subscription.start();
  }

  /** See `GameServer.callRoom`. */
  call(roomId: string, name: string, args: unknown, options: RoomCallOptions = {}): Promise<unknown> {
    const timeoutMs = checkCall(roomId, name, options);
    if (this.#closed) {
      return Promise.reject(new RoomCallError(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down'));
    }
    if (this.#waiting.size >= MAX_CALLS_WAITING) {
      return Promise.reject(
        this.#failed(
          ErrorCode.RATE_LIMITED,
          `${MAX_CALLS_WAITING} room calls are waiting already on this node`,
        ),
      );
    }
    const id = randomBytes(16).toString('hex');
    return new Promise((resolve, reject) => {
      const waiting: Waiting = {
        roomId,
        name,
        timeoutMs,
        stage: 'lookup',
        missing: 0,
        resolve,
        reject,
        cancelTimer: this.#options.clock.setTimeout(() => this.#timedOut(id), timeoutMs),
      };
      this.#waiting.set(id, waiting);
      this.#send(id, waiting, args).catch((error: unknown) => this.#settle(id, ...failure(error)));
    });
  }

  /** The server closes: the calls waiting fail SERVER_SHUTTING_DOWN, and no more are taken or answered. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#waiting.keys()]) {
      this.#settle(id, {
        ok: false,
        code: ErrorCode.SERVER_SHUTTING_DOWN,
        message: 'the server is shutting down',
      });
    }
    this.#subscription?.close(
      new ProtocolError(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down'),
    );
  }

  async #send(id: string, waiting: Waiting, args: unknown): Promise<void> {
    const { registry, maxBytes, nodeId } = this.#options;
    const { roomId, name } = waiting;
    // Checked before anything else, wherever the room is: an app tried on one node fails alike on several.
    const carried = asJson(args, `the arguments of call '${name.slice(0, 64)}'`, maxBytes);
    // No room has such an id, nor any room such a call: not sent (another node would drop the message).
    if (roomId.length > MAX_CALL_NAME_LENGTH)
      throw new ProtocolError(ErrorCode.ROOM_NOT_FOUND, 'no such room');
    if (name.length > MAX_CALL_NAME_LENGTH) {
      throw new ProtocolError(ErrorCode.UNKNOWN_MESSAGE_TYPE, `no room has a call '${name.slice(0, 64)}...'`);
    }
    if (this.#runHere(id, roomId, carried)) return;
    const listing = await registry.getRoom(roomId);
    // Created here meanwhile (its listing comes before it is hosted), or timed out.
    if (this.#runHere(id, roomId, carried) || !this.#waiting.has(id)) return;
    if (listing === undefined || listing.nodeId === nodeId) {
      throw new ProtocolError(ErrorCode.ROOM_NOT_FOUND, `no room ${roomId.slice(0, 64)}`);
    }
    if (registry.publish === undefined) {
      throw new ProtocolError(
        ErrorCode.NODE_UNREACHABLE,
        `room ${roomId.slice(0, 64)} is on node ${listing.nodeId}, and this registry carries no messages between nodes`,
      );
    }
    // The answer comes on this node's channel: listened to before the call goes.
    await this.start();
    const call: CallMessage = {
      v: 1,
      k: 'call',
      id,
      from: nodeId,
      room: roomId,
      name,
      ms: waiting.timeoutMs,
    };
    if (carried !== undefined) call.args = carried;
    waiting.nodeId = listing.nodeId;
    const receivers = await registry.publish(nodeChannel(listing.nodeId), JSON.stringify(call));
    // Its ack may have come before Redis's count of receivers.
    if (waiting.stage === 'lookup') waiting.stage = 'sent';
    if (receivers === 0) {
      throw new ProtocolError(
        ErrorCode.NODE_UNREACHABLE,
        `node ${listing.nodeId} (room ${roomId.slice(0, 64)}) is not listening: it is gone, or not started yet`,
      );
    }
    waiting.receivers = receivers;
    this.#checkMissing(id, waiting);
  }

  /** Runs the call in a room of this node, if it has `roomId`: true when it does. */
  #runHere(id: string, roomId: string, args: unknown): boolean {
    const room = this.#options.hostedRoom(roomId);
    const waiting = this.#waiting.get(id);
    if (room === undefined || waiting === undefined) return false;
    waiting.stage = 'running';
    void runRoomCall(room, waiting.name, args, this.#options.maxBytes, this.#fault).then((outcome) =>
      this.#settle(id, outcome),
    );
    return true;
  }

  /** A message on this node's channel: a call into one of its rooms, or news of one of its own calls. */
  #heard(text: string): void {
    const read = readNodeMessage(nodeMessage, text, this.#options.maxBytes + ENVELOPE_ALLOWANCE_BYTES);
    if (!read.ok) {
      this.#options.metrics.count('node_messages_dropped_total', { reason: read.reason });
      return;
    }
    const message: NodeMessage = read.message;
    if (message.k === 'call') {
      void this.#serve(message);
      return;
    }
    const waiting = this.#waiting.get(message.id);
    if (waiting === undefined) {
      // Its call timed out, or was answered by another process under the same node id.
      this.#options.metrics.count('node_messages_dropped_total', { reason: 'late' });
      return;
    }
    if (message.k === 'ack') {
      waiting.stage = 'acked';
      return;
    }
    if (message.k === 'ok') {
      this.#settle(message.id, { ok: true, value: message.value });
      return;
    }
    const { code, message: said, reason } = message;
    if (code === ErrorCode.ROOM_NOT_FOUND) {
      waiting.missing++;
      this.#checkMissing(message.id, waiting);
      return;
    }
    this.#settle(message.id, { ok: false, code, message: said, ...(reason === undefined ? {} : { reason }) });
  }

  /**
   * ROOM_NOT_FOUND once every process that heard the call said it has no such room: while one process takes
   * over another's node id, both listen, and only one has the room.
   */
  #checkMissing(id: string, waiting: Waiting): void {
    if (waiting.receivers === undefined || waiting.missing < waiting.receivers) return;
    this.#settle(id, {
      ok: false,
      code: ErrorCode.ROOM_NOT_FOUND,
      message: `no room ${waiting.roomId.slice(0, 64)} on node ${waiting.nodeId}`,
    });
  }

  /** Another node's call into a room of this one: acknowledged, run, answered on the caller's channel. */
  async #serve(call: CallMessage): Promise<void> {
    const answer = (message: object) => this.#answer(call.from, { v: 1, id: call.id, ...message });
    const room = this.#closed ? undefined : this.#options.hostedRoom(call.room);
    if (room === undefined) {
      answer({ k: 'err', code: ErrorCode.ROOM_NOT_FOUND, message: `no room ${call.room.slice(0, 64)}` });
      return;
    }
    if (this.#running >= MAX_CALLS_RUNNING) {
      const message = `node ${this.#options.nodeId} runs ${MAX_CALLS_RUNNING} calls already`;
      answer({ k: 'err', code: ErrorCode.RATE_LIMITED, message });
      return;
    }
    answer({ k: 'ack' });
    // Held until the handler settles, or no longer than its caller waits: a hung handler frees its slot.
    this.#running++;
    let held = true;
    const release = () => {
      if (held) this.#running--;
      held = false;
    };
    const cancel = this.#options.clock.setTimeout(release, call.ms);
    const outcome = await runRoomCall(room, call.name, call.args, this.#options.maxBytes, this.#fault);
    cancel();
    release();
    if (outcome.ok) answer({ k: 'ok', ...(outcome.value === undefined ? {} : { value: outcome.value }) });
    else answer({ k: 'err', ...withoutOk(outcome) });
  }

  /** Sends an ack or an answer to node `to`; one lost (Redis down) leaves the caller to its timeout. */
  #answer(to: string, message: object): void {
    void this.#options.registry.publish?.(nodeChannel(to), JSON.stringify(message)).catch(() => {});
  }

  #timedOut(id: string): void {
    const waiting = this.#waiting.get(id);
    if (waiting === undefined) return;
    const { roomId, name, timeoutMs, stage } = waiting;
    const within = `within ${timeoutMs} ms`;
    const call = `call '${name.slice(0, 64)}' to room ${roomId.slice(0, 64)}`;
    const [code, message] =
      stage === 'sent'
        ? [ErrorCode.NODE_UNREACHABLE, `node ${waiting.nodeId} did not take the ${call} ${within}`]
        : stage === 'lookup'
          ? [
              ErrorCode.REQUEST_TIMEOUT,
              `the ${call} was not answered ${within}: the registry was still finding the room or taking the call`,
            ]
          : [ErrorCode.REQUEST_TIMEOUT, `the room did not answer the ${call} ${within}`];
    this.#settle(id, { ok: false, code, message });
  }

  /** Ends the call `id` with `outcome`, if it still waits; `cause`: the error behind a failure. */
  #settle(id: string, outcome: CallOutcome, cause?: unknown): void {
    const waiting = this.#waiting.get(id);
    if (waiting === undefined) return;
    this.#waiting.delete(id);
    waiting.cancelTimer();
    if (outcome.ok) waiting.resolve(outcome.value);
    else waiting.reject(this.#failed(outcome.code, outcome.message, { reason: outcome.reason, cause }));
  }

  /** A call's failure, counted by its code. */
  #failed(
    code: ErrorCode,
    message: string,
    options: { reason?: string | undefined; cause?: unknown } = {},
  ): RoomCallError {
    this.#options.metrics.count('room_calls_failed_total', { code });
    return new RoomCallError(code, message, options);
  }

  /** A room's schema or handler threw in a call: counted as a hook's error, logged at most every 10 s. */
  readonly #fault = (room: Room, name: string, what: string, error: unknown): void => {
    const key = `${room.type}\u0000${name}`;
    let faults = this.#faults.get(key);
    if (faults === undefined) {
      faults = new ThrottledFailures(this.#options.metrics, 'room_hook_errors_total', `room '${room.type}'`);
      this.#faults.set(key, faults);
    }
    faults.report(this.#options.clock.now(), () => ({ what: `${what} in room ${room.roomId}`, error }), {
      hook: `call '${name.slice(0, 64)}'`,
    });
  };
}

/** A failed call's outcome and its cause, from what `#send` threw: a registry failure keeps its code. */
function failure(error: unknown): [CallOutcome, unknown] {
  if (error instanceof ProtocolError) return [{ ok: false, code: error.code, message: error.message }, error];
  return [{ ok: false, code: ErrorCode.INTERNAL_ERROR, message: 'the call failed' }, error];
}

function withoutOk(outcome: Extract<CallOutcome, { ok: false }>): Omit<typeof outcome, 'ok'> {
  const { ok: _ok, ...rest } = outcome;
  return rest;
}

/** The call's timeout (ms), once its arguments are checked: a TypeError or RangeError for the app's mistakes. */
function checkCall(roomId: unknown, name: unknown, options: RoomCallOptions): number {
  if (typeof roomId !== 'string')
    throw new TypeError(`callRoom: the room id must be a string, got ${typeof roomId}`);
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('callRoom: the name of the call (Room.onCall) must be a non-empty string');
  }
  const timeoutMs = options?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > MAX_CALL_TIMEOUT_MS) {
    throw new RangeError(
      `callRoom: timeoutMs must be a number of ms above 0 and at most ${MAX_CALL_TIMEOUT_MS}, got ${String(timeoutMs)}`,
    );
  }
  return Math.ceil(timeoutMs);
}
