import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel } from '../../../src/transport/index.js';
import { fakeRoom } from './fakes/fake-room.js';

const [self, peer, other] = ['aaaaaaaa01', 'aaaaaaaa02', 'aaaaaaaa03'];

describe('mesh.trySend', () => {
  it('says why a message was not taken, where send says only false', () => {
    const clock = new ManualClock();
    const { room, relayed } = fakeRoom(self, [self, peer, other], clock);
    const mesh = room.mesh({ rtc: false });
    const byte = Uint8Array.of(1);
    expect(mesh.trySend(peer, Channel.phys, byte)).toBe('sent');
    expect(mesh.trySend(self, Channel.event, byte)).toBe('self');
    expect(mesh.trySend('aaaaaaaa99', Channel.dispatch, byte)).toBe('not-in-room');
    expect(mesh.trySend(peer, Channel.dispatch, new Uint8Array(16_374))).toBe('sent');
    expect(mesh.trySend(peer, Channel.dispatch, new Uint8Array(16_375))).toBe('too-large');
    expect(mesh.trySend(peer, Channel.phys, new Uint8Array(16_385))).toBe('too-large');
    mesh.block(other);
    expect(mesh.trySend(other, Channel.phys, byte)).toBe('blocked');
    expect(mesh.send(other, Channel.phys, byte)).toBe(false);
    room.applyMemberLeft(peer, 'left');
    expect(mesh.trySend(peer, Channel.phys, byte)).toBe('not-in-room');
    mesh.close();
    expect(mesh.trySend(other, Channel.phys, byte)).toBe('closed');
    // What was taken went out, and nothing else.
    expect(relayed.length).toBeGreaterThanOrEqual(2);
  });

  it("says 'backlog' once 4,096 dispatch messages wait for acks that never come, and sends nothing more", () => {
    const clock = new ManualClock();
    const { room, relayed } = fakeRoom(self, [self, peer], clock);
    const mesh = room.mesh({ rtc: false });
    const results = new Map<string, number>();
    for (let n = 0; n < 4_100; n++) {
      const result = mesh.trySend(peer, Channel.dispatch, Uint8Array.of(n & 0xff));
      results.set(result, (results.get(result) ?? 0) + 1);
    }
    expect(Object.fromEntries(results)).toEqual({ sent: 4_096, backlog: 4 });
    const frames = relayed.length;
    expect(mesh.trySend(peer, Channel.dispatch, Uint8Array.of(0))).toBe('backlog');
    expect(mesh.send(peer, Channel.dispatch, Uint8Array.of(0))).toBe(false);
    expect(relayed.length).toBe(frames);
    // Samples are never held back for it.
    expect(mesh.trySend(peer, Channel.phys, Uint8Array.of(0))).toBe('sent');
    mesh.close();
  });
});
