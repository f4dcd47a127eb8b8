import net from 'node:net';

/** One HTTP response as it came on the wire: status, head (status line and headers) and body. */
export interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * Writes `request` on a raw socket to `port` on loopback and reads until the server closes it (or `ms`
 * pass): for requests no HTTP client would send, pipelined ones among them.
 */
export function exchangeRaw(
  port: number,
  request: string | Buffer,
  ms = 3_000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed });
    }, ms);
    socket.on('data', (data) => {
      text += data.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ text, closed });
    });
    socket.write(request);
  });
}

/** Every response in `text`, in order (keep-alive: several on one socket); bodies by `Content-Length`. */
export function rawAnswers(text: string): RawAnswer[] {
  const found: RawAnswer[] = [];
  let rest = text;
  for (let start = rest.indexOf('HTTP/1.1 '); start !== -1; start = rest.indexOf('HTTP/1.1 ')) {
    rest = rest.slice(start);
    const headEnd = rest.indexOf('\r\n\r\n');
    const head = rest.slice(0, headEnd);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    found.push({
      status: Number(head.slice(9, 12)),
      head,
      body: rest.slice(headEnd + 4, headEnd + 4 + length),
    });
    rest = rest.slice(headEnd + 4 + length);
  }
  return found;
}
