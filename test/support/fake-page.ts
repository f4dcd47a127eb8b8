import type { DeviceEnvironment } from 'vehikill-net/client';

/**
 * A page whose visibility a test can flip, and that tells its listeners, as a browser's would: pass
 * `env` as a Client's (or DeviceWatch's) device environment.
 */
export function fakePage(navigator: DeviceEnvironment['navigator'] = {}) {
  const listeners = new Set<() => void>();
  const document = {
    visibilityState: 'visible',
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
  };
  return {
    env: { document, navigator } satisfies DeviceEnvironment,
    setVisibility(state: 'visible' | 'hidden') {
      document.visibilityState = state;
      for (const listener of listeners) listener();
    },
  };
}
