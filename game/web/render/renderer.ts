import {
  type Arena,
  type DamageState,
  damageStateOf,
  type PickupSyncState,
  type RocketState,
  VEHICLE_LENGTH,
  VEHICLE_WIDTH,
  type VehicleState,
} from '../../sim/index.js';
import { Camera } from './camera.js';
import type { Effects } from './effects.js';
import { bodyColour, COLOURS, DAMAGE_SHADE } from './palette.js';

/** What one player's car shows besides its position: name, damage, whether they are talking. */
export interface CarLabel {
  readonly name: string;
  readonly health: number | undefined;
  readonly alive: boolean | undefined;
  readonly speaking: boolean;
}

/** Everything drawn in one frame, in world units. */
export interface Scene {
  /** The own car as predicted (the camera follows it), if the player has one. */
  readonly own: VehicleState | undefined;
  /** Other cars as interpolated. */
  readonly vehicles: readonly VehicleState[];
  readonly rockets: readonly RocketState[];
  readonly pickups: readonly PickupSyncState[];
  /** By vehicle id. */
  readonly labels: ReadonlyMap<number, CarLabel>;
}

const GRID_STEP = 10;

/**
 * Draws the arena top-down on a canvas: floor, walls and obstacles, pickups, cars (the own one outlined
 * and marked; damage shown by darker paint, smoke and fire), rockets, effects and names, with the camera
 * on the own car. Stateless between frames except for the camera and the canvas size.
 */
export class Renderer {
  readonly camera = new Camera();
  readonly #canvas: HTMLCanvasElement;
  readonly #context: CanvasRenderingContext2D;
  readonly #arena: Arena;

  constructor(canvas: HTMLCanvasElement, arena: Arena) {
    const context = canvas.getContext('2d', { alpha: false });
    if (!context) throw new Error('this browser has no 2D canvas');
    this.#canvas = canvas;
    this.#context = context;
    this.#arena = arena;
    this.camera.follow(arena.width / 2, arena.height / 2);
  }

  draw(scene: Scene, effects: Effects, now: number): void {
    const context = this.#context;
    const camera = this.camera;
    const ratio = window.devicePixelRatio || 1;
    camera.fit(this.#canvas, ratio);
    if (scene.own) camera.follow(scene.own.x, scene.own.y);
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = COLOURS.outside;
    context.fillRect(0, 0, this.#canvas.width, this.#canvas.height);
    camera.apply(context, ratio);
    this.#drawArena(context);
    for (const pickup of scene.pickups) this.#drawPickup(context, pickup, now);
    for (const rocket of scene.rockets) this.#drawRocket(context, rocket);
    for (const vehicle of scene.vehicles)
      this.#drawCar(context, vehicle, scene.labels.get(vehicle.id), false, now);
    if (scene.own) this.#drawCar(context, scene.own, scene.labels.get(scene.own.id), true, now);
    effects.draw(context, now);
    // Names last and in screen pixels, so text stays crisp and upright at any zoom.
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    const named = scene.own ? [...scene.vehicles, scene.own] : scene.vehicles;
    for (const vehicle of named) this.#drawName(context, vehicle, scene.labels.get(vehicle.id));
  }

  #drawArena(context: CanvasRenderingContext2D): void {
    const arena = this.#arena;
    context.fillStyle = COLOURS.floor;
    context.fillRect(0, 0, arena.width, arena.height);
    context.strokeStyle = COLOURS.grid;
    context.lineWidth = 0.08;
    context.beginPath();
    for (let x = GRID_STEP; x < arena.width; x += GRID_STEP) {
      context.moveTo(x, 0);
      context.lineTo(x, arena.height);
    }
    for (let y = GRID_STEP; y < arena.height; y += GRID_STEP) {
      context.moveTo(0, y);
      context.lineTo(arena.width, y);
    }
    context.stroke();
    context.fillStyle = COLOURS.wall;
    context.strokeStyle = COLOURS.wallEdge;
    context.lineWidth = 0.25;
    for (const box of arena.boxes) {
      context.fillRect(box.minX, box.minY, box.maxX - box.minX, box.maxY - box.minY);
      context.strokeRect(box.minX, box.minY, box.maxX - box.minX, box.maxY - box.minY);
    }
    for (const circle of arena.circles) {
      context.beginPath();
      context.arc(circle.x, circle.y, circle.radius, 0, Math.PI * 2);
      context.fill();
      context.stroke();
    }
    context.lineWidth = 0.6;
    context.strokeRect(-0.3, -0.3, arena.width + 0.6, arena.height + 0.6);
  }

  #drawPickup(context: CanvasRenderingContext2D, pickup: PickupSyncState, now: number): void {
    if (!this.camera.sees(pickup.x, pickup.y, 2)) return;
    const pulse = 1 + 0.08 * Math.sin(now / 200);
    context.globalAlpha = pickup.active ? 1 : 0.2;
    context.fillStyle = pickup.kind === 'ammo' ? COLOURS.ammo : COLOURS.repair;
    if (pickup.kind === 'ammo') {
      const half = 0.8 * pulse;
      context.fillRect(pickup.x - half, pickup.y - half, half * 2, half * 2);
    } else {
      const long = 0.9 * pulse;
      const thin = 0.3 * pulse;
      context.fillRect(pickup.x - long, pickup.y - thin, long * 2, thin * 2);
      context.fillRect(pickup.x - thin, pickup.y - long, thin * 2, long * 2);
    }
    context.globalAlpha = 1;
  }

  #drawRocket(context: CanvasRenderingContext2D, rocket: RocketState): void {
    if (!this.camera.sees(rocket.x, rocket.y, 3)) return;
    const dx = Math.cos(rocket.angle);
    const dy = Math.sin(rocket.angle);
    context.strokeStyle = COLOURS.smoke;
    context.globalAlpha = 0.5;
    context.lineWidth = 0.3;
    context.beginPath();
    context.moveTo(rocket.x, rocket.y);
    context.lineTo(rocket.x - dx * 2.5, rocket.y - dy * 2.5);
    context.stroke();
    context.globalAlpha = 1;
    context.fillStyle = COLOURS.rocket;
    context.beginPath();
    context.arc(rocket.x, rocket.y, 0.35, 0, Math.PI * 2);
    context.fill();
  }

  #drawCar(
    context: CanvasRenderingContext2D,
    vehicle: VehicleState,
    label: CarLabel | undefined,
    own: boolean,
    now: number,
  ): void {
    if (!this.camera.sees(vehicle.x, vehicle.y, 3)) return;
    const damage: DamageState =
      label?.alive === false
        ? 'wrecked'
        : label?.health === undefined
          ? 'intact'
          : damageStateOf(label.health);
    context.save();
    context.translate(vehicle.x, vehicle.y);
    context.rotate(vehicle.angle);
    context.fillStyle = shade(bodyColour(vehicle.id), DAMAGE_SHADE[damage]);
    context.fillRect(-VEHICLE_LENGTH / 2, -VEHICLE_WIDTH / 2, VEHICLE_LENGTH, VEHICLE_WIDTH);
    // The windscreen shows which way is forward.
    context.fillStyle = damage === 'wrecked' ? '#222' : '#0d1b2a';
    context.fillRect(VEHICLE_LENGTH * 0.1, -VEHICLE_WIDTH * 0.35, VEHICLE_LENGTH * 0.22, VEHICLE_WIDTH * 0.7);
    if (own) {
      context.strokeStyle = COLOURS.ownOutline;
      context.lineWidth = 0.18;
      context.strokeRect(-VEHICLE_LENGTH / 2, -VEHICLE_WIDTH / 2, VEHICLE_LENGTH, VEHICLE_WIDTH);
    }
    context.restore();
    if (damage === 'damaged' || damage === 'critical' || damage === 'wrecked') {
      drawSmoke(context, vehicle, damage, now);
    }
  }

  #drawName(context: CanvasRenderingContext2D, vehicle: VehicleState, label: CarLabel | undefined): void {
    if (!label || !this.camera.sees(vehicle.x, vehicle.y, 4)) return;
    const at = this.camera.toScreen(vehicle.x, vehicle.y);
    const text = label.speaking ? `🔊 ${label.name}` : label.name;
    context.font = '12px system-ui, sans-serif';
    context.textAlign = 'center';
    context.fillStyle = COLOURS.nameShadow;
    context.fillText(text, at.x + 1, at.y - this.camera.scale * 1.8 + 1);
    context.fillStyle = label.speaking ? COLOURS.speaking : COLOURS.name;
    context.fillText(text, at.x, at.y - this.camera.scale * 1.8);
  }
}

/** Smoke puffs trailing a damaged car (fire under them when critical); drawn from the clock alone. */
function drawSmoke(
  context: CanvasRenderingContext2D,
  vehicle: VehicleState,
  damage: DamageState,
  now: number,
): void {
  const puffs = damage === 'damaged' ? 2 : 4;
  for (let index = 0; index < puffs; index++) {
    const phase = (now / 700 + index / puffs + vehicle.id * 0.37) % 1;
    context.globalAlpha = 0.45 * (1 - phase);
    context.fillStyle = COLOURS.smoke;
    context.beginPath();
    context.arc(vehicle.x + phase * 1.2 - 0.3, vehicle.y - phase * 2.2, 0.35 + phase * 0.8, 0, Math.PI * 2);
    context.fill();
  }
  if (damage !== 'damaged') {
    context.globalAlpha = 0.6 + 0.3 * Math.sin(now / 60 + vehicle.id);
    context.fillStyle = COLOURS.fire;
    context.beginPath();
    context.arc(vehicle.x, vehicle.y, damage === 'wrecked' ? 0.9 : 0.5, 0, Math.PI * 2);
    context.fill();
  }
  context.globalAlpha = 1;
}

/** Mixes a #rrggbb colour toward black by `amount` (0..1). */
function shade(hex: string, amount: number): string {
  if (amount === 0) return hex;
  const value = Number.parseInt(hex.slice(1), 16);
  const channel = (shift: number) => Math.round(((value >> shift) & 0xff) * (1 - amount));
  return `rgb(${channel(16)}, ${channel(8)}, ${channel(0)})`;
}
