import * as v from 'valibot';
import { Room, type RoomClient } from 'vehikill-net/server';

const createOptions = v.object({
  title: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(40))),
  maxClients: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2), v.maxValue(16))),
});
const chatMessage = v.object({ text: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(500)) });

export interface ChatLine {
  from: string;
  name: string;
  text: string;
  at: number;
}

const HISTORY = 50;

/** The demo's room: a titled chat with a short history that late joiners receive. */
export class ChatRoom extends Room {
  readonly #history: ChatLine[] = [];

  override onCreate(options: unknown): void {
    const parsed = v.parse(createOptions, options ?? {});
    this.setMaxClients(parsed.maxClients ?? 8);
    this.setMetadata({ title: parsed.title || 'Open room' });
    this.onMessage('chat', chatMessage, (client, { text }) => {
      const line: ChatLine = { from: client.playerId, name: client.name, text, at: this.clock.now() };
      this.#history.push(line);
      if (this.#history.length > HISTORY) this.#history.shift();
      this.broadcast('chat', line);
    });
  }

  override stateFor(_client: RoomClient): unknown {
    return { history: this.#history };
  }
}
