/**
 * Vehikill in the browser: the name step, the lobby, and the match (canvas, HUD, chat, voice, overlays).
 * Everything about rooms and netcode lives in GameSession; session-view.ts connects it to the page.
 */
import { Client, type Disposer } from 'vehikill-net/client';
import { GameSession } from '../client/game-session.js';
import type { VehicleInput } from '../sim/index.js';
import { element, isPressingControl, isTyping } from './dom.js';
import { Controls } from './input/control-state.js';
import { GamepadControls } from './input/gamepad.js';
import { HELP_ROWS, PAGE_KEYS } from './input/key-bindings.js';
import { KeyboardControls } from './input/keyboard.js';
import { TouchControls } from './input/touch.js';
import { TriggerGate } from './input/trigger-gate.js';
import { LobbyScreen } from './lobby/lobby-screen.js';
import { clearBanner, setStandingBanner, showBanner } from './overlay/banner.js';
import { watchConnection } from './overlay/connection-indicator.js';
import { leftMatchText, lostMatchText } from './overlay/connection-text.js';
import { NetOverlay } from './overlay/net-overlay.js';
import { describeError } from './problem-text.js';
import { PAGE_BACKOFF } from './reconnect-backoff.js';
import { FrameTimer } from './render/frame-timer.js';
import { keepResumeToken, readResumeToken } from './resume-storage.js';
import { GameView, type ViewState } from './session-view.js';
import {
  loadSettings,
  readStored,
  saveSettings,
  type TouchMode,
  touchWanted,
  writeStored,
} from './settings.js';
import { showStatus, showView, ui } from './ui.js';

const NAME_KEY = 'vehikill-name';

const settings = loadSettings();
const frames = new FrameTimer();
const touch = new TouchControls(ui.touch);
const controls = new Controls([new KeyboardControls(), new GamepadControls(), touch]);
let session: GameSession | undefined;
let view: GameView | undefined;
let unwatch: Disposer | undefined;
/** The room of the match on screen (or last on screen): offered again when its seat was lost. */
let matchRoomId: string | undefined;
const invitedTo = new URLSearchParams(location.search).get('code')?.trim() || undefined;

const overlay = new NetOverlay({
  get client() {
    return (session as GameSession).client;
  },
  arena: () => session?.arena,
  mesh: () => session?.mesh,
  nameOf: (playerId) => session?.roster.find((entry) => entry.playerId === playerId)?.name ?? playerId,
  frames,
});

const lobby = new LobbyScreen(() => session?.client, {
  quickPlay: () => enter((current) => current.quickPlay()),
  createPrivate: (options) => enter((current) => current.createPrivate(options)),
  joinByCode: (code) => enter((current) => current.joinByCode(code)),
  join: (roomId) => enter((current) => current.join(roomId)),
});

/**
 * Opens a session under the chosen name (a new one if the name changed). `resumeToken`: the session of
 * the page before a reload, taken over (the same car, score and match) if the server still holds it.
 */
async function connect(resumeToken?: string): Promise<void> {
  const name = ui.name.value.trim();
  writeStored(NAME_KEY, name);
  leaveGame();
  lobby.offerRejoin(undefined);
  unwatch?.();
  session?.close();
  const client = new Client({
    ...(name ? { name } : {}),
    backoff: PAGE_BACKOFF,
    ...(resumeToken === undefined ? {} : { resumeToken }),
  });
  client.on('resume-token', ({ token }) => keepResumeToken(token));
  const trigger = new TriggerGate();
  const current = new GameSession({
    client,
    sampleInput: (sessionView) => trigger.apply(controls.forTick(), sessionView),
    relayOnly: settings.relayOnly,
  });
  session = current;
  unwatch = watchConnection(client);
  /** The match the session was lost in: the client's `session-expired`, next, says why. */
  let seatLostIn: string | undefined;
  current.on('left', ({ reason, message }) => {
    if (session !== current) return;
    leaveGame();
    if (reason === 'SESSION_EXPIRED') seatLostIn = matchRoomId;
    else if (reason !== 'left') showStatus(leftMatchText(reason, message));
  });
  client.on('session-expired', (lost) => {
    if (session !== current) return;
    // The session of the page before the reload, gone (away past the grace period, a server restarted):
    // a fresh one begins, and the player hears why the match did not come back.
    if (seatLostIn === undefined && resumeToken !== undefined && client.playerId === undefined) {
      showStatus(lostMatchText(lost));
      return;
    }
    if (seatLostIn === undefined) return;
    showStatus(lostMatchText(lost));
    // Away past the grace period (a frozen or sleeping tab): the match goes on without this player, and
    // the lobby offers it again. Not otherwise: after a restart the match went with the old process.
    if (lost.reason === 'expired') lobby.offerRejoin(seatLostIn);
    seatLostIn = undefined;
  });
  client.on('closed', () => {
    if (session !== current) return;
    keepResumeToken(undefined); // over for good: nothing for a reload to take over

    leaveGame();
    ui.connect.textContent = 'Connect again';
    showView('welcome');
  });
  client.on('reconnect', () => {
    if (session === current && !view) void lobby.refresh();
  });
  ui.connect.disabled = true;
  try {
    await client.connect();
  } catch (error) {
    if (session === current) showStatus(`Could not connect. ${describeError(error)}`);
    return;
  } finally {
    ui.connect.disabled = false;
  }
  if (current.room !== undefined) {
    showMatch(current); // taken over from the page before the reload
    return;
  }
  if (resumeToken === undefined) showStatus('');
  showView('lobby');
  if (invitedTo) {
    ui.code.value = invitedTo;
    ui.codeForm.requestSubmit();
  } else {
    void lobby.refresh();
  }
}

/** Runs a join; once in, the match takes the screen. */
async function enter(join: (current: GameSession) => Promise<void>): Promise<void> {
  const current = session;
  if (!current) return;
  current.setRelayOnly(settings.relayOnly);
  await join(current);
  showMatch(current);
}

/** The match of `current` takes the screen: joined, or taken over from the page before a reload. */
function showMatch(current: GameSession): void {
  // In a match again: a lost seat is old news. (A drain's notice cannot be standing here: a draining
  // server seats no one, and a match elsewhere moved the client, which ended the notice.)
  setStandingBanner(undefined);
  matchRoomId = current.room?.roomId;
  lobby.offerRejoin(undefined);
  lobby.stop();
  view?.dispose();
  view = new GameView(current, () => settings, frames);
  showView('game');
  touch.setVisible(touchWanted(settings.touch));
  ui.canvas.focus();
}

function leaveGame(): void {
  if (!view) return;
  view.dispose();
  view = undefined;
  overlay.toggle(false);
  ui.scoreboard.hidden = true;
  touch.setVisible(false);
  clearBanner();
  showView(session?.client.state === 'closed' ? 'welcome' : 'lobby');
  void lobby.refresh();
}

function applySettingsToForm(): void {
  ui.relayOnly.checked = settings.relayOnly;
  ui.pushToTalk.checked = settings.pushToTalk;
  ui.touchMode.value = settings.touch;
}

function onSettingsChange(): void {
  settings.relayOnly = ui.relayOnly.checked;
  settings.pushToTalk = ui.pushToTalk.checked;
  settings.touch = ui.touchMode.value as TouchMode;
  saveSettings(settings);
  session?.setRelayOnly(settings.relayOnly);
  view?.applySettings();
}

function fillHelp(): void {
  ui.helpKeys.replaceChildren(
    ...HELP_ROWS.map(({ keys, action }) => {
      const row = element('tr');
      row.append(element('th', keys), element('td', action));
      return row;
    }),
  );
}

function onPageKey(event: KeyboardEvent): void {
  if (isTyping(event.target)) {
    if (event.key === 'Escape' && event.target === ui.chatText) ui.canvas.focus();
    return;
  }
  if (event.code === PAGE_KEYS.help && event.type === 'keydown') {
    if (ui.help.open) ui.help.close();
    else ui.help.showModal();
    return;
  }
  if (!view || isPressingControl(event)) return;
  if (event.code === PAGE_KEYS.overlay && event.type === 'keydown' && !event.repeat) overlay.toggle();
  else if (event.code === PAGE_KEYS.chat && event.type === 'keydown') {
    event.preventDefault();
    ui.chatText.focus();
  } else if (event.code === PAGE_KEYS.scoreboard) {
    // Tab is the scoreboard only on the arena: elsewhere (and Shift+Tab anywhere) it moves the focus as
    // usual, so a keyboard player can reach Talk, Leave and the chat.
    const onArena = event.target === ui.canvas && !event.shiftKey;
    if (event.type === 'keyup' || !onArena) ui.scoreboard.hidden = true;
    else {
      event.preventDefault();
      ui.scoreboard.hidden = false;
    }
  }
}

ui.name.value = readStored(NAME_KEY) ?? '';
applySettingsToForm();
fillHelp();
showView('welcome');
for (const input of [ui.relayOnly, ui.pushToTalk, ui.touchMode])
  input.addEventListener('change', onSettingsChange);
ui.nameForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void connect();
});
ui.leave.addEventListener('click', () => {
  const current = session;
  leaveGame();
  void current?.leave().catch((error: unknown) => showStatus(describeError(error)));
});
ui.helpButton.addEventListener('click', () => ui.help.showModal());
ui.overlayButton.addEventListener('click', () => {
  if (session) overlay.toggle();
});
ui.copyLink.addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(ui.shareLink.href);
    showBanner('Invite link copied.', 'good', 2_500);
  } catch {
    // No clipboard (a plain-http page off localhost): select the link so the player can copy it.
    getSelection()?.selectAllChildren(ui.shareLink);
    showBanner('Press Ctrl+C (or ⌘C) to copy the selected link.', 'good', 4_000);
  }
});
ui.chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.chatText.value.trim();
  if (!view || !text) return;
  try {
    view.say(text);
    ui.chatText.value = '';
    ui.canvas.focus();
  } catch (error) {
    showStatus(describeError(error));
  }
});
// A button clicked with the mouse would keep the focus, and Space (the gun) would press it again: the
// keys go back to the arena. A keyboard press (detail 0) leaves the focus where the player put it.
ui.game.addEventListener('click', (event) => {
  if (event.detail > 0 && event.target instanceof HTMLElement && event.target.closest('button'))
    ui.canvas.focus();
});
window.addEventListener('keydown', onPageKey);
window.addEventListener('keyup', onPageKey);
// A reload or a navigation away keeps the session: the socket just drops, and the server holds the seat
// (the others see the player away) for the page the reload brings (or a way back to this one) to take
// over with the resume token kept in sessionStorage: the same car, score and match. No goodbye
// (closeForUnload) here: it would end the session, and an accidental F5 would cost the match. A page
// cannot tell a reload from a tab closed for good, so the beacon asks the server to hold the seat for
// the room's reload hold only (`reloadHoldMs`: the server's RELOAD_HOLD_SECONDS, 10 s by default), not
// its whole grace period: a closed tab's car leaves the match that soon. A page restored from the
// back/forward cache finds its socket closed, and its client resumes the session by itself (within that
// time, else it starts afresh and says why).
window.addEventListener('pagehide', () => {
  if (session && session.client.state !== 'closed') session.client.keepSessionForReload(session.reloadHoldMs);
});

declare global {
  interface Window {
    /**
     * Read-only test hook: where the cars are on this page, its frame-time measurements (the newest 600),
     * how many frames it has measured since it began, and what the controls hold.
     */
    vehikill: {
      state(): ViewState | undefined;
      frameTimes(): number[];
      frameCount(): number;
      /** What the controls hold right now (keys, gamepads, touch), before the trigger's pacing. */
      input(): VehicleInput;
    };
  }
}
window.vehikill = {
  state: () => view?.state(),
  frameTimes: () => frames.samples(),
  frameCount: () => frames.frames,
  input: () => controls.read(),
};

// A reload (or a way back) in this tab: take the session of the page before over. An invite link skips
// the name step too: the saved name (or a guest name) will do.
const resumeToken = readResumeToken();
if (resumeToken !== undefined) void connect(resumeToken);
else if (invitedTo) void connect();
