import type { TestServer } from './server.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * Alice and Bob in one 'test' room of `t`'s server, Bob behind a TcpProxy so that a test can stall his
 * link (`proxy.stallDownstream()`), and the reasons of every drop Bob's client saw. The caller closes the
 * proxy.
 */
export async function roomWithTargetBehindProxy(t: TestServer) {
  const proxy = new TcpProxy(t.port);
  await proxy.listen();
  const alice = t.client();
  const bob = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  const drops: string[] = [];
  bob.on('drop', ({ reason }) => drops.push(reason));
  return { proxy, alice, bob, aliceRoom, bobRoom, drops };
}
