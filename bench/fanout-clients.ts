/**
 * Child process of the fan-out benchmark: N clients that count messages, so client-side work does not
 * steal the server's CPU time in the measuring process. argv: mode url count expected
 */

import { Client } from 'vehikill-net/client';
import { decodeFrame, serverToClientKinds } from 'vehikill-net/protocol';
import { WebSocket } from 'ws';

const [mode, url, countText, expectedText] = process.argv.slice(2);
const count = Number(countText);
const expected = Number(expectedText);
let finished = 0;
const send = (message: object) => process.send?.(message);

function onCount(received: number): void {
  if (received === expected && ++finished === count) send({ type: 'done' });
}

if (mode === 'ws') {
  let open = 0;
  for (let i = 0; i < count; i++) {
    const socket = new WebSocket(url as string, { perMessageDeflate: false });
    let received = 0;
    socket.on('message', (data: Buffer) => {
      if (process.env.DECODE) decodeFrame(new Uint8Array(data), serverToClientKinds);
      onCount(++received);
    });
    socket.on('open', () => {
      if (++open === count) setTimeout(() => send({ type: 'ready' }), 100);
    });
  }
} else {
  const clients = Array.from(
    { length: count },
    () =>
      new Client({
        url: url as string,
        WebSocket,
        ...(process.env.ACK_EVERY
          ? { ackEvery: Number(process.env.ACK_EVERY), ackDelayMs: Number(process.env.ACK_MS) }
          : {}),
      }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  const first = await clients[0]!.create('fanout');
  const rooms = [first, ...(await Promise.all(clients.slice(1).map((client) => client.join(first.roomId))))];
  for (const room of rooms) {
    let received = 0;
    room.onMessage('chat', () => onCount(++received));
  }
  setTimeout(() => send({ type: 'ready' }), 100);
}
