import type { Clock, Disposer } from '../common/index.js';

/**
 * A page hidden this long (ms) may have sent nothing the whole time (a frozen background tab sends no
 * keepalive), so its peers and the server may have taken its direct links for dead: a peer link gives up
 * after 4-5 s of silence and retries only at its next timed attempt, 15 s on.
 */
export const PAGE_AWAY_MS = 5_000;

interface VisibilityTarget {
  hidden?: boolean;
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
}

/**
 * Calls `listener` when the page is shown again after being hidden for `awayMs` or more (the document's
 * `visibilitychange`, where there is a document: not in Node), so that direct links the silence cost can
 * be tried again at once, as on the browser's `online` event.
 */
export function onPageShownAfterAway(clock: Clock, listener: () => void, awayMs = PAGE_AWAY_MS): Disposer {
  const document = (globalThis as { document?: VisibilityTarget }).document;
  if (typeof document?.addEventListener !== 'function') return () => {};
  let hiddenAt = document.hidden === true ? clock.now() : undefined;
  const onChange = () => {
    const now = clock.now();
    if (document.hidden === true) {
      hiddenAt ??= now;
      return;
    }
    const away = hiddenAt === undefined ? 0 : now - hiddenAt;
    hiddenAt = undefined;
    if (away >= awayMs) listener();
  };
  document.addEventListener('visibilitychange', onChange);
  return () => document.removeEventListener?.('visibilitychange', onChange);
}
