import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, Channel, type Link, type LinkState } from '../../src/transport/index.js';

export interface LinkPair {
  a: Link;
  b: Link;
  /** Lets `ms` of (real or simulated) time pass. */
  wait(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

const bytes = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff);
const number = (data: Uint8Array) => (data[0] ?? 0) | ((data[1] ?? 0) << 8) | ((data[2] ?? 0) << 16);

async function until(pair: LinkPair, done: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > limitMs) throw new Error(`timed out: ${what}`);
    await pair.wait(10);
  }
}

/**
 * What every Link keeps, whatever carries it (simulated, relay through the server, WebRTC): one suite,
 * run against each implementation.
 */
export function linkContract(name: string, makePair: () => Promise<LinkPair>): void {
  describe(`Link contract: ${name}`, () => {
    let pair: LinkPair | undefined;
    afterEach(async () => {
      await pair?.dispose();
      pair = undefined;
    });

    const connected = async (): Promise<LinkPair> => {
      pair = await makePair();
      const live = (state: LinkState) => state === 'direct' || state === 'relayed';
      const current = pair;
      await until(current, () => live(current.a.state) && live(current.b.state), 'both ends connected');
      return current;
    };

    it('delivers each channel to the same channel on the other side, bytes intact, both ways', async () => {
      const p = await connected();
      const atB: string[] = [];
      const atA: string[] = [];
      p.b.onMessage((channel, data) => atB.push(`${channel}:${number(data)}`));
      p.a.onMessage((channel, data) => atA.push(`${channel}:${number(data)}`));
      CHANNELS.forEach((channel, i) => {
        expect(p.a.send(channel, bytes(100 + i))).toBe(true);
        expect(p.b.send(channel, bytes(200 + i))).toBe(true);
      });
      await until(p, () => atA.length === 3 && atB.length === 3, 'all six messages');
      expect(atB.sort()).toEqual(['dispatch:102', 'event:101', 'phys:100']);
      expect(atA.sort()).toEqual(['dispatch:202', 'event:201', 'phys:200']);
    });

    it('dispatch delivers 2,000 messages sent in bursts, complete and in order', async () => {
      const p = await connected();
      const received: number[] = [];
      p.b.onMessage((channel, data) => {
        if (channel === Channel.dispatch) received.push(number(data));
      });
      for (let n = 0; n < 2_000; n++) {
        p.a.send(Channel.dispatch, bytes(n));
        if (n % 250 === 249) await p.wait(1);
      }
      await until(p, () => received.length >= 2_000, 'all dispatch messages', 20_000);
      expect(received).toEqual(Array.from({ length: 2_000 }, (_, n) => n));
    });

    it('phys never delivers a message more often than it was sent when the path does not duplicate', async () => {
      const p = await connected();
      const counts = new Map<number, number>();
      p.b.onMessage((channel, data) => {
        if (channel === Channel.phys) counts.set(number(data), (counts.get(number(data)) ?? 0) + 1);
      });
      for (let n = 0; n < 200; n++) p.a.send(Channel.phys, bytes(n));
      await p.wait(500);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
      expect(counts.size).toBeGreaterThan(0);
    });

    it('counts what it sends and receives', async () => {
      const p = await connected();
      let got = 0;
      p.b.onMessage(() => got++);
      p.a.send(Channel.dispatch, new Uint8Array(100));
      await until(p, () => got === 1, 'one message');
      expect(p.a.stats()).toMatchObject({ bytesSent: 100, messagesSent: 1 });
      expect(p.b.stats()).toMatchObject({ bytesReceived: 100, messagesReceived: 1 });
    });

    it('close() ends both sides: sends are refused and the peer learns it', async () => {
      const p = await connected();
      const peerStates: LinkState[] = [];
      p.b.onState((state) => peerStates.push(state));
      p.a.close();
      expect(p.a.state).toBe('closed');
      expect(p.a.send(Channel.dispatch, bytes(1))).toBe(false);
      await until(p, () => p.b.state === 'closed', 'peer closed', 6_000);
      expect(peerStates).toContain('closed');
    });
  });
}
