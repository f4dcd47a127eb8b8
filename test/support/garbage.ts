import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// `global.gc` without starting the test process with --expose-gc: the flag turned on now makes a new
// context get `gc`.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Collects twice, after the current job (a WeakRef made in it holds its target until the job ends). */
export async function settledCollection(): Promise<void> {
  for (let round = 0; round < 2; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
  }
}
