import * as v from 'valibot';
import {
  type LeaveReason,
  MessageBudget,
  type MessageBudgetLimits,
  MessageClass,
  Room,
  type RoomClient,
} from 'vehikill-net/server';
import {
  CHAT_BUDGET,
  type ChatLine,
  type ChatRefused,
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

/** What a member over their chat budget is told (at most once a second). */
const REFUSED: ChatRefused = {
  code: 'RATE_LIMITED',
  message: `too many chat lines: ${CHAT_BUDGET.burst} at once, then one a second`,
};

/** A typing notice is passed on at most this often per player (ms): it only drives a hint on screen. */
const TYPING_EVERY_MS = 1_000;

/** The demo's room: a titled chat with a short history that late joiners receive. */
export class ChatRoom extends Room {
  /** What each member may say (a subclass may allow more: a load test chatting faster than people do). */
  static chatBudget: MessageBudgetLimits = CHAT_BUDGET;

  readonly #history: ChatLine[] = [];
  readonly #lastTyping = new Map<string, number>();
  /**
   * What each member may still say: over it, a line goes to no one. Made in onCreate with the room's
   * clock, whose stalls of the server it credits from then on.
   */
  #chatBudget!: MessageBudget;

  override onCreate(options: unknown): void {
    this.#chatBudget = new MessageBudget((this.constructor as typeof ChatRoom).chatBudget, this.clock);
    // A bad option throws here, which refuses the create with valibot's message.
    const parsed = v.parse(createOptions, options ?? {});
    this.setMaxClients(parsed.maxClients ?? SEATS.default);
    this.setMetadata({ title: parsed.title || 'Open room' });

    this.onMessage('chat', chatMessage, (client, { text }) => {
      const verdict = this.#chatBudget.admitNow(client.playerId, Buffer.byteLength(text));
      if (verdict !== 'pass') {
        this.count('room_messages_refused_total', { type: 'chat' });
        if (verdict === 'tell') client.send('refused', REFUSED);
        return;
      }
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
