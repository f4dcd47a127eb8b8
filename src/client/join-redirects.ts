import {
  type BodyKind,
  ErrorCode,
  isWebSocketUrl,
  Kind,
  MAX_REASON_LENGTH,
  ProtocolError,
} from '../protocol/index.js';
import type { ServerRequests } from './server-requests.js';
import type { SessionConnection } from './session-connection.js';

/**
 * Redirects followed for one join. One is the normal case; a second covers a quick play whose pick
 * filled up while we moved (the node then points to the next room). More would mean a loop.
 */
const MAX_REDIRECTS = 2;
/** How long a request sent to a node that just did not answer waits before it is asked again. */
const REASK_DOWN_NODE_MS = 1_000;

/** What following a redirect needs of the session: where it is, which nodes are down, and the move. */
export type RedirectingSession = Pick<SessionConnection, 'clock' | 'url' | 'unreachableForMs' | 'moveTo'>;

/**
 * Sends a join; when the server answers that the room is hosted by another node (ROOM_ON_OTHER_NODE,
 * whose message is that node's URL), moves the client there with a fresh session and asks again. A quick
 * play asked again names the nodes that sent it on (`from`), so that the next does not send it back to
 * one whose rooms refused it: two nodes whose rooms both refused the player sent it to each other.
 */
export async function requestFollowingRedirects(
  requests: ServerRequests,
  session: RedirectingSession,
  kind: BodyKind,
  body: Record<string, unknown>,
): Promise<unknown> {
  const sentFrom: string[] = [];
  for (let hops = 0; ; ) {
    if (kind === Kind.QuickPlay && sentFrom.length > 0) body = { ...body, from: [...sentFrom] };
    try {
      return await requests.send(kind, body);
    } catch (error) {
      const redirect =
        error instanceof ProtocolError &&
        error.code === ErrorCode.ROOM_ON_OTHER_NODE &&
        !requests.isUnanswered(error);
      if (!redirect) throw error;
      // Not followed: said in words, where the bare URL the server sent meant nothing to the app.
      if (!isWebSocketUrl(error.message)) {
        throw new ProtocolError(
          ErrorCode.ROOM_ON_OTHER_NODE,
          `the room is on a node whose public URL is not a WebSocket URL ('${error.message.slice(0, 200)}'): that node's PUBLIC_URL is wrong`,
        );
      }
      // A node this client just gave up on (no answer after `failoverAfterAttempts`) may still be in the
      // cluster's listing for a few seconds (`nodeTtlMs`): not followed there again, but asked here again
      // a second later, until the listing drops it or the client's memory of it lapses (10 s).
      const downForMs = session.unreachableForMs(error.message);
      if (downForMs > 0) {
        await new Promise<void>((resolve) =>
          session.clock.setTimeout(resolve, Math.min(REASK_DOWN_NODE_MS, downForMs)),
        );
        continue;
      }
      if (hops++ >= MAX_REDIRECTS) {
        throw new ProtocolError(
          ErrorCode.ROOM_ON_OTHER_NODE,
          `sent on again after ${MAX_REDIRECTS} moves (last to ${error.message}): the cluster's listing is changing or out of date; try again`,
        );
      }
      const from = session.url;
      await session.moveTo(error.message, 'left', ErrorCode.ROOM_ON_OTHER_NODE, 'joined a room elsewhere');
      // Only a URL a redirect could name (a node's public URL): a longer one (an entry point with the
      // app's query, say) is no node's, and the server would refuse the request that carried it.
      if (from.length <= MAX_REASON_LENGTH) sentFrom.push(from);
    }
  }
}
