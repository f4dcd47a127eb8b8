import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel } from '../../../src/transport/index.js';
import { fakeRoom, member } from './fakes/fake-room.js';

const A = 'aaaaaaaa01';
const B = 'bbbbbbbb02';
const C = 'cccccccc03';
const D = 'dddddddd04';

describe('a resync of the room (RoomState after an outbox overflow)', () => {
  it('tells the differences as member-leave, member-join, away and back, before the state', () => {
    const { room } = fakeRoom(A, [A, B, D], new ManualClock());
    const events: string[] = [];
    room.on('member-leave', ({ playerId, reason }) => events.push(`leave ${playerId} ${reason}`));
    room.on('member-join', ({ playerId }) => events.push(`join ${playerId}`));
    room.on('member-away', ({ playerId }) => events.push(`away ${playerId}`));
    room.on('member-back', ({ playerId }) => events.push(`back ${playerId}`));
    room.on('state', ({ members }) => events.push(`state ${members.length}`));
    // While we were away: B left, C joined, D's socket dropped.
    room.applyState({}, [member(A), member(D, true), member(C)]);
    expect(events).toEqual([`leave ${B} OUTBOX_OVERFLOW`, `away ${D}`, `join ${C}`, 'state 3']);
    expect(room.members.map((m) => m.playerId)).toEqual([A, D, C]);
    expect(() => room.relayLink(B)).toThrow(/not in room/);
  });

  it('a resync that changes nothing says nothing but the state', () => {
    const { room } = fakeRoom(A, [A, B], new ManualClock());
    const events: string[] = [];
    for (const name of ['member-leave', 'member-join', 'member-away', 'member-back'] as const)
      room.on(name, () => events.push(name));
    room.applyState({ score: 1 }, [member(A), member(B)]);
    expect(events).toEqual([]);
  });

  it('the mesh follows: a link to the newcomer, none to the player who left', () => {
    const { room } = fakeRoom(A, [A, B], new ManualClock());
    const mesh = room.mesh({ rtc: false });
    const departed = mesh.link(B);
    room.applyState({}, [member(A), member(C)]);
    expect(mesh.peers().map((link) => link.peerId)).toEqual([C]);
    expect(mesh.link(C)?.state).toBe('relayed');
    expect(mesh.send(C, Channel.dispatch, Uint8Array.of(1))).toBe(true);
    expect(departed?.state).toBe('closed');
    expect(mesh.send(B, Channel.dispatch, Uint8Array.of(1))).toBe(false);
  });

  it('a member with a new seating (it left and came back meanwhile) is told as a leave and a join', () => {
    const { room } = fakeRoom(A, [A], new ManualClock());
    room.applyMemberJoined({ ...member(B), seating: 2 });
    const mesh = room.mesh({ rtc: false });
    const before = mesh.link(B);
    const events: string[] = [];
    room.on('member-leave', ({ playerId, reason }) => events.push(`leave ${playerId} ${reason}`));
    room.on('member-join', ({ playerId }) => events.push(`join ${playerId}`));
    room.on('state', ({ members }) => events.push(`state ${members.length}`));
    room.applyState({}, [member(A), { ...member(B), seating: 5 }]);
    expect(events).toEqual([`leave ${B} OUTBOX_OVERFLOW`, `join ${B}`, 'state 2']);
    expect(room.members.map((m) => m.seating)).toEqual([undefined, 5]);
    // The mesh follows: a fresh link for the new seating, which its new mesh links up with.
    expect(before?.state).toBe('closed');
    expect(mesh.link(B)).not.toBe(before);
    expect(mesh.link(B)?.state).toBe('relayed');
    // The same seating, or a server that does not number them: nothing to tell.
    room.applyState({}, [member(A), { ...member(B), seating: 5 }]);
    room.applyState({}, [member(A), member(B)]);
    expect(events).toEqual([`leave ${B} OUTBOX_OVERFLOW`, `join ${B}`, 'state 2', 'state 2', 'state 2']);
  });
});
