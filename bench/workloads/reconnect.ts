import { Client } from 'vehikill-net/client';
import { GameServer, Room } from 'vehikill-net/server';
import { WebSocket } from 'ws';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { percentile, type Row } from '../results.js';

class EchoRoom extends Room {}

/** Time from a reset socket to the resumed session, on loopback, with and without backoff delay. */
export async function benchReconnect(): Promise<Row[]> {
  const server = new GameServer().define('echo', EchoRoom);
  const { port } = await server.listen(0);
  const proxy = new TcpProxy(port);
  await proxy.listen();
  const rows: Row[] = [];
  for (const [label, backoff] of [
    ['default backoff (250 ms base, full jitter)', undefined],
    ['no backoff wait (protocol cost only)', { baseMs: 0, maxMs: 0 }],
  ] as const) {
    const client = new Client({
      url: `ws://127.0.0.1:${proxy.port}/ws`,
      WebSocket,
      ...(backoff ? { backoff } : {}),
    });
    await client.connect();
    await client.create('echo');
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const back = new Promise<void>((resolve) => {
        const dispose = client.on('reconnect', () => {
          dispose();
          resolve();
        });
      });
      const dropped = performance.now();
      proxy.dropAll();
      await back;
      samples.push(performance.now() - dropped);
    }
    client.close();
    samples.sort((a, b) => a - b);
    const workload = 'reconnect after a reset socket, loopback, 200 drops';
    rows.push({
      workload,
      system: `vehikill-net, ${label}`,
      metric: 'p50',
      value: percentile(samples, 50),
      unit: 'ms',
    });
    rows.push({
      workload,
      system: `vehikill-net, ${label}`,
      metric: 'p95',
      value: percentile(samples, 95),
      unit: 'ms',
    });
  }
  await proxy.close();
  await server.close({ drainMs: 0 });
  return rows;
}
