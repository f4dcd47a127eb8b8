import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ROOM_TYPE } from '../../game/protocol/index.js';
import { gamePages } from '../support/game-pages.js';
import { isolated } from '../support/isolated.js';
import { text, viewState } from '../support/lifecycle-match.js';

/**
 * The game page's controls, settings and screens, one player's page at a time (Node players where a test
 * needs others): keys, touch and gamepad, the microphone, the network overlay's conditioner, the live
 * lobby, refused storage and a page older than the server. Each waits for what it checks and judges no
 * timing, so these run two files at a time (PAIRED_BROWSER in vitest.config.ts); a match between pages
 * and the frame-time measurement are in vehikill.browser.test.ts, which runs alone.
 */

/**
 * An init script: keeps the page's microphone tracks in `window.micTracks` (newest last), so a test can
 * read whether they send (enabled) and end them as the browser would.
 */
function recordMicrophoneTracks(): void {
  const tracks: MediaStreamTrack[] = [];
  (window as unknown as { micTracks: MediaStreamTrack[] }).micTracks = tracks;
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    tracks.push(...stream.getAudioTracks());
    return stream;
  };
}

/** Whether a microphone track the page opened is live and enabled (needs `recordMicrophoneTracks`). */
const microphoneSending = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { micTracks: MediaStreamTrack[] }).micTracks.some(
      (track) => track.enabled && track.readyState === 'live',
    ),
  );

describe.skipIf(!isolated)('the Vehikill page in headless Chromium: controls, settings and screens', () => {
  const pages = gamePages();
  const { openPlayer } = pages;

  it("the conditioner shows the connection's own settings: after connecting again, the network is real", async () => {
    const { page, errors } = await openPlayer('Cond');
    const status = () => page.getByTestId('net-overlay').locator('fieldset p').textContent();
    const openOverlay = async () => {
      await page.getByTestId('create-private').click();
      await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
      await page.getByTestId('arena').focus();
      await page.keyboard.press('KeyN');
      await expect.poll(() => page.getByTestId('net-overlay').isVisible()).toBe(true);
    };
    await openOverlay();
    await page.getByTestId('conditioner-phys-delay').fill('150');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(status).toBe('On: phys, each way.');

    // Connect again (the name step's submit, as after a connection closed for good): a new client, whose
    // traffic nothing impairs. The panel must say so, not go on showing the old client's conditions.
    await page.evaluate(() => (document.getElementById('name-form') as HTMLFormElement).requestSubmit());
    await expect.poll(() => page.getByTestId('lobby').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('open');
    await openOverlay();
    await expect.poll(status).toBe('Off: the real network.');
    expect(await page.getByTestId('conditioner-phys-delay').inputValue()).toBe('0');
    expect(errors).toEqual([]);
  });

  it('the lobby lists public matches live: one appears and fills up without a refresh', async () => {
    const watcher = await openPlayer('Watcher');
    const rows = watcher.page.locator('#rooms li:not(.empty)');
    const before = await rows.count();
    const host = pages.server.client({ name: 'Host', serverLink: 'off' });
    await host.connect();
    const room = await host.quickPlay(ROOM_TYPE);
    const join = watcher.page.getByTestId(`join-${room.roomId}`);
    await expect.poll(() => join.count(), { timeout: 5_000 }).toBe(1);
    expect(await rows.count()).toBe(before + 1);
    const seats = async () => (await join.getAttribute('aria-label')) ?? '';
    expect(await seats()).toMatch(/\(1 of \d+ players\)/);
    const guest = pages.server.client({ name: 'Guest', serverLink: 'off' });
    await guest.connect();
    await guest.join(room.roomId);
    await expect.poll(seats, { timeout: 5_000 }).toMatch(/\(2 of \d+ players\)/);
    expect(watcher.errors).toEqual([]);
    guest.close();
    host.close();
  });

  it('push-to-talk closes the microphone when V is let go while the window is blurred or in the chat field', async () => {
    const player = await openPlayer('Talker', recordMicrophoneTracks);
    const { page } = player;
    await page.getByTestId('push-to-talk').check();
    await page.getByTestId('create-private').click();
    await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
    await page.getByTestId('voice').click();
    await expect.poll(() => page.getByTestId('voice').getAttribute('data-state')).toBe('on');
    const sending = () => microphoneSending(page);
    await page.getByTestId('arena').focus();
    expect(await sending()).toBe(false);
    await page.keyboard.down('KeyV');
    await expect.poll(sending).toBe(true);
    // The window loses focus with V held: its key-up goes to another window, never to this page.
    await page.evaluate(() => window.dispatchEvent(new Event('blur')));
    await expect.poll(sending).toBe(false);
    await page.keyboard.up('KeyV');

    // V held, Enter opens the chat field, V let go there: the microphone must close all the same.
    await page.getByTestId('arena').focus();
    await page.keyboard.down('KeyV');
    await expect.poll(sending).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('chat-text');
    await page.keyboard.up('KeyV');
    await expect.poll(sending).toBe(false);
    expect(player.errors).toEqual([]);
  });

  it('a microphone the browser ends turns the Talk button back to off, and Talk opens it again', async () => {
    const player = await openPlayer('Unplugged', recordMicrophoneTracks);
    const { page } = player;
    const voice = page.getByTestId('voice');
    await page.getByTestId('create-private').click();
    await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
    await voice.click();
    await expect.poll(() => voice.getAttribute('data-state')).toBe('on');
    await voice.click(); // muted when it ends: opening it again must not come back muted
    await expect.poll(() => voice.getAttribute('data-state')).toBe('muted');

    // Headless Chromium has no way to unplug its fake device, and withdrawing the permission leaves the
    // track live. So the track is stopped (it goes 'ended' and captures nothing, as a lost device does;
    // our stop fires no event) and given the 'ended' event the browser fires when it ends a track itself.
    await page.evaluate(() => {
      const track = (window as unknown as { micTracks: MediaStreamTrack[] }).micTracks[0];
      track?.stop();
      track?.dispatchEvent(new Event('ended'));
    });
    await expect.poll(() => voice.getAttribute('data-state')).toBe('off');
    expect(await voice.textContent()).toBe('Talk');
    expect(await voice.getAttribute('aria-pressed')).toBe('false');
    expect(await text(page, 'banner')).toMatch(/microphone stopped/i);

    await voice.click();
    await expect.poll(() => voice.getAttribute('data-state')).toBe('on');
    expect(await voice.textContent()).toBe('Mute');
    expect(await page.evaluate(() => (window as unknown as { micTracks: unknown[] }).micTracks.length)).toBe(
      2,
    );
    expect(await microphoneSending(page)).toBe(true);
    expect(player.errors).toEqual([]);
  });

  it('plays when the browser refuses storage, or what is stored is malformed', async () => {
    /** A player whose page runs `init` first goes into a match of their own without an error. */
    const playsWith = async (name: string, init: () => void) => {
      const { page, errors } = await openPlayer(name, init);
      await page.getByTestId('create-private').click();
      await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
      expect(errors).toEqual([]);
    };
    // Two players in contexts of their own, at the same time.
    await Promise.all([
      // Blocked site data: reading window.localStorage throws a SecurityError.
      playsWith('Private', () => {
        Object.defineProperty(window, 'localStorage', {
          get() {
            throw new DOMException('The operation is insecure.', 'SecurityError');
          },
        });
      }),
      // Settings written by an older page or by hand: valid JSON of the wrong shape.
      playsWith('Odd', () => {
        localStorage.setItem('vehikill-settings', 'null');
      }),
    ]);
  });

  it('a page older than the server (other entity types) says to reload it, and shows no world', async () => {
    // A page from before a deploy: its bundle names the rocket type otherwise, so the fingerprint of its
    // entity types is not the server's.
    let patched = false;
    const old = await openPlayer('Old', undefined, (context) =>
      context.route('**/main.js', async (route) => {
        const response = await route.fetch();
        const bundle = await response.text();
        const body = bundle.replace('("rocket",{', '("rocket-v0",{');
        patched = body !== bundle;
        await route.fulfill({ response, body });
      }),
    );
    expect(patched).toBe(true);
    await old.page.getByTestId('create-private').click();
    await expect.poll(() => old.page.getByTestId('game').isVisible()).toBe(true);
    await expect
      .poll(() => text(old.page, 'banner'), { timeout: 10_000 })
      .toBe('This page is older than the server: reload it to play.');
    // Nothing of the server's state was taken as this page's.
    expect((await viewState(old.page))?.own).toBeUndefined();
    expect(old.errors).toEqual([]);
  });

  it('Tab holds the scoreboard on the arena only: elsewhere in a match it moves the focus', async () => {
    const player = await openPlayer('Keys');
    const { page } = player;
    await page.getByTestId('create-private').click();
    await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    await page.getByTestId('arena').focus();
    await page.keyboard.down('Tab');
    expect(await page.getByTestId('scoreboard').isVisible()).toBe(true);
    await page.keyboard.up('Tab');
    expect(await page.getByTestId('scoreboard').isVisible()).toBe(false);
    expect(await focused()).toBe('arena');
    // Shift+Tab leaves the arena; from the side panel, Tab goes on to the next control.
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).not.toBe('arena');
    await page.getByTestId('voice').focus();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('leave');
    expect(await page.getByTestId('scoreboard').isVisible()).toBe(false);
    expect(player.errors).toEqual([]);
  });

  // A press let go within one frame (or, on a slow page, within the frame whose ticks all run at its end)
  // fell between two ticks' samples of the keys: F tapped like that fired no rocket.
  it('a tap of F or Space let go before the next tick still fires', async () => {
    const player = await openPlayer('Tapper');
    const { page } = player;
    await page.getByTestId('create-private').click();
    await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
    await expect.poll(() => text(page, 'timer'), { timeout: 10_000 }).toMatch(/^\d+:\d\d$/);
    await expect.poll(() => text(page, 'rocket-ammo')).toBe('Rockets 6');
    await page.getByTestId('arena').focus();
    // Down and up in one script turn: no frame, and so no tick, can run between them.
    const tap = (code: string) =>
      page.evaluate((code) => {
        for (const type of ['keydown', 'keyup'])
          window.dispatchEvent(new KeyboardEvent(type, { code, bubbles: true }));
      }, code);
    // The server has the last word on a shot: on a loaded machine a tick's input can reach it after it
    // ran that tick, and the shot is not taken (the ammo shown comes back). So a tap goes up to three
    // times; a tap that cannot fire (the defect this guards against) fails all three.
    const tapFires = async (code: string, ammo: string, after: string) => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        await tap(code);
        try {
          await expect.poll(() => text(page, ammo), { timeout: 3_000 }).toBe(after);
          return;
        } catch (error) {
          if (attempt === 3) throw error;
        }
      }
    };
    await tapFires('KeyF', 'rocket-ammo', 'Rockets 5');
    await tapFires('Space', 'gun-ammo', 'Gun 59');
    expect(player.errors).toEqual([]);
  });

  it('keeps the keyboard focus on the screen that shows: lobby after Connect and after Leave', async () => {
    const player = await openPlayer('Focus');
    const { page } = player;
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    // Connect (pressed with the keyboard) hid the name step: the focus went with it.
    expect(await focused()).toBe('quick-play');
    await page.getByTestId('create-private').click();
    await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
    await page.getByTestId('leave').click();
    await expect.poll(() => page.getByTestId('lobby').isVisible()).toBe(true);
    expect(await focused()).toBe('quick-play');
    expect(player.errors).toEqual([]);
  });

  it('Enter and Space press the focused button in a match; after a click the keys drive again', async () => {
    const player = await openPlayer('Buttons');
    const { page } = player;
    const focused = () => page.evaluate(() => document.activeElement?.id ?? '');
    await page.getByTestId('create-private').click();
    await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
    // A mouse click on Talk opens the microphone and gives the keys back to the arena (Space fires).
    await page.getByTestId('voice').click();
    await expect.poll(() => page.getByTestId('voice').getAttribute('data-state')).toBe('on');
    expect(await focused()).toBe('arena');
    // From the keyboard: Space on Talk mutes, Enter on Leave leaves (not chat, not the gun).
    await page.getByTestId('voice').focus();
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByTestId('voice').getAttribute('data-state')).toBe('muted');
    await page.getByTestId('leave').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('lobby').isVisible()).toBe(true);
    expect(player.errors).toEqual([]);
  });

  it('touch controls let go when the window loses focus mid-press', async () => {
    const player = await openPlayer('Thumbs');
    const { page } = player;
    await page.getByTestId('touch-mode').selectOption('on');
    await page.getByTestId('create-private').click();
    await expect.poll(() => page.getByTestId('touch').isVisible()).toBe(true);
    const input = () => page.evaluate(() => window.vehikill.input());
    // The stick pushed up with one pointer (a mouse stands in for a thumb), then the window blurs: a
    // phone's notification shade, another app. The pointer-up happens where the page cannot see it.
    const stick = await page.locator('.touch-stick').boundingBox();
    if (!stick) throw new Error('no touch stick');
    await page.mouse.move(stick.x + stick.width / 2, stick.y + stick.height / 2);
    await page.mouse.down();
    await page.mouse.move(stick.x + stick.width / 2, stick.y + stick.height / 2 - 50);
    await expect.poll(async () => (await input()).throttle).toBe(1);
    await page.evaluate(() => window.dispatchEvent(new Event('blur')));
    expect(await input()).toMatchObject({ throttle: 0, steer: 0 });
    await page.mouse.up();
    // The same for a held button.
    const fire = await page.locator('.touch-button.fire').boundingBox();
    if (!fire) throw new Error('no fire button');
    await page.mouse.move(fire.x + fire.width / 2, fire.y + fire.height / 2);
    await page.mouse.down();
    await expect.poll(async () => (await input()).fire).toBe(true);
    await page.evaluate(() => window.dispatchEvent(new Event('blur')));
    expect((await input()).fire).toBe(false);
    await page.mouse.up();
    expect(player.errors).toEqual([]);
  });

  it('a gamepad drives only while the page has the focus', async () => {
    // A pad with the right trigger held (accelerate), as navigator.getGamepads() reports it.
    const player = await openPlayer('Pad', () => {
      const button = (value: number) => ({ pressed: value > 0.5, touched: value > 0, value });
      const pad = {
        id: 'test pad',
        index: 0,
        connected: true,
        mapping: 'standard',
        timestamp: 0,
        axes: [0, 0, 0, 0],
        buttons: Array.from({ length: 17 }, (_, index) => button(index === 7 ? 1 : 0)),
      };
      navigator.getGamepads = () => [pad as unknown as Gamepad];
    });
    const { page } = player;
    const input = () => page.evaluate(() => window.vehikill.input());
    await expect.poll(async () => (await input()).throttle).toBe(1);
    // Another window took the focus: what the pad does is meant for it.
    await page.evaluate(() => window.dispatchEvent(new Event('blur')));
    expect((await input()).throttle).toBe(0);
    await page.evaluate(() => window.dispatchEvent(new Event('focus')));
    expect((await input()).throttle).toBe(1);
    expect(player.errors).toEqual([]);
  });
});
