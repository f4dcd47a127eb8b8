import * as v from 'valibot';
import { type CreateOptions, createOptionsSchema } from '../protocol/index.js';

/**
 * A creator's options as the room takes them, or a TypeError naming the option that is wrong (the room
 * answers it JOIN_REJECTED with this message): valibot's own message names the value, not the option.
 */
export function parseCreateOptions(options: unknown): CreateOptions {
  const parsed = v.safeParse(createOptionsSchema, options ?? {});
  if (parsed.success) return parsed.output;
  const issue = parsed.issues[0];
  const path = issue.path?.map((item) => String(item.key)).join('.');
  throw new TypeError(
    path ? `create option '${path}': ${issue.message}` : `create options: ${issue.message}`,
  );
}
