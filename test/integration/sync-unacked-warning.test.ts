import { type Channel, SyncedState } from 'vehikill-net/client';
import { Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/*
 * A member that acks none of 128 snapshots in a room that never called `sync.receive` is said once on the
 * console. In a room that passes its link messages on, a client that runs no SyncedState (the load test's
 * players, which only chat, in a Vehikill room) is such a member too: nothing reached the room to pass on.
 * The line then told the operator to wire `sync.receive` into a room that was wired; it now says the
 * client sent nothing, and only a room whose members did send something is told to pass it on.
 */

const Dot = entity('dot', { x: int({ min: 0, max: 100_000 }) });
const types = [Dot] as const;

/** Snapshots at 100 Hz, so 128 go in 1.3 s; `wired` rooms pass their link messages to `sync.receive`. */
class DotRoom extends Room {
  static instance: DotRoom | undefined;
  sync!: RoomSync;
  #timer: ReturnType<typeof setInterval> | undefined;

  override onCreate(options: unknown): void {
    DotRoom.instance = this;
    const wired = (options as { wired?: boolean } | undefined)?.wired === true;
    this.sync = new RoomSync(this, { types: [...types], rateHz: 100 });
    if (wired) this.onLinkMessage = (client, channel, bytes) => this.#receive(client, channel, bytes);
    const dot = this.sync.world.spawn(Dot, { x: 0 });
    let tick = 0;
    this.#timer = setInterval(() => {
      tick++;
      this.sync.world.update(dot, Dot, { x: tick });
      this.sync.flush(tick);
    }, 10);
  }

  #receive(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }

  override onDispose(): void {
    clearInterval(this.#timer);
  }
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ dots: DotRoom });
});
afterAll(() => t.close());
afterEach(() => vi.restoreAllMocks());

/** The one line the console is told once a member stalls in a room made with `wired`. */
async function warningWith(wired: boolean, runsSyncedState: boolean): Promise<string> {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const client = t.client({ serverLink: 'off' });
  await client.connect();
  const state = runsSyncedState ? new SyncedState(client.serverLink, { types }) : undefined;
  await client.create('dots', { options: { wired } });
  const room = DotRoom.instance as DotRoom;
  await eventually(() => room.sync.stats().snapshotsStalled > 0, 'the member stalled', 10_000);
  await eventually(() => warn.mock.calls.length > 0, 'the console is told');
  state?.dispose();
  await client.close();
  expect(warn).toHaveBeenCalledTimes(1);
  return String(warn.mock.calls[0]?.[0]);
}

describe('the console line about a member that acks no snapshot', () => {
  it('in a wired room, blames a client that sent nothing on its server link, not the room', async () => {
    const line = await warningWith(true, false);
    expect(line).toMatch(
      /acked none of the last 128 snapshots, and its client has sent nothing on its server link/,
    );
    expect(line).toMatch(/a client without a SyncedState on client\.serverLink/);
    expect(line).not.toMatch(/the room has passed no link message/);
  });

  it('in a room that never calls receive, whose client acks, says to pass the link messages on', async () => {
    const line = await warningWith(false, true);
    expect(line).toMatch(/the room has passed no link message to sync\.receive/);
    expect(line).toMatch(/from the room's onLinkMessage for every message/);
  });
});
