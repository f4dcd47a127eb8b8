import { expect } from 'vitest';
import type { GameSession } from '../../game/client/game-session.js';
import { encodeInputMessage } from '../../game/net/protocol/messages.js';
import type { NetInput } from '../../game/net/protocol/net-input.js';
import { TICK_MS } from '../../game/net/protocol/timeline.js';
import type { AntiCheatKind } from '../../game/protocol/index.js';
import { eventually } from './server.js';
import type { VehikillRoom } from './vehikill.js';

/**
 * Sends `cheater`'s forged input packets every tick, made from the server tick its status last told and a
 * turn count, until the room kicks it; returns the kick message (rejects after 15 s).
 */
export async function forgeUntilKicked(
  cheater: GameSession,
  packet: (serverTick: number, turn: number) => { firstTick: number; inputs: NetInput[] },
): Promise<string> {
  let kicked: string | undefined;
  cheater.on('left', ({ reason, message }) => {
    if (reason === 'KICKED') kicked = message;
  });
  let turn = 0;
  const timer = setInterval(() => {
    const arena = cheater.arena;
    const serverTick = arena?.status?.serverTick;
    if (arena && serverTick !== undefined)
      arena.synced.sendInput(encodeInputMessage(packet(serverTick, turn++)));
  }, TICK_MS);
  try {
    await eventually(() => kicked !== undefined, 'the cheater to be kicked', 15_000);
  } finally {
    clearInterval(timer);
  }
  return kicked as string;
}

/** Every member of `room` but `cheaterId` has no violation (of `kinds`, by default of any kind). */
export function expectHonest(
  room: VehikillRoom,
  cheaterId: string | undefined,
  kinds?: AntiCheatKind[],
): void {
  for (const record of room.antiCheatReport()) {
    if (record.playerId === cheaterId) continue;
    const counted = Object.entries(record.violations).filter(
      ([kind]) => kinds?.includes(kind as AntiCheatKind) ?? true,
    );
    expect(
      counted.every(([, count]) => count === 0),
      JSON.stringify(record),
    ).toBe(true);
  }
}
