import type { TestServer } from './server.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * What Bob's client takes for a dead server when his link is stalled on purpose (ms). These tests check
 * that the server keeps his socket through the stall; his own watch (three heartbeats, 3 s here) gave
 * the silent server up and reconnected when a loaded machine stretched a stall past 3 s, which is not
 * what they test. A close from the server still shows, as a drop, once the stall is released.
 */
export const STALLED_TARGET_DEAD_SERVER_MS = 60_000;

/**
 * Alice and Bob in one 'test' room of `t`'s server, Bob behind a TcpProxy so that a test can stall his
 * link (`proxy.stallDownstream()`), and the reasons of every drop Bob's client saw. The caller closes the
 * proxy.
 */
export async function roomWithTargetBehindProxy(t: TestServer) {
  const proxy = new TcpProxy(t.port);
  await proxy.listen();
  const alice = t.client();
  const bob = t.client({
    url: `ws://127.0.0.1:${proxy.port}/ws`,
    deadServerTimeoutMs: STALLED_TARGET_DEAD_SERVER_MS,
  });
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  const drops: string[] = [];
  bob.on('drop', ({ reason }) => drops.push(reason));
  return { proxy, alice, bob, aliceRoom, bobRoom, drops };
}
