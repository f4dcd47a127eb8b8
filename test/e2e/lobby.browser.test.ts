import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchErrors } from '../support/browser.js';
import { startLobby } from '../support/lobby-server.js';
import { eventually, type TestServer } from '../support/server.js';

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

describe('the lobby page in headless Chromium', () => {
  it('creates a private room, chats with a Node client, and a shared link brings history along', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(lobby.httpUrl);
    await page.getByTestId('name').fill('Ada');
    await page.getByTestId('connect').click();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('open');
    await page.getByTestId('title').fill('Friday night');
    await page.getByTestId('create-private').click();
    const code = (await page.getByTestId('room-code').textContent())?.trim() ?? '';
    expect(code).toMatch(/^[A-Z2-9]{6}$/);

    const node = lobby.client({ name: 'NodeBot' });
    await node.connect();
    const room = await node.joinByCode(code);
    const heard: Array<{ name: string; text: string }> = [];
    room.onMessage('chat', (line) => heard.push(line as { name: string; text: string }));
    await expect.poll(() => page.getByTestId('members').textContent()).toContain('NodeBot');

    await page.getByTestId('chat-text').fill('hello from the browser');
    await page.getByTestId('chat-send').click();
    await eventually(() => heard.length === 1, 'Node client hears the page');
    expect(heard[0]).toMatchObject({ name: 'Ada', text: 'hello from the browser' });

    room.send('chat', { text: 'hello from Node' });
    await expect.poll(() => page.getByTestId('chat-log').textContent()).toContain('hello from Node');

    const link = await page.getByTestId('share-link').getAttribute('href');
    expect(link).toContain(`?code=${code}`);
    const friend = await context.newPage();
    const friendErrors = watchErrors(friend);
    await friend.goto(link!);
    await expect.poll(() => friend.getByTestId('chat-log').textContent()).toContain('hello from the browser');
    await expect.poll(() => page.getByTestId('members').locator('li').count()).toBe(3);

    await page.screenshot({ path: 'test-output/lobby.png' });
    expect(errors).toEqual([]);
    expect(friendErrors).toEqual([]);
    await context.close();
  });

  it('lists public rooms and reports a full room clearly', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    const owner = lobby.client({ name: 'Owner' });
    await owner.connect();
    await owner.create('chat', { options: { title: 'Tiny', maxClients: 2 } });
    const second = lobby.client();
    await second.connect();
    const [listed] = await second.listRooms({ type: 'chat' });
    await second.join(listed!.roomId);
    await page.goto(lobby.httpUrl);
    await page.getByTestId('connect').click();
    await expect.poll(() => page.getByTestId('rooms').textContent()).toContain('Tiny · 2/2');
    await page.getByTestId('code').fill('ZZZZZZ');
    await page.getByTestId('join-code').click();
    await expect.poll(() => page.getByTestId('status').textContent()).toContain('ROOM_NOT_FOUND');
    expect(errors).toEqual([]);
    await page.close();
  });
});
