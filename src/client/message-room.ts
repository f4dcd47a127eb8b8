import type { Message } from '../protocol/index.js';

/** The room a server message is addressed to, if it is addressed to one. */
export function roomIdOf(message: Message): string | undefined {
  return 'roomId' in message.body && typeof message.body.roomId === 'string'
    ? message.body.roomId
    : undefined;
}
