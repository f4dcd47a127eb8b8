import * as v from 'valibot';
import { type LeaveReason, MessageClass, Room, type RoomClient } from 'vehikill-net/server';
import {
  type ChatLine,
  type ChatState,
  HISTORY_LINES,
  SEATS,
  TEXT_MAX,
  TITLE_MAX,
  type Typing,
} from '../shared/chat-protocol.js';

const createOptions = v.object({
  title: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(TITLE_MAX))),
  maxClients: v.optional(v.pipe(v.number(), v.integer(), v.minValue(SEATS.min), v.maxValue(SEATS.max))),
});
const chatMessage = v.object({ text: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(TEXT_MAX)) });
const typingMessage = v.object({});

/** A typing notice is passed on at most this often per player (ms): it only drives a hint on screen. */
const TYPING_EVERY_MS = 1_000;

/** The demo's room: a titled chat with a short history that late joiners receive. */
export class ChatRoom extends Room {
  readonly #history: ChatLine[] = [];
  readonly #lastTyping = new Map<string, number>();

  override onCreate(options: unknown): void {
    // A bad option throws here, which refuses the create with valibot's message.
    const parsed = v.parse(createOptions, options ?? {});
    this.setMaxClients(parsed.maxClients ?? SEATS.default);
    this.setMetadata({ title: parsed.title || 'Open room' });

    this.onMessage('chat', chatMessage, (client, { text }) => {
      const line: ChatLine = { from: client.playerId, name: client.name, text, at: this.clock.now() };
      this.#history.push(line);
      if (this.#history.length > HISTORY_LINES) this.#history.shift();
      this.broadcast('chat', line);
    });

    this.onMessage('typing', typingMessage, (client) => {
      const now = this.clock.now();
      if (now - (this.#lastTyping.get(client.playerId) ?? -Infinity) < TYPING_EVERY_MS) return;
      this.#lastTyping.set(client.playerId, now);
      const typing: Typing = { from: client.playerId, name: client.name };
      this.broadcast('typing', typing, { class: MessageClass.volatile, except: client });
    });
  }

  override onLeave(client: RoomClient, _reason: LeaveReason): void {
    this.#lastTyping.delete(client.playerId);
  }

  override stateFor(_client: RoomClient): ChatState {
    // A copy: the state may be encoded after more lines arrive.
    return { history: [...this.#history] };
  }
}
