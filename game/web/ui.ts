import { byId } from './dom.js';

/** The page's elements (index.html), looked up once at load. */
export const ui = {
  connection: byId('connection'),
  connectionBars: byId('connection-bars'),
  connectionText: byId('connection-text'),
  banner: byId('banner'),
  status: byId('status'),
  helpButton: byId<HTMLButtonElement>('help-button'),
  help: byId<HTMLDialogElement>('help'),
  helpKeys: byId('help-keys'),
  overlayButton: byId<HTMLButtonElement>('overlay-button'),

  welcome: byId('welcome'),
  nameForm: byId<HTMLFormElement>('name-form'),
  name: byId<HTMLInputElement>('name'),
  connect: byId<HTMLButtonElement>('connect'),

  lobby: byId('lobby'),
  rejoinRow: byId('rejoin-row'),
  rejoin: byId<HTMLButtonElement>('rejoin'),
  quickPlay: byId<HTMLButtonElement>('quick-play'),
  createForm: byId<HTMLFormElement>('create-form'),
  bots: byId<HTMLInputElement>('bots'),
  botsHint: byId('bots-hint'),
  minutes: byId<HTMLInputElement>('minutes'),
  codeForm: byId<HTMLFormElement>('code-form'),
  code: byId<HTMLInputElement>('code'),
  refresh: byId<HTMLButtonElement>('refresh'),
  rooms: byId('rooms'),
  relayOnly: byId<HTMLInputElement>('relay-only'),
  pushToTalk: byId<HTMLInputElement>('push-to-talk'),
  touchMode: byId<HTMLSelectElement>('touch-mode'),

  game: byId('game'),
  canvas: byId<HTMLCanvasElement>('arena'),
  leave: byId<HTMLButtonElement>('leave'),
  voice: byId<HTMLButtonElement>('voice'),
  share: byId('share'),
  roomCode: byId('room-code'),
  shareLink: byId<HTMLAnchorElement>('share-link'),
  copyLink: byId<HTMLButtonElement>('copy-link'),
  healthBar: byId('health-bar'),
  health: byId('health'),
  gunAmmo: byId('gun-ammo'),
  rocketAmmo: byId('rocket-ammo'),
  score: byId('score'),
  timer: byId('timer'),
  respawn: byId('respawn'),
  killFeed: byId('kill-feed'),
  players: byId('players'),
  scoreboard: byId('scoreboard'),
  scoreboardBody: byId('scoreboard-body'),
  chatLog: byId('chat-log'),
  chatForm: byId<HTMLFormElement>('chat-form'),
  chatText: byId<HTMLInputElement>('chat-text'),
  netOverlay: byId('net-overlay'),
  touch: byId('touch'),
};

export type View = 'welcome' | 'lobby' | 'game';

/** Where the focus goes when a screen shows and the focus was on one that hid. */
const FIRST_CONTROL: Record<View, () => HTMLElement> = {
  welcome: () => ui.name,
  lobby: () => ui.quickPlay,
  game: () => ui.canvas,
};

export function showView(view: View): void {
  ui.welcome.hidden = view !== 'welcome';
  ui.lobby.hidden = view !== 'lobby';
  ui.game.hidden = view !== 'game';
  document.body.dataset.view = view;
  // A hidden element loses the focus to the page itself: a keyboard or screen-reader user would have to
  // start over from the top. Hand it to the screen that shows instead.
  const active = document.activeElement;
  if (!active || active === document.body || active.closest('[hidden]')) FIRST_CONTROL[view]().focus();
}

/** The status line: errors and notices that need no answer. Empty text clears it. */
export function showStatus(text: string, tone: 'info' | 'error' = 'error'): void {
  ui.status.textContent = text;
  ui.status.dataset.tone = tone;
}
