import { Channel } from 'vehikill-net/client';
import { afterAll, describe, expect, it } from 'vitest';
import type { GameSession } from '../../game/client/game-session.js';
import { encodeEffect, encodeFireNotice, type FireNotice } from '../../game/protocol/index.js';
import { findVehicle } from '../../game/sim/index.js';
import { eventually } from '../support/server.js';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * A peer's fire notices and effects are drawn at once (muzzle flash, tracer, boost), before the server
 * says anything. They are the sender's word for where it is: a player must not be able to draw shots on
 * everyone's screen from another player's car, or from anywhere, by naming that place.
 */
describe("peers' fire notices in a Vehikill session", () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it('are shown near the sender’s car only', async () => {
    const server = await players.start({ matchSeconds: 600, warmupSeconds: 0 });
    const viewer = players.player('viewer');
    const sender = players.player('sender');
    await viewer.createPrivate({ bots: 0 });
    const room = server.rooms.at(-1);
    if (!room) throw new Error('no room');
    await sender.joinByCode(viewer.room?.code as string);
    players.drive([viewer, sender]);
    await eventually(
      () => sender.me !== undefined && viewer.roster.length === 2,
      'both seated and listed',
      10_000,
    );
    const senderId = sender.me?.vehicleId as number;
    // The viewer has drawn the sender's car from a snapshot.
    await eventually(
      () => viewer.arena?.entityOfVehicle(senderId) !== undefined,
      "the sender's car in the viewer's snapshots",
      10_000,
    );
    const car = findVehicle(room.authority.world, senderId);
    if (!car) throw new Error('no car');
    const seen: FireNotice[] = [];
    const effects: number[] = [];
    viewer.on('fire', ({ from, notice }) => {
      if (from !== undefined) seen.push(notice);
    });
    viewer.on('effect', ({ effect }) => effects.push(effect.x));
    const notice = (x: number, y: number): FireNotice => ({
      tick: 1,
      weapon: 'gun',
      origin: { x, y },
      direction: { x: 1, y: 0 },
    });
    const far = { x: car.x > 128 ? car.x - 100 : car.x + 100, y: car.y };
    const mesh = (sender as GameSession).mesh;
    if (!mesh) throw new Error('no mesh');
    // Far from the sender's car first, then at it: the mesh's dispatch keeps the order.
    mesh.broadcast(Channel.dispatch, encodeFireNotice(notice(far.x, far.y)));
    mesh.broadcast(Channel.event, encodeEffect({ kind: 'boost', x: far.x, y: far.y }));
    mesh.broadcast(Channel.dispatch, encodeFireNotice(notice(car.x, car.y)));
    mesh.broadcast(Channel.event, encodeEffect({ kind: 'boost', x: car.x, y: car.y }));
    await eventually(() => seen.length > 0 && effects.length > 0, 'the notice at the car', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.map((shown) => Math.round(shown.origin.x))).toEqual([Math.round(car.x)]);
    expect(effects.map(Math.round)).toEqual([Math.round(car.x)]);
  });
});
