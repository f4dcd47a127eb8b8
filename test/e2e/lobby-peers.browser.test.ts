import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, playerArgs, watchErrors, writeSpeechLikeWav } from '../support/browser.js';
import { isolated } from '../support/isolated.js';
import { startLobby } from '../support/lobby-server.js';
import type { TestServer } from '../support/server.js';

let browser: Browser;
let context: BrowserContext;
let lobby: TestServer;

describe.skipIf(!isolated)('the lobby page: peer links and voice between two players', () => {
  beforeAll(async () => {
    [browser, lobby] = await Promise.all([
      // WebRTC between pages on loopback, and a fake microphone playing continuous speech-like sound
      // (the default fake device only beeps now and then, which noise suppression may take out).
      launchChromium(playerArgs(writeSpeechLikeWav())),
      startLobby(),
    ]);
    context = await browser.newContext();
    await context.grantPermissions(['microphone'], { origin: lobby.httpUrl });
  });
  afterAll(async () => {
    await browser?.close();
    await lobby?.close();
  });

  async function player(name: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(lobby.httpUrl);
    await page.getByTestId('name').fill(name);
    await page.getByTestId('connect').click();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('open');
    return { page, errors };
  }

  const otherMember = (page: Page, name: string) =>
    page.getByTestId('members').locator('li', { hasText: name });

  it('two players in a room see a direct link to each other, and hear each other talk', async () => {
    const ada = await player('Ada');
    await ada.page.getByTestId('title').fill('Voice test');
    await ada.page.getByTestId('create-private').click();
    await expect.poll(() => ada.page.getByTestId('room-code').textContent()).toMatch(/^[A-Z2-9]{6}$/);
    const code = (await ada.page.getByTestId('room-code').textContent())?.trim() ?? '';
    const bob = await player('Bob');
    await bob.page.getByTestId('code').fill(code);
    await bob.page.getByTestId('code').press('Enter');
    await expect.poll(() => bob.page.getByTestId('room-title').textContent()).toBe('Voice test');

    // Each sees the other's link as direct (WebRTC), not through the server.
    await expect
      .poll(() => otherMember(ada.page, 'Bob').getAttribute('data-link'), { timeout: 20_000 })
      .toBe('direct');
    await expect
      .poll(() => otherMember(bob.page, 'Ada').getAttribute('data-link'), { timeout: 10_000 })
      .toBe('direct');
    expect(await otherMember(ada.page, 'Bob').getByTestId('link-state').textContent()).toBe('direct');

    // Ada talks (the fake microphone plays a tone): Bob sees her speaking.
    await ada.page.getByTestId('voice').click();
    await expect.poll(() => ada.page.getByTestId('voice').textContent(), { timeout: 10_000 }).toBe('Mute');
    await expect
      .poll(() => otherMember(bob.page, 'Ada').getAttribute('data-speaking'), { timeout: 15_000 })
      .toBe('true');
    // Muted, she stops speaking for him.
    await ada.page.getByTestId('voice').click();
    expect(await ada.page.getByTestId('voice').textContent()).toBe('Unmute');
    await expect
      .poll(() => otherMember(bob.page, 'Ada').getAttribute('data-speaking'), { timeout: 10_000 })
      .toBeNull();
    expect([...ada.errors, ...bob.errors]).toEqual([]);
  }, 90_000);
});
