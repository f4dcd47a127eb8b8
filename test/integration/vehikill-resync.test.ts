import { afterEach, describe, expect, it } from 'vitest';
import { drive } from '../../game/bots/bot-player.js';
import { GameSession } from '../../game/client/game-session.js';
import type { RoomState } from '../../game/protocol/index.js';
import { eventually, sleep } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startVehikillServer, tcpOnly, type VehikillServer } from '../support/vehikill.js';

/*
 * A player away long enough that the server dropped messages meant for it (its outbox overflowed) comes
 * back with a resync: the room sends its whole state again instead of what was lost. The chat lines,
 * kills and match notices of the time away never come as events, so whatever follows the session's
 * events (the page's chat, kill feed and match text) must be told to read the state again.
 */
describe('a Vehikill session resynced after messages to it were lost', () => {
  let server: VehikillServer | undefined;
  let proxy: TcpProxy | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await proxy?.close();
    await server?.close();
  });

  it('says so, with the chat said while it was away', async () => {
    // A small outbox: a few chat lines while away overflow it.
    server = await startVehikillServer({ matchSeconds: 600, warmupSeconds: 0 }, { outboxMessages: 4 });
    proxy = new TcpProxy(server.port);
    await proxy.listen();
    const away = new GameSession({
      client: server.client({ name: 'away', ...tcpOnly, url: `ws://127.0.0.1:${proxy.port}/ws` }),
      mesh: { rtc: false },
    });
    const talker = new GameSession({
      client: server.client({ name: 'talker', ...tcpOnly }),
      mesh: { rtc: false },
    });
    cleanups.push(
      () => away.close({ flushMs: 0 }),
      () => talker.close({ flushMs: 0 }),
    );
    await away.createPrivate({ bots: 0 });
    await talker.joinByCode(away.room?.code as string);
    cleanups.unshift(drive([away, talker]));
    await eventually(() => away.roster.length === 2, 'both listed', 10_000);
    const resyncs: RoomState[] = [];
    const heard: string[] = [];
    away.on('resync', (state) => resyncs.push(state));
    away.on('chat', (line) => heard.push(line.text));

    proxy.block();
    await eventually(() => talker.room?.members.some((member) => member.away) === true, 'away', 10_000);
    for (let line = 0; line < 5; line++) talker.say(`line ${line}`);
    await sleep(200);
    proxy.unblock();

    await eventually(() => resyncs.length === 1, 'the resync told', 15_000);
    // The lines the server still held came as 'chat' events; the oldest were dropped, and only the
    // resync's state has them.
    expect(heard.length).toBeLessThan(5);
    expect(away.chat.map((line) => line.text)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(resyncs[0]?.chat.map((line) => line.text)).toEqual(away.chat.map((line) => line.text));
  });
});
