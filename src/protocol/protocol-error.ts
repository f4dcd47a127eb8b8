import type { ErrorCode } from './error-codes.js';

/** A wire or runtime fault: carries a stable `code`; emitted or returned, never left to crash a process. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }
}
