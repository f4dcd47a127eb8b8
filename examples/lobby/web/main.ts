/** The lobby page: pick a name, list and create rooms, join by code or invite link, chat. Plain DOM. */
import { Client, type Disposer, ProtocolError, type RoomInfo } from 'vehikill-net/client';
import type { ChatIn, ChatOut } from '../shared/chat-protocol.js';
import { watchConnection } from './connection-indicator.js';
import { type ChatRoomConnection, RoomView } from './room-view.js';
import { element, showStatus, showView, ui } from './ui.js';

const NAME_KEY = 'vehikill-lobby-name';

let client: Client | undefined;
let unwatch: Disposer | undefined;
let view: RoomView | undefined;
const invitedTo = new URLSearchParams(location.search).get('code')?.trim() || undefined;

function describe(error: unknown): string {
  if (error instanceof ProtocolError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

async function connect(): Promise<void> {
  const name = ui.name.value.trim();
  sessionStorage.setItem(NAME_KEY, name);
  unwatch?.();
  const previous = client;
  client = undefined;
  previous?.close();
  // Default options: the URL comes from this page's address, and a guest token is fetched for `name`.
  const current = new Client(name ? { name } : {});
  client = current;
  unwatch = watchConnection(current);
  current.on('error', (error) => showStatus(describe(error)));
  current.on('session-expired', ({ message }) => showStatus(`Your session expired: ${message}`));
  current.on('reconnect', () => {
    if (!view) void refreshRooms();
  });
  current.on('closed', ({ code, message }) => {
    if (client !== current) return;
    if (code !== 'CLOSED_BY_CLIENT') showStatus(`Disconnected (${code}): ${message}`);
    ui.connect.textContent = 'Connect again';
    showView('welcome');
  });

  ui.connect.disabled = true;
  try {
    await current.connect();
  } catch (error) {
    if (client === current) showStatus(`Could not connect: ${describe(error)}`);
    return;
  } finally {
    ui.connect.disabled = false;
  }
  showStatus('');
  showView('lobby');
  if (invitedTo) await joinWith((c) => c.joinByCode<ChatIn, ChatOut>(invitedTo));
  else await refreshRooms();
}

/** Lists the public rooms and keeps the list live (a new watch replaces the one before). */
async function refreshRooms(): Promise<void> {
  if (client?.state !== 'open') return;
  ui.refresh.disabled = true;
  try {
    // The 50 oldest, full ones too (their Join disabled): a page's worth, which is all the server reads.
    const watch = await client.watchRooms({ type: 'chat', includeFull: true, limit: 50 }, renderRooms);
    renderRooms(watch.rooms);
  } catch (error) {
    showStatus(describe(error));
  } finally {
    ui.refresh.disabled = false;
  }
}

function renderRooms(rooms: readonly RoomInfo[]): void {
  ui.rooms.replaceChildren(
    ...(rooms.length > 0 ? rooms.map(roomRow) : [element('li', 'No public rooms yet: create one.', 'empty')]),
  );
}

function roomRow(info: RoomInfo): HTMLLIElement {
  const title = String(info.metadata.title ?? 'Room');
  const full = info.clients >= info.maxClients;
  const item = element('li');
  const label = element('span', title, 'room-name');
  const seats = element('span', `${info.clients}/${info.maxClients}`, full ? 'seats full' : 'seats');
  seats.setAttribute('aria-label', `${info.clients} of ${info.maxClients} players`);
  const join = element('button', full ? 'Full' : 'Join', 'secondary');
  join.type = 'button';
  join.dataset.testid = `join-${info.roomId}`;
  join.disabled = full;
  join.setAttribute('aria-label', `Join ${title}`);
  join.addEventListener('click', () => void joinWith((c) => c.join<ChatIn, ChatOut>(info.roomId)));
  item.append(label, seats, join);
  return item;
}

/** Runs a create or join; on success shows the room, on failure says why in the status line. */
async function joinWith(attempt: (connected: Client) => Promise<ChatRoomConnection>): Promise<void> {
  if (!client) return;
  let room: ChatRoomConnection;
  try {
    room = await attempt(client);
  } catch (error) {
    showStatus(describe(error));
    void refreshRooms();
    return;
  }
  showStatus('');
  view?.dispose();
  view = new RoomView(room, client.playerId, (reason, message) => {
    view = undefined;
    showView(client?.state === 'closed' ? 'welcome' : 'lobby');
    if (reason !== 'left') showStatus(`You are out of the room: ${reason} (${message})`);
    void refreshRooms();
  });
  showView('room');
  ui.chatText.focus();
}

ui.name.value = sessionStorage.getItem(NAME_KEY) ?? '';
ui.nameForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void connect();
});
ui.createForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const isPrivate = (event.submitter as HTMLButtonElement | null)?.value === 'private';
  const title = ui.title.value.trim();
  void joinWith((c) =>
    c.create<ChatIn, ChatOut>('chat', { private: isPrivate, options: title ? { title } : {} }),
  );
});
ui.codeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const code = ui.code.value.trim();
  if (code) void joinWith((c) => c.joinByCode<ChatIn, ChatOut>(code));
});
ui.refresh.addEventListener('click', () => void refreshRooms());
ui.leave.addEventListener('click', () => void view?.room.leave());
ui.copyLink.addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(ui.shareLink.href);
    showStatus('Invite link copied.', 'info');
  } catch {
    // No clipboard (a plain-http page off localhost): select the link so the player can copy it.
    getSelection()?.selectAllChildren(ui.shareLink);
    showStatus('Press Ctrl+C (or ⌘C) to copy the selected link.', 'info');
  }
});
ui.chatText.addEventListener('input', () => {
  if (ui.chatText.value.trim()) view?.typed();
});
ui.chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.chatText.value.trim();
  if (!view || !text) return;
  try {
    view.say(text);
    ui.chatText.value = '';
  } catch (error) {
    showStatus(describe(error));
  }
});

// An invite link skips the name step: the saved name (or a guest name) will do.
if (invitedTo) {
  ui.code.value = invitedTo;
  void connect();
}
