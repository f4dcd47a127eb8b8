import { describe, expect, it } from 'vitest';
import { SessionHeartbeat } from '../../../src/client/session-heartbeat.js';
import { ManualClock } from '../../../src/common/index.js';
import { clientToServerKinds, decodeFrame, Kind } from '../../../src/protocol/index.js';

/**
 * The pings behind `Client.serverCaughtUp()`: the server drops what comes over its rate, so many calls at
 * once must not each write a ping (those dropped were never answered, and their calls hung).
 */
function heartbeat() {
  const pings: number[] = [];
  const clock = new ManualClock();
  const beat = new SessionHeartbeat({
    clock,
    deadServerTimeoutMs: undefined,
    hasSocket: () => true,
    writeControl: (frame) => {
      const { message } = decodeFrame(frame, clientToServerKinds);
      if (message.kind === Kind.Ping) pings.push(message.body.id);
    },
    dead: () => {},
  });
  const pong = (id: number) => beat.pong({ id, t: 0, rt: 0 });
  return { beat, pings, pong, clock };
}

describe('caught-up pings', () => {
  it('answers many calls made while one ping is out with one more ping, written once that one is answered', () => {
    const { beat, pings, pong } = heartbeat();
    const answered: number[] = [];
    beat.afterServerCaughtUp(() => answered.push(0));
    for (let call = 1; call <= 100; call++) beat.afterServerCaughtUp(() => answered.push(call));
    expect(pings).toHaveLength(1);
    pong(pings[0] as number);
    // The first call's ping went before the others were made: it does not answer them.
    expect(answered).toEqual([0]);
    expect(pings).toHaveLength(2);
    pong(pings[1] as number);
    expect(answered).toHaveLength(101);
    expect(answered.slice(1)).toEqual(Array.from({ length: 100 }, (_, call) => call + 1));
  });

  it('asks again when the server answers a later ping first (it dropped ours): who waits is answered', () => {
    const { beat, pings, pong } = heartbeat();
    let answers = 0;
    beat.afterServerCaughtUp(() => answers++);
    beat.afterServerCaughtUp(() => answers++);
    beat.start(); // its first heartbeat ping goes at once, behind ours
    expect(pings).toHaveLength(2);
    pong(pings[1] as number);
    expect(pings).toHaveLength(3);
    expect(answers).toBe(0);
    pong(pings[2] as number);
    expect(answers).toBe(2);
    beat.stop();
  });

  it('asks again when a ping after the next one is answered first (the server dropped those two)', () => {
    const { beat, pings, pong, clock } = heartbeat();
    let answers = 0;
    beat.afterServerCaughtUp(() => answers++);
    beat.start();
    clock.advance(1_000);
    expect(pings.length).toBeGreaterThanOrEqual(3);
    pong(pings.at(-1) as number);
    const again = pings.at(-1) as number;
    expect(again).toBeGreaterThan(pings[2] as number);
    pong(again);
    expect(answers).toBe(1);
    beat.stop();
  });

  it('answers no call at the pong of another ping, nor twice, nor after the socket went', () => {
    const { beat, pings, pong } = heartbeat();
    let answers = 0;
    beat.afterServerCaughtUp(() => answers++);
    const id = pings[0] as number;
    pong(id + 1);
    expect(answers).toBe(0);
    pong(id);
    pong(id);
    expect(answers).toBe(1);
    beat.afterServerCaughtUp(() => answers++);
    beat.afterServerCaughtUp(() => answers++);
    beat.stop();
    for (const sent of pings) pong(sent);
    expect(answers).toBe(1);
    // A new socket: the next call pings at once again.
    beat.afterServerCaughtUp(() => answers++);
    pong(pings.at(-1) as number);
    expect(answers).toBe(2);
  });
});
