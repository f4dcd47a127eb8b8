import { NEUTRAL_INPUT, type VehicleInput } from '../../sim/index.js';
import { element } from '../dom.js';
import type { ControlSource } from './control-state.js';

/** Joystick travel (CSS px) that counts as full steer or throttle. */
const STICK_RADIUS = 56;
/** Throttle engages past this share of the stick's travel up or down. */
const THROTTLE_AT = 0.35;

type TouchButton = 'fire' | 'altFire' | 'boost' | 'brake';
const BUTTONS: readonly { name: TouchButton; label: string }[] = [
  { name: 'fire', label: 'Fire' },
  { name: 'altFire', label: 'Rocket' },
  { name: 'boost', label: 'Boost' },
  { name: 'brake', label: 'Brake' },
];

/**
 * On-screen controls for touch screens: a joystick under the left thumb (sideways steers, up and down
 * drive) and four buttons under the right. Pointer events, so a stylus or mouse works too; each pointer
 * is tracked on its own, so steering and firing at once works. Everything is let go when the window
 * loses focus, as the keyboard's keys are.
 */
export class TouchControls implements ControlSource {
  readonly #root: HTMLElement;
  readonly #knob: HTMLElement;
  readonly #held = new Set<TouchButton>();
  #stick: { pointer: number; x: number; y: number; dx: number; dy: number } | undefined;

  constructor(root: HTMLElement) {
    this.#root = root;
    const pad = element('div', '', 'touch-stick');
    pad.setAttribute('aria-hidden', 'true');
    this.#knob = element('div', '', 'touch-knob');
    pad.append(this.#knob);
    pad.addEventListener('pointerdown', (event) => {
      pad.setPointerCapture(event.pointerId);
      this.#stick = { pointer: event.pointerId, x: event.clientX, y: event.clientY, dx: 0, dy: 0 };
      event.preventDefault();
    });
    pad.addEventListener('pointermove', (event) => {
      const stick = this.#stick;
      if (!stick || stick.pointer !== event.pointerId) return;
      stick.dx = Math.max(-1, Math.min(1, (event.clientX - stick.x) / STICK_RADIUS));
      stick.dy = Math.max(-1, Math.min(1, (event.clientY - stick.y) / STICK_RADIUS));
      this.#knob.style.transform = `translate(${stick.dx * STICK_RADIUS * 0.6}px, ${stick.dy * STICK_RADIUS * 0.6}px)`;
    });
    const endStick = (event: PointerEvent) => {
      if (this.#stick?.pointer !== event.pointerId) return;
      this.#stick = undefined;
      this.#knob.style.transform = '';
    };
    pad.addEventListener('pointerup', endStick);
    pad.addEventListener('pointercancel', endStick);

    const buttons = element('div', '', 'touch-buttons');
    for (const { name, label } of BUTTONS) {
      const button = element('button', label, `touch-button ${name}`);
      button.type = 'button';
      button.tabIndex = -1; // keyboard users have keys for these
      const release = () => this.#held.delete(name);
      button.addEventListener('pointerdown', (event) => {
        button.setPointerCapture(event.pointerId);
        this.#held.add(name);
        event.preventDefault();
      });
      button.addEventListener('pointerup', release);
      button.addEventListener('pointercancel', release);
      buttons.append(button);
    }
    root.replaceChildren(pad, buttons);
    // The lift of a thumb that happens while another window or app has the focus never reaches us.
    window.addEventListener('blur', () => this.#release());
  }

  /** Shown on touch screens by default; the settings can force it either way. */
  setVisible(visible: boolean): void {
    this.#root.hidden = !visible;
    if (!visible) this.#release();
  }

  #release(): void {
    this.#held.clear();
    this.#stick = undefined;
    this.#knob.style.transform = '';
  }

  read(): VehicleInput {
    const stick = this.#stick;
    if (!stick && this.#held.size === 0) return NEUTRAL_INPUT;
    const dy = stick?.dy ?? 0;
    return {
      throttle: dy < -THROTTLE_AT ? 1 : dy > THROTTLE_AT ? -1 : 0,
      steer: stick?.dx ?? 0,
      brake: this.#held.has('brake'),
      boost: this.#held.has('boost'),
      fire: this.#held.has('fire'),
      altFire: this.#held.has('altFire'),
    };
  }
}
