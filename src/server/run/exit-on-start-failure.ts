/**
 * Ends a server process whose start failed (a bad setting, Redis not there, the port taken) with one line
 * naming what, and exit code 1: the messages say what to fix, and a stack trace after them only buried it.
 * A failure that is not an Error (a bug somewhere) keeps its full print.
 */
export function exitOnStartFailure(label: string, error: unknown): never {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause.message : '';
    const because = cause === '' || error.message.includes(cause) ? '' : ` (${cause})`;
    console.error(`${label}: could not start: ${error.message}${because}`);
  } else {
    console.error(`${label}: could not start:`, error);
  }
  process.exit(1);
}
