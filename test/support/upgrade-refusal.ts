import type WebSocket from 'ws';

/** Calls `answered` with the status and body of an HTTP answer the server gave instead of the upgrade. */
export function onUpgradeRefused(
  ws: WebSocket,
  answered: (status: number | undefined, body: string) => void,
): void {
  ws.on('unexpected-response', (_request, response) => {
    let body = '';
    response.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    response.on('end', () => answered(response.statusCode, body));
  });
}
