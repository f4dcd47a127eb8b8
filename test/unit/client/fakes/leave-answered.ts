import { expect } from 'vitest';
import { Kind } from '../../../../src/protocol/index.js';
import type { FakeServer } from './fake-server.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Leaves the room and checks that the leave reached the server (not refused by a full outbox), then
 * answers it: resolves with what `leave()` settled with (undefined when it resolved).
 */
export async function leaveAnswered(room: { leave(): Promise<void> }, server: FakeServer): Promise<unknown> {
  const leaving = room.leave().catch((error: unknown) => error);
  await flush();
  expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
  const rid = server.receivedOf(Kind.LeaveRoom)[0]?.rid as number;
  server.send(Kind.Response, { rid, ok: true });
  return leaving;
}
