import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes `directory` and the ones above it that are missing, as `mkdir(directory, { recursive: true })`
 * does, but always settles. Node's recursive mkdir never settles for a path in a directory that says
 * "no such file" to every new name while existing itself, as `/proc` does (`HISTORY_FILE=/proc/x/h.json`):
 * it makes the parent (there), tries the child again (ENOENT), and so on for ever, which held a
 * SIGTERM's last history save, and the process, for good. Here each directory is tried at most twice.
 */
export async function makeDirectories(directory: string): Promise<void> {
  if (await madeOrThere(directory)) return;
  const parent = dirname(directory);
  if (parent === directory) throw missing(directory);
  await makeDirectories(parent);
  if (!(await madeOrThere(directory))) throw missing(directory);
}

/** True when `directory` was made or is there; false when its parent is missing (ENOENT). */
async function madeOrThere(directory: string): Promise<boolean> {
  try {
    await mkdir(directory);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return true;
    if (code === 'ENOENT') return false;
    throw error;
  }
}

function missing(directory: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, mkdir '${directory}'`), {
    code: 'ENOENT',
  });
}
