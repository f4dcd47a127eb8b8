import { NEUTRAL_INPUT, type VehicleInput } from '../../sim/index.js';
import type { ControlSource } from './control-state.js';

/** Stick travel ignored around the centre: worn sticks rest a little off zero. */
const DEAD_ZONE = 0.15;
/** Triggers count as pressed past this much travel. */
const TRIGGER_PRESSED = 0.2;

/** The standard mapping's buttons (https://w3c.github.io/gamepad/#remapping). */
const BUTTON = { a: 0, b: 1, x: 2, rb: 5, lt: 6, rt: 7 } as const;

function deadZone(value: number): number {
  if (Math.abs(value) < DEAD_ZONE) return 0;
  return (Math.sign(value) * (Math.abs(value) - DEAD_ZONE)) / (1 - DEAD_ZONE);
}

/**
 * Every connected gamepad (Gamepad API), polled each tick: the API has no events for buttons. Browsers
 * keep reporting the pads to a visible page whose window lost the focus, so while another window has it
 * (the player tabbed away with the stick or a trigger held) the pads drive nothing, as the keyboard's
 * released keys do not. Focus, a key or a click in the page gives them back.
 */
export class GamepadControls implements ControlSource {
  #focused = true;

  constructor(target: Window = window) {
    target.addEventListener('blur', () => {
      this.#focused = false;
    });
    for (const type of ['focus', 'keydown', 'pointerdown'])
      target.addEventListener(type, () => {
        this.#focused = true;
      });
  }

  read(): VehicleInput {
    if (!this.#focused) return NEUTRAL_INPUT;
    const pads = typeof navigator.getGamepads === 'function' ? navigator.getGamepads() : [];
    for (const pad of pads) {
      if (!pad?.connected) continue;
      const value = (index: number) => pad.buttons[index]?.value ?? 0;
      const pressed = (index: number) => pad.buttons[index]?.pressed ?? false;
      const steer = deadZone(pad.axes[0] ?? 0);
      const throttle =
        (value(BUTTON.rt) > TRIGGER_PRESSED ? 1 : 0) - (value(BUTTON.lt) > TRIGGER_PRESSED ? 1 : 0);
      const input: VehicleInput = {
        throttle,
        steer,
        brake: pressed(BUTTON.rb),
        boost: pressed(BUTTON.x),
        fire: pressed(BUTTON.a),
        altFire: pressed(BUTTON.b),
      };
      if (throttle || steer || input.brake || input.boost || input.fire || input.altFire) return input;
    }
    return NEUTRAL_INPUT;
  }
}
