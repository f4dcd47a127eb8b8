/** The page's elements, looked up once. A missing one is a mistake in index.html: fail at load. */
function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no element #${id}`);
  return element as T;
}

export const ui = {
  connection: byId('connection'),
  welcome: byId('welcome'),
  nameForm: byId<HTMLFormElement>('name-form'),
  name: byId<HTMLInputElement>('name'),
  connect: byId<HTMLButtonElement>('connect'),
  lobby: byId('lobby'),
  createForm: byId<HTMLFormElement>('create-form'),
  title: byId<HTMLInputElement>('title'),
  codeForm: byId<HTMLFormElement>('code-form'),
  code: byId<HTMLInputElement>('code'),
  refresh: byId<HTMLButtonElement>('refresh'),
  rooms: byId('rooms'),
  room: byId('room'),
  roomTitle: byId('room-title'),
  leave: byId<HTMLButtonElement>('leave'),
  voice: byId<HTMLButtonElement>('voice'),
  share: byId('share'),
  roomCode: byId('room-code'),
  shareLink: byId<HTMLAnchorElement>('share-link'),
  copyLink: byId<HTMLButtonElement>('copy-link'),
  members: byId('members'),
  chatLog: byId('chat-log'),
  typing: byId('typing'),
  chatForm: byId<HTMLFormElement>('chat-form'),
  chatText: byId<HTMLInputElement>('chat-text'),
  status: byId('status'),
};

/** Shows one of the three views: the name step, the lobby, or a room. */
export function showView(view: 'welcome' | 'lobby' | 'room'): void {
  ui.welcome.hidden = view !== 'welcome';
  ui.lobby.hidden = view !== 'lobby';
  ui.room.hidden = view !== 'room';
}

/** The status line: errors and notices that need no answer. Empty text clears it. */
export function showStatus(text: string, tone: 'info' | 'error' = 'error'): void {
  ui.status.textContent = text;
  ui.status.dataset.tone = tone;
}

/** An element with text content, for building lists. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = '',
  className = '',
): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (text) created.textContent = text;
  if (className) created.className = className;
  return created;
}
