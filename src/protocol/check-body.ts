import * as v from 'valibot';
import { ErrorCode } from './error-codes.js';
import { Kind } from './kinds.js';
import { type BodyKind, schemaByKind } from './messages.js';
import { ProtocolError } from './protocol-error.js';

const nameOfKind = new Map<number, string>(Object.entries(Kind).map(([name, kind]) => [kind, name]));

/**
 * INVALID_MESSAGE naming the first thing wrong when `body` is not what the receiver's schema for `kind`
 * accepts (what it would answer, from the same schema), undefined when it is. For a sender to refuse
 * its own caller's mistake before it costs anything on the wire.
 */
export function bodyProblem(kind: BodyKind, body: unknown): ProtocolError | undefined {
  const schema = schemaByKind[kind] as v.GenericSchema;
  let parsed: v.SafeParseResult<v.GenericSchema>;
  try {
    parsed = v.safeParse(schema, body);
  } catch (cause) {
    return new ProtocolError(ErrorCode.INVALID_MESSAGE, `${nameOfKind.get(kind)}: unverifiable`, { cause });
  }
  if (parsed.success) return undefined;
  const first = parsed.issues[0];
  const path = first.path?.map((item) => String(item.key)).join('.');
  return new ProtocolError(
    ErrorCode.INVALID_MESSAGE,
    `${nameOfKind.get(kind)}: ${path ? `${path}: ` : ''}${first.message}`.slice(0, 500),
  );
}
