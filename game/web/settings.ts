const KEY = 'vehikill-settings';

export type TouchMode = 'auto' | 'on' | 'off';

/** What the player chose in the lobby's settings; kept in localStorage across visits. */
export interface Settings {
  /** Peers never learn this player's address: the mesh goes through TURN or the server. */
  relayOnly: boolean;
  pushToTalk: boolean;
  touch: TouchMode;
}

const DEFAULTS: Settings = { relayOnly: false, pushToTalk: false, touch: 'auto' };

export function loadSettings(): Settings {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>;
    return {
      relayOnly: saved.relayOnly === true,
      pushToTalk: saved.pushToTalk === true,
      touch: saved.touch === 'on' || saved.touch === 'off' ? saved.touch : 'auto',
    };
  } catch {
    // A corrupt or blocked store: the defaults will do.
    return { ...DEFAULTS };
  }
}

/**
 * One stored string, or undefined where the browser refuses storage: with site data blocked, merely
 * reading `window.localStorage` throws a SecurityError, and the page must still play.
 */
export function readStored(key: string): string | undefined {
  try {
    return localStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Stores a string if the browser lets us (private browsing may refuse, a full store throws). */
export function writeStored(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Kept for this visit only.
  }
}

export function saveSettings(settings: Settings): void {
  // Private browsing may refuse storage; the settings still hold for this visit.
  writeStored(KEY, JSON.stringify(settings));
}

/** Touch controls show on devices whose main pointer is a finger, unless the player chose otherwise. */
export function touchWanted(mode: TouchMode): boolean {
  if (mode !== 'auto') return mode === 'on';
  return typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
}
