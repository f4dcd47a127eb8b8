import type { Client, RoomConnection } from 'vehikill-net/client';
import { SESSION_LEAVE_PATH } from 'vehikill-net/protocol';
import { MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * `Client.closeForUnload()`, what a page calls on `pagehide`: its beacon alone frees the seat when the
 * socket's goodbye never leaves the page (as a page torn down under load often fails to send it). The
 * browser's `navigator.sendBeacon` is stood in for by one that records the beacon, and the test delivers
 * it as the browser would after the page is gone.
 */

/** While set, a socket's close() drops the connection instead of saying goodbye (the server sees 1006). */
let dropGoodbyes = false;
class DroppingWebSocket extends WebSocket {
  override close(code?: number, reason?: string): void {
    if (dropGoodbyes) this.terminate();
    else super.close(code, reason);
  }
}

const servers: TestServer[] = [];
afterEach(async () => {
  dropGoodbyes = false;
  vi.unstubAllGlobals();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(options: Parameters<typeof startServer>[1] = {}): Promise<TestServer> {
  const started = await startServer({ test: TestRoom }, options);
  servers.push(started);
  return started;
}

/** A browser's beacon, recorded instead of sent. */
interface Beacon {
  url: string;
  data: unknown;
}
function recordBeacons(): Beacon[] {
  const beacons: Beacon[] = [];
  vi.stubGlobal('navigator', {
    sendBeacon: (url: string, data?: unknown) => {
      beacons.push({ url, data });
      return true;
    },
  });
  return beacons;
}

/** Sends a recorded beacon as a browser does: a POST with a text/plain body, its answer unread. */
async function deliver(beacon: Beacon): Promise<number> {
  expect(typeof beacon.data).toBe('string');
  const response = await fetch(beacon.url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body: beacon.data as string,
  });
  return response.status;
}

/** What the watcher's room hears of the others: away and leave, in order. */
function presenceOf(room: RoomConnection): string[] {
  const presence: string[] = [];
  room.on('member-away', () => presence.push('away'));
  room.on('member-leave', ({ reason }) => presence.push(`leave ${reason}`));
  return presence;
}

/** A room on `t` with a watching player in it, whose view of the room the tests read. */
async function watchedRoom(t: TestServer): Promise<RoomConnection> {
  const watcher = t.client();
  await watcher.connect();
  return watcher.create('test');
}

/** A player whose socket goodbyes can be dropped, in the watcher's room on `t`. */
async function leaverIn(t: TestServer, room: RoomConnection, url = t.wsUrl): Promise<Client> {
  const leaver = t.client({ url, WebSocket: DroppingWebSocket });
  await leaver.connect();
  await leaver.join(room.roomId);
  return leaver;
}

describe('Client.closeForUnload', () => {
  it('frees the seat at once through its beacon alone when the socket goodbye is lost', async () => {
    const t = await server(); // the default grace period, 30 s
    const beacons = recordBeacons();
    const room = await watchedRoom(t);
    const leaver = await leaverIn(t, room);
    const presence = presenceOf(room);

    dropGoodbyes = true;
    expect(leaver.closeForUnload()).toBe(true);
    expect(leaver.state).toBe('closed');
    await eventually(() => presence.length === 1, 'the dropped socket is noticed');
    expect(presence).toEqual(['away']); // without the beacon, the seat would now be held for 30 s

    expect(beacons).toHaveLength(1);
    const [beacon] = beacons as [Beacon];
    expect(beacon.url).toBe(`${t.httpUrl}${SESSION_LEAVE_PATH}`);
    expect(await deliver(beacon)).toBe(204);
    expect(presence).toEqual(['away', 'leave left']);
    expect(room.members).toHaveLength(1);
    expect(t.server.sessionCount).toBe(1);
  });

  it('with the goodbye getting through too, the room hears one leave and the late beacon is a 404', async () => {
    const t = await server();
    const beacons = recordBeacons();
    const room = await watchedRoom(t);
    const leaver = await leaverIn(t, room);
    const presence = presenceOf(room);

    leaver.closeForUnload();
    await eventually(() => presence.length === 1, 'the leave is heard');
    expect(await deliver(beacons[0] as Beacon)).toBe(404);
    expect(presence).toEqual(['leave left']);
  });

  it('beacons the node the session lives on, not the one the client first connected to', async () => {
    const registry = new MemoryRegistry();
    const lobby = await server({ registry, nodeId: 'node-a' });
    const host = await server({ registry, nodeId: 'node-b' });
    const beacons = recordBeacons();
    const room = await watchedRoom(host);
    // Connected to the lobby node, sent on to the room's node by the join's redirect.
    const leaver = await leaverIn(lobby, room);
    expect(leaver.url).toBe(host.wsUrl);
    const presence = presenceOf(room);

    dropGoodbyes = true;
    leaver.closeForUnload();
    expect(beacons.map((beacon) => beacon.url)).toEqual([`${host.httpUrl}${SESSION_LEAVE_PATH}`]);
    expect(await deliver(beacons[0] as Beacon)).toBe(204);
    await eventually(() => presence.includes('leave left'), 'the room hears the leave');
  });

  it('sends nothing without a session, and in Node (no sendBeacon) only closes', async () => {
    const t = await server();
    const beacons = recordBeacons();
    const idle = t.client();
    expect(idle.closeForUnload()).toBe(false);
    expect(beacons).toEqual([]);

    vi.unstubAllGlobals(); // Node 20 has no navigator at all
    expect((globalThis as { navigator?: unknown }).navigator).toBeUndefined();
    const room = await watchedRoom(t);
    const leaver = await leaverIn(t, room);
    const presence = presenceOf(room);
    expect(leaver.closeForUnload()).toBe(false);
    expect(leaver.state).toBe('closed');
    await eventually(() => presence.length === 1, 'the socket goodbye is heard');
    expect(presence).toEqual(['leave left']);
    expect(leaver.closeForUnload()).toBe(false);
  });
});
