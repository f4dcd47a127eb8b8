import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import type { GameSession } from '../../game/client/game-session.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { botOn, startVehikillServer } from '../support/vehikill.js';

/**
 * Chat lines are broadcast reliably to every member: one member's flood (a kilobyte a line, 108 a second,
 * within the connection's rate) queued ahead of a slow-link member's snapshots and got them kicked. Each
 * member's lines now have a budget; over it a line goes to no one and its sender is told. Vehikill's lines
 * are requests: each refused line is told (a warning at most once a second left the others unsaid).
 */
const servers: TestServer[] = [];
const sessions: GameSession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const flood = '€'.repeat(300);

describe('chat budget', () => {
  it('Vehikill passes a burst of 5 lines, then one a second; the flooder is told of each line refused', async () => {
    const server = await startVehikillServer({ quickPlayBots: 0 });
    servers.push(server);
    const victim = botOn(server, 'Honest', 1);
    const flooder = botOn(server, 'Spam', 2);
    sessions.push(victim, flooder);
    await victim.createPrivate({ bots: 0 });
    await flooder.joinByCode(victim.room?.info.code as string);
    const heard: string[] = [];
    const warned: unknown[] = [];
    victim.on('chat', (line) => heard.push(line.text));
    flooder.on('warning', (warning) => warned.push(warning));

    const startedAt = performance.now();
    const said = Array.from({ length: 40 }, (_, i) => flooder.say(`${i} ${'x'.repeat(20)}`));
    await Promise.all(said); // each line answered
    // A loaded machine may take over a second to carry the 40 lines: each second of it lets one more pass,
    // and so may a stall of the server's loop, whose time budgets are credited (a player is not refused for
    // the server's stall): one line more is allowed for it.
    const refills = Math.floor((performance.now() - startedAt) / 1_000) + 1;
    // The lines that passed come on the victim's own socket, maybe after the answers on the flooder's.
    await eventually(() => heard.length >= 5, 'the burst heard');
    await sleep(300); // and no more after it
    const passed = heard.map((text) => text.split(' ')[0]);
    expect(passed.slice(0, 5)).toEqual(['0', '1', '2', '3', '4']);
    expect(passed.length - 5).toBeLessThanOrEqual(refills);
    expect(warned).toEqual(
      Array.from({ length: 40 - passed.length }, () => ({
        kind: 'chat',
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/one a second/),
      })),
    );

    // A second later one more line passes (the bytes' budget is unit-tested: MessageBudget).
    await sleep(1_100);
    await flooder.say(flood);
    await eventually(() => heard.at(-1) === flood, 'a line a second later');
    expect(heard).toHaveLength(passed.length + 1);
    expect(warned).toHaveLength(40 - passed.length);
  });

  it('the lobby demo passes a burst of 5 lines, then tells the sender', async () => {
    const t = await startServer({ chat: ChatRoom });
    servers.push(t);
    const [alice, bob] = [t.client(), t.client()];
    await Promise.all([alice.connect(), bob.connect()]);
    const room = await alice.create('chat', {});
    const joined = await bob.join(room.roomId);
    const heard: string[] = [];
    const refused: unknown[] = [];
    room.onMessage('chat', (line) => heard.push((line as { text: string }).text));
    joined.onMessage('refused', (notice) => refused.push(notice));
    for (let i = 0; i < 40; i++) joined.send('chat', { text: `line ${i}` });
    await eventually(() => refused.length === 1, 'the sender told');
    // The lines that passed come on Alice's socket, maybe after the refusal on Bob's.
    await eventually(() => heard.length >= 5, 'the burst heard');
    await sleep(300); // and no more after it
    expect(heard).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(refused).toEqual([{ code: 'RATE_LIMITED', message: expect.stringMatching(/one a second/) }]);
  });
});
