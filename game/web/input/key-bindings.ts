/**
 * Every key the game reads, by `KeyboardEvent.code` (the key's place, so WASD works on any layout).
 * The page's help is built from this table, so what is documented is what is bound. Left Ctrl is
 * deliberately unbound: Ctrl+W would close the tab while driving with W.
 */
export const DRIVE_KEYS = {
  forward: ['KeyW', 'ArrowUp'],
  reverse: ['KeyS', 'ArrowDown'],
  left: ['KeyA', 'ArrowLeft'],
  right: ['KeyD', 'ArrowRight'],
  fire: ['Space'],
  rocket: ['KeyF', 'ControlRight'],
  boost: ['ShiftLeft', 'ShiftRight'],
  brake: ['KeyE', 'Slash'],
} as const;

export type DriveAction = keyof typeof DRIVE_KEYS;

/** Keys for the page itself (not the car). */
export const PAGE_KEYS = {
  talk: 'KeyV',
  chat: 'Enter',
  overlay: 'KeyN',
  help: 'KeyH',
  scoreboard: 'Tab',
} as const;

/** The help table: what each action does and which keys do it. */
export const HELP_ROWS: readonly { keys: string; action: string }[] = [
  { keys: 'W / ↑', action: 'Accelerate' },
  { keys: 'S / ↓', action: 'Brake, then reverse' },
  { keys: 'A D / ← →', action: 'Steer' },
  { keys: 'Space', action: 'Fire the gun' },
  { keys: 'F / Right Ctrl', action: 'Fire a rocket' },
  { keys: 'Shift', action: 'Boost' },
  { keys: 'E / /', action: 'Handbrake (drift)' },
  { keys: 'V', action: 'Push to talk (when enabled in settings)' },
  { keys: 'Enter', action: 'Chat' },
  { keys: 'Tab', action: 'Scoreboard (hold, on the arena; Shift+Tab leaves the arena)' },
  { keys: 'N', action: 'Network overlay' },
  { keys: 'H', action: 'This help' },
  {
    keys: 'Gamepad',
    action: 'Left stick steer, RT accelerate, LT reverse, A fire, B rocket, X boost, RB handbrake',
  },
  { keys: 'Touch', action: 'Left thumb: joystick; right thumb: Fire, Rocket, Boost, Brake' },
];
