import type { IncomingMessage } from 'node:http';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';

/** Reads a request body, refusing (and stopping the upload) as soon as it passes `limitBytes`. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new ProtocolError(ErrorCode.MESSAGE_TOO_LARGE, `body over ${limitBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
