import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel } from '../../../src/transport/index.js';
import { fakeRoom } from './fakes/fake-room.js';

const A = 'aaaaaaaa01';
const B = 'bbbbbbbb02';

/**
 * The relay path to a peer is one per pair: the mesh's relay link and `room.relayLink` were one object.
 * Used together, the app read the mesh's frames (and the mesh the app's), and `mesh.close()` closed
 * the app's link under it.
 */
describe('room.relayLink and the mesh: one relay path per pair', () => {
  it('room.relayLink throws while a mesh is open; the mesh goes on', () => {
    const { room } = fakeRoom(A, [A, B], new ManualClock());
    const mesh = room.mesh({ rtc: false });
    expect(() => room.relayLink(B)).toThrow(/mesh is open.*mesh\.link\(peerId\)/);
    expect(mesh.link(B)?.state).toBe('relayed');
    expect(mesh.send(B, Channel.event, Uint8Array.of(1))).toBe(true);
    // Once the mesh is closed the app has the path, on a link of its own the mesh never had.
    mesh.close();
    const link = room.relayLink(B);
    expect(link.state).not.toBe('closed');
    expect(link.send(Channel.event, Uint8Array.of(2))).toBe(true);
  });

  it('room.mesh() throws while the app holds a relay link; once it is closed the mesh comes up', () => {
    const { room } = fakeRoom(A, [A, B], new ManualClock());
    const link = room.relayLink(B);
    expect(() => room.mesh({ rtc: false })).toThrow(/relay link to bbbbbbbb02 is open/);
    expect(link.state).not.toBe('closed');
    link.close();
    const mesh = room.mesh({ rtc: false });
    expect(mesh.link(B)?.state).toBe('relayed');
    expect(link.state).toBe('closed');
  });
});
