import { NEUTRAL_INPUT, type VehicleInput } from '../../sim/index.js';

/** One way of driving (keys, a gamepad, a touch screen): what it holds right now. */
export interface ControlSource {
  read(): VehicleInput;
  /** A tick took what `read` gave: presses made and let go before it are spent. */
  tickTaken?(): void;
}

/**
 * Several sources at once: a player may steer with a stick and fire with the keyboard. Throttles add up
 * (clamped), the strongest steer wins, buttons are held if any source holds them.
 */
export function mergeInputs(inputs: readonly VehicleInput[]): VehicleInput {
  let throttle = 0;
  let steer = 0;
  let brake = false;
  let boost = false;
  let fire = false;
  let altFire = false;
  for (const input of inputs) {
    throttle += input.throttle;
    if (Math.abs(input.steer) > Math.abs(steer)) steer = input.steer;
    brake ||= input.brake;
    boost ||= input.boost;
    fire ||= input.fire;
    altFire ||= input.altFire;
  }
  if (!(throttle || steer || brake || boost || fire || altFire)) return NEUTRAL_INPUT;
  return { throttle: Math.max(-1, Math.min(1, throttle)), steer, brake, boost, fire, altFire };
}

/**
 * Every source merged; `enabled` false gives no controls at all. Each source lets go by itself when the
 * window loses the focus.
 */
export class Controls {
  readonly #sources: ControlSource[];
  enabled = true;

  constructor(sources: ControlSource[]) {
    this.#sources = sources;
  }

  /** What the controls hold now, without spending a tap (see `forTick`). */
  read(): VehicleInput {
    if (!this.enabled) return NEUTRAL_INPUT;
    return mergeInputs(this.#sources.map((source) => source.read()));
  }

  /** The input of one tick: as `read`, and a press already let go counts for this tick only. */
  forTick(): VehicleInput {
    const input = this.read();
    for (const source of this.#sources) source.tickTaken?.();
    return input;
  }
}
