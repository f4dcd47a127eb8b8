import { COLOURS } from './palette.js';

interface Effect {
  readonly kind: 'flash' | 'tracer' | 'explosion';
  readonly x: number;
  readonly y: number;
  /** Tracer end, or the flash's direction (unit vector). */
  readonly x2: number;
  readonly y2: number;
  readonly size: number;
  readonly born: number;
  readonly life: number;
}

const FLASH_MS = 70;
const TRACER_MS = 90;
const EXPLOSION_MS = 450;
/** Beyond this many effects the oldest go: a burst of notices must not slow the frame. */
const MAX_EFFECTS = 256;

/**
 * Short-lived things drawn over the world: muzzle flashes and tracers (shown the moment a fire notice
 * arrives, before the server has judged the shot) and explosions. Times are page milliseconds.
 */
export class Effects {
  readonly #live: Effect[] = [];

  muzzleFlash(x: number, y: number, dirX: number, dirY: number, now: number): void {
    this.#add({ kind: 'flash', x, y, x2: dirX, y2: dirY, size: 1, born: now, life: FLASH_MS });
  }

  tracer(x: number, y: number, toX: number, toY: number, now: number): void {
    this.#add({ kind: 'tracer', x, y, x2: toX, y2: toY, size: 1, born: now, life: TRACER_MS });
  }

  explosion(x: number, y: number, size: number, now: number): void {
    this.#add({ kind: 'explosion', x, y, x2: 0, y2: 0, size, born: now, life: EXPLOSION_MS });
  }

  get count(): number {
    return this.#live.length;
  }

  /** Draws in world units (the camera's transform is set); drops what has run its course. */
  draw(context: CanvasRenderingContext2D, now: number): void {
    let kept = 0;
    for (const effect of this.#live) {
      const age = (now - effect.born) / effect.life;
      if (age >= 1) continue;
      this.#live[kept++] = effect;
      if (age < 0) continue;
      context.globalAlpha = 1 - age;
      if (effect.kind === 'flash') {
        context.fillStyle = COLOURS.flash;
        context.beginPath();
        context.arc(
          effect.x + effect.x2 * 0.4,
          effect.y + effect.y2 * 0.4,
          0.55 * (1 - age / 2),
          0,
          Math.PI * 2,
        );
        context.fill();
      } else if (effect.kind === 'tracer') {
        context.strokeStyle = COLOURS.tracer;
        context.lineWidth = 0.15;
        context.beginPath();
        context.moveTo(effect.x, effect.y);
        context.lineTo(effect.x2, effect.y2);
        context.stroke();
      } else {
        context.fillStyle = age < 0.3 ? COLOURS.flash : COLOURS.fire;
        context.beginPath();
        context.arc(effect.x, effect.y, effect.size * (0.4 + age), 0, Math.PI * 2);
        context.fill();
      }
    }
    this.#live.length = kept;
    context.globalAlpha = 1;
  }

  #add(effect: Effect): void {
    if (this.#live.length >= MAX_EFFECTS) this.#live.shift();
    this.#live.push(effect);
  }
}
