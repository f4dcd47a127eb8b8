/** The lobby page: connect, list and create rooms, join by code or link, chat. Plain DOM. */
import { Client, type Member, ProtocolError, type RoomConnection, type RoomInfo } from 'vehikill-net/client';

interface ChatLine {
  from: string;
  name: string;
  text: string;
  at: number;
}
type ChatIn = { chat: ChatLine };
type ChatOut = { chat: { text: string } };
type ChatRoomConnection = RoomConnection<ChatIn, ChatOut>;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  connection: $('connection'),
  welcome: $('welcome'),
  nameForm: $<HTMLFormElement>('name-form'),
  name: $<HTMLInputElement>('name'),
  lobby: $('lobby'),
  createForm: $<HTMLFormElement>('create-form'),
  title: $<HTMLInputElement>('title'),
  codeForm: $<HTMLFormElement>('code-form'),
  code: $<HTMLInputElement>('code'),
  refresh: $('refresh'),
  rooms: $('rooms'),
  room: $('room'),
  roomTitle: $('room-title'),
  leave: $('leave'),
  share: $('share'),
  roomCode: $('room-code'),
  shareLink: $<HTMLAnchorElement>('share-link'),
  members: $('members'),
  chatLog: $('chat-log'),
  chatForm: $<HTMLFormElement>('chat-form'),
  chatText: $<HTMLInputElement>('chat-text'),
  status: $('status'),
};

let client: Client | undefined;
let room: ChatRoomConnection | undefined;
const codeFromLink = new URLSearchParams(location.search).get('code');

ui.name.value = sessionStorage.getItem('vehikill-name') ?? '';

function showStatus(text: string): void {
  ui.status.textContent = text;
}

function describe(error: unknown): string {
  if (error instanceof ProtocolError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function setConnection(state: string, detail = ''): void {
  ui.connection.dataset.state = state;
  ui.connection.textContent = detail ? `${state} (${detail})` : state;
}

async function connect(): Promise<void> {
  const name = ui.name.value.trim();
  sessionStorage.setItem('vehikill-name', name);
  client?.close();
  const current = new Client(name ? { name } : {});
  client = current;
  let attempts = 0;
  current.on('state', (state) => setConnection(state));
  current.on('drop', () => {
    attempts = 0;
    setConnection('reconnecting', 'connection lost');
  });
  current.on('reconnect', ({ resumed }) => {
    setConnection('open');
    showStatus(
      resumed ? 'Reconnected: nothing was lost.' : 'Reconnected with a new session: join a room again.',
    );
    if (!room) void refreshRooms();
  });
  current.on('session-expired', () =>
    showStatus('Your session expired while you were away: you left the room.'),
  );
  current.on('error', (error) => showStatus(describe(error)));
  current.on('closed', ({ code, message }) => {
    setConnection('closed', code);
    showStatus(`Disconnected: ${message}`);
  });
  current.on('state', (state) => {
    if (state === 'reconnecting') setConnection('reconnecting', `attempt ${++attempts}`);
  });
  try {
    await current.connect();
  } catch (error) {
    showStatus(`Could not connect: ${describe(error)}`);
    return;
  }
  ui.welcome.hidden = true;
  ui.lobby.hidden = false;
  setConnection('open', current.name ?? '');
  if (codeFromLink) await joinBy((c) => c.joinByCode<ChatIn, ChatOut>(codeFromLink));
  else await refreshRooms();
}

async function refreshRooms(): Promise<void> {
  if (!client) return;
  let rooms: RoomInfo[];
  try {
    rooms = await client.listRooms({ type: 'chat', includeFull: true });
  } catch (error) {
    showStatus(describe(error));
    return;
  }
  ui.rooms.replaceChildren(
    ...(rooms.length === 0
      ? [
          Object.assign(document.createElement('li'), {
            className: 'empty',
            textContent: 'No public rooms yet: create one.',
          }),
        ]
      : rooms.map(roomRow)),
  );
}

function roomRow(info: RoomInfo): HTMLLIElement {
  const li = document.createElement('li');
  const label = document.createElement('span');
  label.textContent = `${String(info.metadata.title ?? 'Room')} · ${info.clients}/${info.maxClients}`;
  const join = document.createElement('button');
  join.type = 'button';
  join.textContent = 'Join';
  join.dataset.testid = `join-${info.roomId}`;
  join.disabled = info.clients >= info.maxClients;
  join.addEventListener('click', () => void joinBy((c) => c.join<ChatIn, ChatOut>(info.roomId)));
  li.append(label, join);
  return li;
}

async function joinBy(attempt: (connected: Client) => Promise<ChatRoomConnection>): Promise<void> {
  if (!client) return;
  try {
    enterRoom(await attempt(client));
    showStatus('');
  } catch (error) {
    showStatus(describe(error));
  }
}

function enterRoom(joined: ChatRoomConnection): void {
  room = joined;
  ui.lobby.hidden = true;
  ui.room.hidden = false;
  ui.roomTitle.textContent = String(joined.info.metadata.title ?? 'Room');
  ui.share.hidden = joined.code === undefined;
  if (joined.code) {
    ui.roomCode.textContent = joined.code;
    const link = new URL(location.href);
    link.search = `?code=${joined.code}`;
    ui.shareLink.href = link.toString();
    ui.shareLink.textContent = link.toString();
  }
  ui.chatLog.replaceChildren();
  const history = (joined.initialState as { history?: ChatLine[] } | undefined)?.history ?? [];
  for (const line of history) appendChat(line);
  renderMembers();
  joined.onMessage('chat', appendChat);
  joined.on('member-join', (member) => {
    appendSystem(`${member.name} joined`);
    renderMembers();
  });
  joined.on('member-leave', ({ playerId, reason }) => {
    appendSystem(`${nameOf(playerId)} left${reason === 'left' ? '' : ` (${reason})`}`);
    renderMembers();
  });
  joined.on('member-away', renderMembers);
  joined.on('member-back', renderMembers);
  joined.on('state', ({ state }) => {
    ui.chatLog.replaceChildren();
    for (const line of (state as { history?: ChatLine[] } | undefined)?.history ?? []) appendChat(line);
    renderMembers();
  });
  joined.on('leave', ({ reason, message }) => {
    if (room !== joined) return;
    room = undefined;
    ui.room.hidden = true;
    ui.lobby.hidden = false;
    if (reason !== 'left') showStatus(`You left the room: ${reason} (${message})`);
    void refreshRooms();
  });
  ui.chatText.focus();
}

const names = new Map<string, string>();
function nameOf(playerId: string): string {
  return names.get(playerId) ?? 'someone';
}

function renderMembers(): void {
  if (!room) return;
  ui.members.replaceChildren(
    ...room.members.map((member: Member) => {
      names.set(member.playerId, member.name);
      const li = document.createElement('li');
      li.textContent = member.name;
      li.dataset.playerId = member.playerId;
      li.classList.toggle('away', member.away);
      li.classList.toggle('me', member.playerId === client?.playerId);
      if (member.away) li.title = 'connection lost: seat held';
      return li;
    }),
  );
}

function appendChat(line: ChatLine): void {
  names.set(line.from, line.name);
  const li = document.createElement('li');
  const who = Object.assign(document.createElement('span'), { className: 'who', textContent: line.name });
  li.append(who, document.createTextNode(line.text));
  ui.chatLog.append(li);
  ui.chatLog.scrollTop = ui.chatLog.scrollHeight;
}

function appendSystem(text: string): void {
  ui.chatLog.append(Object.assign(document.createElement('li'), { className: 'system', textContent: text }));
}

ui.nameForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void connect();
});
ui.createForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const isPrivate = (event.submitter as HTMLButtonElement | null)?.value === 'private';
  const title = ui.title.value.trim();
  void joinBy((c) =>
    c.create<ChatIn, ChatOut>('chat', { private: isPrivate, options: title ? { title } : {} }),
  );
});
ui.codeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void joinBy((c) => c.joinByCode<ChatIn, ChatOut>(ui.code.value));
});
ui.refresh.addEventListener('click', () => void refreshRooms());
ui.leave.addEventListener('click', () => void room?.leave());
ui.chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.chatText.value.trim();
  if (!room || !text) return;
  try {
    room.send('chat', { text });
    ui.chatText.value = '';
  } catch (error) {
    showStatus(describe(error));
  }
});

// A shared invite link skips the name step.
if (codeFromLink) void connect();
