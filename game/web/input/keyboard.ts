import { NEUTRAL_INPUT, type VehicleInput } from '../../sim/index.js';
import { isPressingControl, isTyping } from '../dom.js';
import type { ControlSource } from './control-state.js';
import { DRIVE_KEYS, type DriveAction } from './key-bindings.js';

const ACTION_OF = new Map<string, DriveAction>();
for (const [action, codes] of Object.entries(DRIVE_KEYS)) {
  for (const code of codes) ACTION_OF.set(code, action as DriveAction);
}

/**
 * The keyboard as a control source: which bound keys are held. Keys typed into a field are not
 * controls; all keys are released when the window loses focus (a key-up there never reaches us).
 */
export class KeyboardControls implements ControlSource {
  readonly #held = new Set<DriveAction>();
  /**
   * Pressed since the last tick took its input: held for that tick even if let go already. A tap of F
   * between two ticks (a quick press, or any press within one slow frame, whose ticks all run at its
   * end) fired nothing.
   */
  readonly #pressed = new Set<DriveAction>();
  readonly #target: Window;

  constructor(target: Window = window) {
    this.#target = target;
    target.addEventListener('keydown', this.#onDown);
    target.addEventListener('keyup', this.#onUp);
    target.addEventListener('blur', this.#release);
  }

  read(): VehicleInput {
    const held = this.#pressed.size === 0 ? this.#held : new Set([...this.#held, ...this.#pressed]);
    if (held.size === 0) return NEUTRAL_INPUT;
    return {
      throttle: (held.has('forward') ? 1 : 0) - (held.has('reverse') ? 1 : 0),
      steer: (held.has('right') ? 1 : 0) - (held.has('left') ? 1 : 0),
      brake: held.has('brake'),
      boost: held.has('boost'),
      fire: held.has('fire'),
      altFire: held.has('rocket'),
    };
  }

  tickTaken(): void {
    this.#pressed.clear();
  }

  dispose(): void {
    this.#target.removeEventListener('keydown', this.#onDown);
    this.#target.removeEventListener('keyup', this.#onUp);
    this.#target.removeEventListener('blur', this.#release);
  }

  readonly #onDown = (event: KeyboardEvent): void => {
    const action = ACTION_OF.get(event.code);
    if (!action || isTyping(event.target) || isPressingControl(event) || event.metaKey || event.altKey)
      return;
    this.#held.add(action);
    this.#pressed.add(action);
    // Space and the arrows would scroll the page.
    event.preventDefault();
  };

  readonly #onUp = (event: KeyboardEvent): void => {
    const action = ACTION_OF.get(event.code);
    if (action) this.#held.delete(action);
  };

  readonly #release = (): void => {
    this.#held.clear();
    this.#pressed.clear();
  };
}
