import type { Browser, Page } from 'playwright-core';
import { CountingMetrics, type GameServerOptions } from 'vehikill-net/server';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { ViewState } from '../../game/web/session-view.js';
import { launchChromium, playerArgs, writeSpeechLikeWav } from './browser.js';
import { type LifecycleBrowser, launchLifecycleChromium } from './lifecycle-browser.js';
import { startedOrClosed } from './started-or-closed.js';
import { enterLobby, type GameWebServer, startGameWeb } from './vehikill-web.js';

/**
 * Chromium switches for a player's page in a match: loopback WebRTC and a fake microphone that talks
 * without a pause (the default one's short beeps reached the other player's speaking indicator in only
 * half the runs), so that whether each hears the other can be asserted. Each player has a voice of their
 * own: Bob's browser, playing Ada's voice, took his microphone, playing the same file, for its echo.
 */
function talkingPlayerArgs(player: 'Ada' | 'Bob'): string[] {
  let args = talkingArgs.get(player);
  if (args === undefined) {
    args = playerArgs(writeSpeechLikeWav(10, player === 'Ada' ? 210 : 140));
    talkingArgs.set(player, args);
  }
  return args;
}
const talkingArgs = new Map<string, string[]>();

export interface MatchPlayer {
  readonly page: Page;
  readonly errors: string[];
}

/**
 * Two players in one private match of the game page: Ada in an ordinary (playwright) page, Bob in a
 * Chromium whose page can be hidden and frozen (`life`). Bob creates the match when `bobCreates`, so
 * that his lobby's code field is empty after (he never typed the code); Ada creates it otherwise. With
 * `voice` (the default) both turn voice on; with `adaPushToTalk` Ada's setting has her heard only while
 * she holds V.
 */
export interface LifecycleMatch {
  readonly server: GameWebServer;
  readonly metrics: CountingMetrics;
  readonly ada: MatchPlayer;
  readonly bob: MatchPlayer;
  readonly life: LifecycleBrowser;
  readonly code: string;
  close(): Promise<void>;
}

export const text = async (page: Page, testId: string) =>
  (await page.getByTestId(testId).textContent()) ?? '';
export const banner = async (page: Page) =>
  (await page.getByTestId('banner').isVisible()) ? await text(page, 'banner') : '';
export const viewState = (page: Page) =>
  page.evaluate(() => window.vehikill.state()) as Promise<ViewState | undefined>;

/** An error code as the protocol spells it (SESSION_EXPIRED): never for a player's eyes. */
export const RAW_CODE = /\b[A-Z]+_[A-Z_]+\b/;

async function createMatch(page: Page): Promise<string> {
  await page.getByTestId('create-private').click();
  await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
  return (await text(page, 'room-code')).trim();
}

async function joinMatch(page: Page, code: string): Promise<void> {
  await page.getByTestId('code').fill(code);
  await page.getByTestId('join-code').click();
  await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
}

/**
 * Starts the game's server with `serverOptions` (a short heartbeat or grace), and seats Ada and Bob in a
 * match, both with voice on, each seeing the other's car.
 */
export async function lifecycleMatch(
  browser: Browser,
  serverOptions: GameServerOptions,
  { bobCreates = false, voice = true, adaPushToTalk = false } = {},
): Promise<LifecycleMatch> {
  const metrics = new CountingMetrics();
  // Bob's browser starts while the server does, and both players enter the lobby at once: nothing in the
  // match depends on which of them got there first.
  const [server, life] = await startedOrClosed([
    startGameWeb({ warmupSeconds: 1 }, { ...serverOptions, metrics }),
    launchLifecycleChromium(talkingPlayerArgs('Bob')),
  ]);
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const close = async () => {
    await context.close();
    await life.close();
    await server.close();
  };
  try {
    const enter = async (page: Page, name: string): Promise<MatchPlayer> => {
      // Without a media permission Chromium gathers no ICE candidate in a loopback-only namespace.
      await page.context().grantPermissions(['microphone'], { origin: server.httpUrl });
      return { page, errors: await enterLobby(page, server.httpUrl, name) };
    };
    const [ada, bob] = await Promise.all([enter(await context.newPage(), 'Ada'), enter(life.page, 'Bob')]);
    // Set in the lobby's settings, as a player does before a match.
    if (adaPushToTalk) await ada.page.getByTestId('push-to-talk').check();
    const [host, guest] = bobCreates ? [bob, ada] : [ada, bob];
    const code = await createMatch(host.page);
    await joinMatch(guest.page, code);
    for (const { page } of [ada, bob]) {
      if (voice) await page.getByTestId('voice').click();
      await expect.poll(async () => (await viewState(page))?.others.length, { timeout: 15_000 }).toBe(1);
    }
    return { server, metrics, ada, bob, life, code, close };
  } catch (error) {
    // Bob's browser runs in a process group of its own: left open, it would outlive the test process.
    await close();
    throw error;
  }
}

/**
 * For a describe block: a shared Chromium for Ada's pages, and a function that starts a match, closed
 * after each test.
 */
export function lifecycleMatches(): (
  ...args: Parameters<typeof lifecycleMatch> extends [unknown, ...infer Rest] ? Rest : never
) => Promise<LifecycleMatch> {
  let browser: Browser | undefined;
  const started: LifecycleMatch[] = [];
  beforeAll(async () => {
    browser = await launchChromium(talkingPlayerArgs('Ada'));
  });
  afterEach(async () => {
    for (const match of started.splice(0)) await match.close();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return async (...args) => {
    if (!browser) throw new Error('lifecycleMatches: a match is started inside a test');
    const match = await lifecycleMatch(browser, ...args);
    started.push(match);
    return match;
  };
}

/** What the server's room says of each member: name, and whether it is away. */
export function membersOf(server: GameWebServer): string[] {
  return (server.rooms.at(-1)?.clients ?? []).map((client) => `${client.name}${client.away ? ' away' : ''}`);
}

/** Every anti-cheat violation and kick in the match (none for honest pages). */
export function cheatsOf(server: GameWebServer): string[] {
  const room = server.rooms.at(-1);
  const violations = (room?.antiCheatReport() ?? []).flatMap(({ name, violations: byKind }) =>
    Object.entries(byKind)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => `${name} ${kind} ${count}`),
  );
  return [...violations, ...(room?.kicks ?? []).map((kick) => `kicked ${kick.name} ${kick.kind}`)];
}

/** The page's frame times (update and draw, ms) since it had measured `since` frames. */
export async function frameTimesSince(page: Page, since: number): Promise<number[]> {
  const [count, times] = await page.evaluate(() => [
    window.vehikill.frameCount(),
    window.vehikill.frameTimes(),
  ]);
  return (times as number[]).slice(-Math.min((count as number) - since, (times as number[]).length));
}

/** A player's row in a page's player list. */
export const playerRow = (page: Page, name: string) =>
  page.locator('[data-testid="players"] li', { hasText: name });

/** Bob's row in a page's player list. */
export const bobRow = (page: Page) => playerRow(page, 'Bob');

/** Whether the page shows that player speaking: it hears them talk. */
export const showsSpeaking = async (page: Page, name: string) =>
  (await playerRow(page, name).getAttribute('data-speaking')) === 'true';

/** In how many of 10 readings over 2 s the page shows that player speaking. */
export async function speakingReadings(page: Page, name: string): Promise<number> {
  let speaking = 0;
  for (let reading = 0; reading < 10; reading++) {
    if (await showsSpeaking(page, name)) speaking++;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return speaking;
}

/**
 * Resolves once the listener hears the talker, and goes on hearing them: the speaking indicator comes
 * on, then stays on in more than half of 10 readings over 2 s (each fake microphone talks without a
 * pause, and its indicator stayed on in 7-10 of them; a microphone taken for an echo and cut down to a
 * murmur lit it in 2-4). A second window is read when the first falls short: on a loaded machine one
 * window once had 5.
 */
export async function hears(listener: MatchPlayer, talker: string, timeout = 15_000): Promise<void> {
  await expect.poll(() => showsSpeaking(listener.page, talker), { timeout }).toBe(true);
  const windows = [await speakingReadings(listener.page, talker)];
  if (windows[0]! < 6) windows.push(await speakingReadings(listener.page, talker));
  expect(
    Math.max(...windows),
    `${talker} heard in most readings (windows: ${windows})`,
  ).toBeGreaterThanOrEqual(6);
}

/**
 * Resolves once the listener stops hearing the talker: the indicator goes off, then stays off in
 * nearly all of 10 readings over 2 s.
 */
export async function hearsNothingFrom(
  listener: MatchPlayer,
  talker: string,
  timeout = 10_000,
): Promise<void> {
  await expect.poll(() => showsSpeaking(listener.page, talker), { timeout }).toBe(false);
  expect(
    await speakingReadings(listener.page, talker),
    `${talker} silent in nearly all readings`,
  ).toBeLessThanOrEqual(1);
}

/** Resolves once Ada hears Bob talk and Bob hears Ada, each going on hearing the other (`hears`). */
export async function hearEachOther(ada: MatchPlayer, bob: MatchPlayer, timeout = 15_000): Promise<void> {
  // Each page is read on its own: the two directions are heard over the same seconds.
  await Promise.all([hears(ada, 'Bob', timeout), hears(bob, 'Ada', timeout)]);
}

/** Drives Bob's car forward for a moment; resolves with how far it went on his own screen. */
export async function driveBob(page: Page): Promise<number> {
  const from = (await viewState(page))?.own;
  await page.getByTestId('arena').focus();
  await page.keyboard.down('ArrowUp');
  let moved = 0;
  await expect
    .poll(
      async () => {
        const to = (await viewState(page))?.own;
        moved = from && to ? Math.hypot(to.x - from.x, to.y - from.y) : 0;
        return moved;
      },
      { timeout: 10_000 },
    )
    .toBeGreaterThan(2);
  await page.keyboard.up('ArrowUp');
  return moved;
}

/** Samples `read` every 200 ms until `done` settles; what it read. */
export async function sampleWhile<T>(done: Promise<unknown>, read: () => T | Promise<T>): Promise<T[]> {
  const seen: T[] = [];
  let settled = false;
  void done.finally(() => {
    settled = true;
  });
  while (!settled) {
    seen.push(await read());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return seen;
}
