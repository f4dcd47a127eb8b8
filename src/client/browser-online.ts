import type { Disposer } from '../common/index.js';

/**
 * Calls `listener` on the browser's `online` event (the network came back), where there is one (not in
 * Node): what was lost with the network can be tried again at once instead of after a backoff.
 */
export function onBrowserOnline(listener: () => void): Disposer {
  const target = globalThis as {
    addEventListener?: (type: string, listener: () => void) => void;
    removeEventListener?: (type: string, listener: () => void) => void;
  };
  if (typeof target.addEventListener !== 'function') return () => {};
  target.addEventListener('online', listener);
  return () => target.removeEventListener?.('online', listener);
}
