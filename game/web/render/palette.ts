import type { DamageState } from '../../sim/index.js';

/** Distinct body colours, picked by vehicle id, so a car keeps its colour on every screen. */
const BODY_COLOURS = [
  '#4f9dff',
  '#ff6b5a',
  '#4fd18b',
  '#f5c542',
  '#c77dff',
  '#ff9f43',
  '#2ed3d3',
  '#ff7eb6',
] as const;

export function bodyColour(vehicleId: number): string {
  return BODY_COLOURS[vehicleId % BODY_COLOURS.length] as string;
}

/** Damage darkens the paint: a glance tells a fresh car from one about to go. */
export const DAMAGE_SHADE: Record<DamageState, number> = {
  intact: 0,
  damaged: 0.25,
  critical: 0.5,
  wrecked: 0.8,
};

export const COLOURS = {
  outside: '#0b0e12',
  floor: '#1b232c',
  grid: '#222c37',
  wall: '#5b6b7c',
  wallEdge: '#8496a9',
  ownOutline: '#ffffff',
  name: '#e6edf3',
  nameShadow: '#000000',
  speaking: '#3fb950',
  ammo: '#f5c542',
  repair: '#3fb950',
  rocket: '#ffb347',
  tracer: '#fff3b0',
  flash: '#ffe28a',
  smoke: '#8a8f96',
  fire: '#ff7b2e',
} as const;
