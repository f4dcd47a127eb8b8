import type { ErrorCode } from './error-codes.js';

/** A wire or runtime fault: carries a stable `code`; emitted or returned, never left to crash a process. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  /** The request this error answers, when the faulty message carried a readable request id. */
  readonly rid: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; rid?: number }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
    this.rid = options?.rid;
  }
}
