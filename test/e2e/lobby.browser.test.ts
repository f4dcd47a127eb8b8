import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { RoomConnection } from 'vehikill-net/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatIn, ChatOut } from '../../examples/lobby/shared/chat-protocol.js';
import { launchChromium, watchErrors } from '../support/browser.js';
import { startLobby } from '../support/lobby-server.js';
import { eventually, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

let browser: Browser;
let lobby: TestServer;
beforeAll(async () => {
  [browser, lobby] = await Promise.all([launchChromium(), startLobby()]);
  mkdirSync('test-output', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await lobby?.close();
});

/** Opens the lobby page at `url`, enters `name` and connects; resolves once the indicator says open. */
async function openLobby(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('name').fill(name);
  await page.getByTestId('connect').click();
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('open');
}

const text = (page: Page, testId: string) => page.getByTestId(testId).textContent();

describe('the lobby page in headless Chromium', () => {
  it('creates a private room, chats with a Node client, and an invite link brings the history along', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await openLobby(page, lobby.httpUrl, 'Ada');
    expect(await text(page, 'connection')).toContain('Ada');
    await page.getByTestId('title').fill('Friday night');
    await page.getByTestId('create-private').click();
    await expect.poll(() => text(page, 'room-title')).toBe('Friday night');
    const code = (await text(page, 'room-code'))?.trim() ?? '';
    expect(code).toMatch(/^[A-Z2-9]{6}$/);

    // A Node client with the default guest token (fetched from POST /auth/guest), as a bot would join.
    const node = lobby.client({ name: 'NodeBot' });
    await node.connect();
    const room: RoomConnection<ChatIn, ChatOut> = await node.joinByCode(code.toLowerCase());
    const heard: ChatIn['chat'][] = [];
    room.onMessage('chat', (line) => heard.push(line));
    await expect.poll(() => text(page, 'members')).toContain('NodeBot');

    await page.getByTestId('chat-text').fill('hello from the browser');
    await page.getByTestId('chat-send').click();
    await eventually(() => heard.length === 1, 'the Node client hears the page');
    expect(heard[0]).toMatchObject({ name: 'Ada', text: 'hello from the browser', from: expect.any(String) });
    expect(Math.abs((heard[0]?.at ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(await page.getByTestId('chat-text').inputValue()).toBe('');

    room.send('typing', {}, { class: 'volatile' });
    await expect.poll(() => text(page, 'typing')).toBe('NodeBot is typing…');
    room.send('chat', { text: 'hello from Node' });
    await expect.poll(() => text(page, 'chat-log')).toContain('hello from Node');
    await expect.poll(() => text(page, 'typing')).toBe('');

    const link = (await page.getByTestId('share-link').getAttribute('href')) ?? '';
    expect(new URL(link).searchParams.get('code')).toBe(code);
    const friend = await context.newPage();
    const friendErrors = watchErrors(friend);
    await friend.goto(link);
    // Straight into the room, with the lines said before it came.
    await expect.poll(() => text(friend, 'chat-log')).toContain('hello from the browser');
    expect(await text(friend, 'chat-log')).toContain('hello from Node');
    await expect.poll(() => page.getByTestId('members').locator('li').count()).toBe(3);
    await expect.poll(() => text(page, 'chat-log')).toMatch(/Guest-\w+ joined/);

    await page.screenshot({ path: 'test-output/lobby.png' });
    expect(errors).toEqual([]);
    expect(friendErrors).toEqual([]);
    await context.close();
  });

  it('lists public rooms with their seats and says why a join failed', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    const owner = lobby.client({ name: 'Owner' });
    await owner.connect();
    const tiny = await owner.create('chat', { options: { title: 'Tiny', maxClients: 2 } });
    const guest = lobby.client();
    await guest.connect();
    await guest.join(tiny.roomId);
    const other = lobby.client({ name: 'Other' });
    await other.connect();
    await other.create('chat', { options: { title: 'Roomy' } });

    await openLobby(page, lobby.httpUrl, 'Bea');
    await expect.poll(() => text(page, 'rooms')).toContain('Tiny2/2');
    expect(await text(page, 'rooms')).toContain('Roomy1/8');
    await expect(page.getByTestId(`join-${tiny.roomId}`).isDisabled()).resolves.toBe(true);

    await page.getByTestId('code').fill('ZZZZZZ');
    await page.getByTestId('join-code').click();
    await expect.poll(() => text(page, 'status')).toContain('ROOM_NOT_FOUND');

    const full = lobby.client({ name: 'Host' });
    await full.connect();
    const secret = await full.create('chat', { private: true, options: { maxClients: 2 } });
    const plusOne = lobby.client();
    await plusOne.connect();
    await plusOne.joinByCode(secret.code ?? '');
    await page.getByTestId('code').fill(secret.code ?? '');
    await page.getByTestId('join-code').click();
    await expect.poll(() => text(page, 'status')).toContain('ROOM_FULL');
    await page.screenshot({ path: 'test-output/lobby-rooms.png' });
    expect(await page.getByTestId('room').isHidden()).toBe(true);

    // A new public room shows up on refresh, and its Join button works.
    const late = lobby.client({ name: 'Late' });
    await late.connect();
    const fresh = await late.create('chat', { options: { title: 'Fresh' } });
    await page.getByTestId('refresh').click();
    await page.getByTestId(`join-${fresh.roomId}`).click();
    await expect.poll(() => text(page, 'room-title')).toBe('Fresh');
    await expect.poll(() => text(page, 'members')).toContain('Late');
    expect(await page.getByTestId('share').isHidden()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a dropped connection honestly: reconnecting, the member away, then back with nothing lost', async () => {
    // The second page reaches the server through a proxy that can cut its connections.
    const proxy = new TcpProxy(lobby.port);
    await proxy.listen();
    const context = await browser.newContext();
    const [host, guest] = await Promise.all([context.newPage(), context.newPage()]);
    const hostErrors = watchErrors(host);
    const guestErrors = watchErrors(guest);
    await openLobby(host, lobby.httpUrl, 'Host');
    await host.getByTestId('title').fill('Shaky');
    await host.getByTestId('create-public').click();
    await expect.poll(() => text(host, 'room-title')).toBe('Shaky');

    await openLobby(guest, `http://127.0.0.1:${proxy.port}/`, 'Guest');
    await expect.poll(() => text(guest, 'rooms')).toContain('Shaky1/8');
    await guest.getByRole('button', { name: 'Join Shaky' }).click();
    await expect.poll(() => text(host, 'members')).toContain('Guest');
    // The guest's own answer to the join must be in before the network drops: on a loaded machine it can
    // still be on its way when the host already lists the guest, arrive after the reconnect (replayed,
    // nothing lost) and, as a join's success does, clear the status line the test reads next.
    await expect.poll(() => text(guest, 'room-title')).toBe('Shaky');

    proxy.block();
    await expect.poll(() => guest.getByTestId('connection').getAttribute('data-state')).toBe('reconnecting');
    await expect
      .poll(() => host.locator('[data-testid="members"] li[data-away="true"]').textContent())
      .toContain('Guest');
    await host.screenshot({ path: 'test-output/lobby-away.png' });
    await guest.screenshot({ path: 'test-output/lobby-reconnecting.png' });
    // Said while the guest is away: replayed to it when it is back.
    await host.getByTestId('chat-text').fill('are you still there?');
    await host.getByTestId('chat-send').click();

    proxy.unblock();
    await expect
      .poll(() => guest.getByTestId('connection').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('open');
    // The socket opens first; the resume (and its report) follows one round of the handshake later, which
    // on a loaded machine can take more than the default second.
    await expect
      .poll(() => text(guest, 'status'), { timeout: 10_000 })
      .toMatch(/Reconnected after \d+ attempts? .*nothing was lost/);
    await expect.poll(() => text(guest, 'chat-log')).toContain('are you still there?');
    await expect.poll(() => host.locator('[data-testid="members"] li[data-away="true"]').count()).toBe(0);

    await guest.getByTestId('leave').click();
    await expect.poll(() => guest.getByTestId('lobby').isVisible()).toBe(true);
    await expect.poll(() => host.getByTestId('members').locator('li').count()).toBe(1);
    expect(hostErrors).toEqual([]);
    // The guest's page logs the refused connections while the network is blocked; nothing else.
    expect(guestErrors.filter((error) => !error.includes('WebSocket connection'))).toEqual([]);
    await context.close();
    await proxy.close();
  });
});
