import { setImmediate as afterThisTurn } from 'node:timers';
import type { RoomConnection } from '../client/index.js';

/** A room message as a handler gets it: its data, and the player it was relayed from (undefined: the room). */
export interface ReceivedMessage<T = unknown> {
  data: T;
  from: string | undefined;
}

type AnyRoom = RoomConnection<Record<string, unknown>, never, never>;

/**
 * The kit's hold on one type of message in one room: the waits for the next one, and what came right behind
 * the message that ended a wait. The room delivers every message of one read off the socket before the
 * test's `await` returns (`ws` emits them one after another), so a test awaiting two messages in a row
 * could not start its second wait before the second message had come and gone: those are kept, for the
 * waits started in that turn of the event loop, each taken once, in order.
 */
class MessageLine {
  readonly #room: AnyRoom;
  readonly #type: string;
  readonly #waits = new Set<(message: ReceivedMessage) => void>();
  #behind: ReceivedMessage[] = [];
  /** Keeping what comes behind a message that ended a wait, until this turn of the event loop is over. */
  #keeping = false;
  #stop: (() => void) | undefined;
  #listening = false;

  constructor(room: AnyRoom, type: string) {
    this.#room = room;
    this.#type = type;
  }

  /** `resolve` gets the next message (or one kept from behind the last); returns what gives the wait up. */
  wait(resolve: (message: ReceivedMessage) => void): () => void {
    const kept = this.#behind.shift();
    if (kept !== undefined) {
      resolve(kept);
      return () => {};
    }
    this.#waits.add(resolve);
    this.#listen();
    return () => {
      this.#waits.delete(resolve);
      this.#release();
    };
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    // Messages kept from before any handler are delivered inside onMessage, before its disposer is back.
    const stop = this.#room.onMessage(this.#type, (data, from) => this.#arrived({ data, from }));
    if (this.#listening) this.#stop = stop;
    else stop();
  }

  #arrived(message: ReceivedMessage): void {
    if (this.#waits.size === 0) {
      if (this.#keeping) this.#behind.push(message);
      return;
    }
    const waits = [...this.#waits];
    this.#waits.clear();
    for (const resolve of waits) resolve(message);
    if (this.#keeping) return;
    this.#keeping = true;
    afterThisTurn(() => {
      this.#keeping = false;
      this.#behind = [];
      this.#release();
    });
  }

  /** Lets go of the room's messages once nothing waits and nothing is kept: the app's `'*'` hears the type again. */
  #release(): void {
    if (this.#waits.size > 0 || this.#keeping) return;
    this.#listening = false;
    this.#stop?.();
    this.#stop = undefined;
    const lines = linesByRoom.get(this.#room);
    if (lines?.get(this.#type) === this) lines.delete(this.#type);
  }
}

const linesByRoom = new WeakMap<AnyRoom, Map<string, MessageLine>>();

/** The kit's line of `type` messages in `room`: one per room and type, so that the waits share what is kept. */
export function messageLine(room: AnyRoom, type: string): MessageLine {
  let lines = linesByRoom.get(room);
  if (lines === undefined) {
    lines = new Map();
    linesByRoom.set(room, lines);
  }
  let line = lines.get(type);
  if (line === undefined) {
    line = new MessageLine(room, type);
    lines.set(type, line);
  }
  return line;
}
