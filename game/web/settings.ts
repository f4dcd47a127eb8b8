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

export function saveSettings(settings: Settings): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(settings));
  } catch {
    // Private browsing may refuse storage; the settings still hold for this visit.
  }
}

/** Touch controls show on devices whose main pointer is a finger, unless the player chose otherwise. */
export function touchWanted(mode: TouchMode): boolean {
  if (mode !== 'auto') return mode === 'on';
  return typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
}
