import type { RoomConnection } from '../client/index.js';
import { checkTimeout, DEFAULT_WAIT_MS, within } from './wait-timeout.js';

/** A room message as a handler gets it: its data, and the player it was relayed from (undefined: the room). */
export interface ReceivedMessage<T = unknown> {
  data: T;
  from: string | undefined;
}

/**
 * Resolves with the next message of `type` the room delivers on this client, or rejects with a
 * WaitTimeoutError naming the type and the room after `timeoutMs` (default 5 s).
 *
 * The wait is a handler of its own beside the app's: the app's handlers of `type` still get the message
 * (a room connection calls every handler of a type). The wait's handler is gone once it resolves or times
 * out. While it waits, a message of `type` is no longer one "with no handler of its own": the app's
 * `onMessage('*')` does not see that one. Like any handler, it takes the messages of `type` that came
 * before one was registered (the room's first second): the oldest resolves it, the others go with it, so
 * register the app's own handler first if it must see them.
 */
export function nextMessage<In extends Record<string, unknown>, T extends keyof In & string>(
  room: RoomConnection<In, never, never>,
  type: T,
  options: { timeoutMs?: number } = {},
): Promise<ReceivedMessage<In[T]>> {
  const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_WAIT_MS);
  if (type === '*') throw new TypeError("nextMessage waits for one type, not '*'");
  let stop: (() => void) | undefined;
  let received: ReceivedMessage<In[T]> | undefined;
  const arrived = new Promise<ReceivedMessage<In[T]>>((resolve) => {
    // A message kept from before any handler is delivered inside onMessage, before its disposer is back.
    stop = room.onMessage(type, (data, from) => {
      if (received !== undefined) return;
      received = { data, from };
      stop?.();
      resolve(received);
    });
    if (received !== undefined) stop();
  });
  return within(arrived, `a '${type}' message in room ${room.roomId}`, timeoutMs, () => stop?.());
}
