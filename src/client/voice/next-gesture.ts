import type { Disposer } from '../../common/index.js';

/**
 * Events by which the player activates the page: after one, browsers let it play sound (`play()` on an
 * audio element, `resume()` on an AudioContext). A tap activates at its end, hence `click`/`touchend`
 * rather than `pointerdown`.
 */
const GESTURES = ['click', 'keydown', 'touchend'] as const;

interface GestureTarget {
  addEventListener?: (type: string, listener: () => void, options?: { capture?: boolean }) => void;
  removeEventListener?: (type: string, listener: () => void, options?: { capture?: boolean }) => void;
}

/**
 * Calls a listener once at the player's next click, tap or key on the page, where there is a window (not
 * in Node). Listened to in the capture phase, so a game that stops its keys or clicks from propagating
 * still lets it through.
 */
export class NextGesture {
  readonly #listener: () => void;
  #disarm: Disposer | undefined;

  constructor(listener: () => void) {
    this.#listener = listener;
  }

  /** Waits for the next gesture (again, if one came since the last `arm`). */
  arm(): void {
    if (this.#disarm) return;
    const target = globalThis as GestureTarget;
    if (typeof target.addEventListener !== 'function') return;
    const onGesture = () => {
      this.disarm();
      this.#listener();
    };
    for (const type of GESTURES) target.addEventListener(type, onGesture, { capture: true });
    this.#disarm = () => {
      for (const type of GESTURES) target.removeEventListener?.(type, onGesture, { capture: true });
    };
  }

  disarm(): void {
    this.#disarm?.();
    this.#disarm = undefined;
  }
}
