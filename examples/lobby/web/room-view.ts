import {
  type Disposer,
  type LeaveReason,
  type Member,
  MessageClass,
  type PeerMesh,
  type RoomConnection,
  type VoiceChat,
} from 'vehikill-net/client';
import type { ChatIn, ChatLine, ChatOut, ChatState } from '../shared/chat-protocol.js';
import { element, showStatus, ui } from './ui.js';

export type ChatRoomConnection = RoomConnection<ChatIn, ChatOut>;

/** How long a "typing" hint stays up without news (ms); the room passes one on at most every second. */
const TYPING_SHOWN_MS = 3_000;
/** We tell the room we are typing at most this often (ms). */
const TYPING_SENT_EVERY_MS = 1_000;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** How each member's peer link is shown: the path their data takes to us. */
const LINK_LABEL: Record<string, { text: string; title: string }> = {
  direct: { text: 'direct', title: 'Peer to peer (WebRTC): data and voice go straight between you.' },
  relayed: { text: 'via server', title: 'No direct connection (yet): data goes through the server.' },
  connecting: { text: 'connecting', title: 'Setting up a connection.' },
  closed: { text: 'no link', title: 'The connection to this player is gone.' },
};

/**
 * The room on screen: members (with the path of each peer link and who is speaking), chat (history
 * first, then live), typing hints, the invite link, and voice: everyone listens from the start, the
 * Talk button opens the microphone and then mutes and unmutes it.
 */
export class RoomView {
  readonly room: ChatRoomConnection;
  readonly #mesh: PeerMesh;
  readonly #voice: VoiceChat;
  readonly #speaking = new Set<string>();
  readonly #me: string | undefined;
  readonly #names = new Map<string, string>();
  readonly #typing = new Map<string, { name: string; until: number }>();
  readonly #disposers: Disposer[] = [];
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #lastTypingSent = 0;

  constructor(
    room: ChatRoomConnection,
    me: string | undefined,
    onLeft: (reason: LeaveReason, message: string) => void,
  ) {
    this.room = room;
    this.#me = me;
    ui.roomTitle.textContent = String(room.info.metadata.title ?? 'Room');
    // The peer mesh runs for every room: its link states are shown next to the members.
    this.#mesh = room.mesh();
    this.#voice = room.voice();
    delete ui.voice.dataset.state; // a new room: the microphone is not open yet
    this.#showVoiceButton();
    this.#showInvite(room.code);
    this.#showHistory(room.initialState);
    this.#renderMembers();
    this.#disposers.push(
      room.onMessage('chat', (line) => {
        this.#typing.delete(line.from);
        this.#renderTyping();
        this.#appendChat(line);
      }),
      room.onMessage('refused', ({ message }) => this.#appendNotice(`Not sent: ${message}.`)),
      room.onMessage('typing', ({ from, name }) => {
        this.#typing.set(from, { name, until: Date.now() + TYPING_SHOWN_MS });
        this.#renderTyping();
      }),
      room.on('member-join', (member) => {
        this.#appendNotice(`${member.name} joined`);
        this.#renderMembers();
      }),
      room.on('member-leave', ({ playerId, reason }) => {
        this.#appendNotice(`${this.#nameOf(playerId)} left${reason === 'left' ? '' : ` (${reason})`}`);
        this.#typing.delete(playerId);
        this.#renderTyping();
        this.#renderMembers();
      }),
      room.on('member-away', () => this.#renderMembers()),
      room.on('member-back', () => this.#renderMembers()),
      // Messages to us were lost while we were away: the room sent its whole state again.
      room.on('state', ({ state }) => {
        this.#showHistory(state);
        this.#appendNotice('Resynchronised after a long absence.');
        this.#renderMembers();
      }),
      room.on('leave', ({ reason, message }) => {
        this.dispose();
        onLeft(reason, message);
      }),
      this.#mesh.on('peer-state', () => this.#renderMembers()),
      this.#voice.on('speaking', ({ peerId, speaking }) => {
        if (speaking) this.#speaking.add(peerId);
        else this.#speaking.delete(peerId);
        this.#renderMembers();
      }),
      this.#voice.on('problem', ({ message }) => showStatus(message)),
      // Unplugged, permission withdrawn, taken by another app: back to Talk, which opens it afresh.
      this.#voice.on('microphone-lost', ({ message }) => {
        delete ui.voice.dataset.state;
        this.#voice.setMuted(false);
        this.#showVoiceButton();
        showStatus(message);
      }),
    );
    const onVoiceClick = () => void this.#toggleVoice();
    ui.voice.addEventListener('click', onVoiceClick);
    this.#disposers.push(() => ui.voice.removeEventListener('click', onVoiceClick));
  }

  /** Sends a chat line; throws if the room is gone or our outbox is full. */
  say(text: string): void {
    this.room.send('chat', { text });
    this.#lastTypingSent = 0;
  }

  /** Call as the player types: tells the others, at most once a second, and never replayed late. */
  typed(): void {
    const now = Date.now();
    if (this.room.left || now - this.#lastTypingSent < TYPING_SENT_EVERY_MS) return;
    this.#lastTypingSent = now;
    this.room.send('typing', {}, { class: MessageClass.volatile });
  }

  dispose(): void {
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.#voice.close();
    this.#mesh.close();
    clearTimeout(this.#typingTimer);
    this.#typing.clear();
    ui.typing.textContent = '';
  }

  /** First click opens the microphone (a refusal is explained); later ones mute and unmute. */
  async #toggleVoice(): Promise<void> {
    const talking = ui.voice.dataset.state === 'on';
    if (!ui.voice.dataset.state) {
      ui.voice.disabled = true;
      const result = await this.#voice.enableMicrophone();
      ui.voice.disabled = false;
      if (!result.ok) {
        showStatus(result.message);
        return;
      }
      ui.voice.dataset.state = 'on';
    } else {
      this.#voice.setMuted(talking);
      ui.voice.dataset.state = talking ? 'muted' : 'on';
    }
    this.#showVoiceButton();
  }

  #showVoiceButton(): void {
    const state = ui.voice.dataset.state;
    ui.voice.textContent = state === 'on' ? 'Mute' : state === 'muted' ? 'Unmute' : 'Talk';
    ui.voice.setAttribute('aria-pressed', String(state === 'on'));
    ui.voice.hidden = !this.#voice.supported;
  }

  #showInvite(code: string | undefined): void {
    ui.share.hidden = code === undefined;
    if (code === undefined) return;
    const link = new URL(location.href);
    link.search = `?code=${encodeURIComponent(code)}`;
    link.hash = '';
    ui.roomCode.textContent = code;
    ui.shareLink.href = link.toString();
    ui.shareLink.textContent = link.toString();
  }

  #showHistory(state: unknown): void {
    ui.chatLog.replaceChildren();
    for (const line of (state as ChatState | undefined)?.history ?? []) this.#appendChat(line);
  }

  #nameOf(playerId: string): string {
    return this.#names.get(playerId) ?? 'someone';
  }

  #renderMembers(): void {
    ui.members.replaceChildren(
      ...this.room.members.map((member: Member) => {
        this.#names.set(member.playerId, member.name);
        const item = element('li', member.name);
        item.dataset.playerId = member.playerId;
        item.dataset.away = String(member.away);
        if (member.playerId === this.#me) item.append(element('span', 'you', 'tag'));
        const link = this.#mesh.link(member.playerId);
        if (link) {
          const label = LINK_LABEL[link.state] ?? { text: link.state, title: '' };
          const tag = element('span', label.text, `tag link ${link.state}`);
          tag.title = label.title;
          tag.dataset.testid = 'link-state';
          item.dataset.link = link.state;
          item.append(tag);
        }
        if (this.#speaking.has(member.playerId)) {
          item.dataset.speaking = 'true';
          item.append(element('span', 'speaking', 'tag speaking'));
        }
        if (member.away) {
          item.append(element('span', 'away', 'tag away'));
          item.title = 'Connection lost: their seat is held for them.';
        }
        return item;
      }),
    );
  }

  #renderTyping(): void {
    clearTimeout(this.#typingTimer);
    const now = Date.now();
    for (const [id, { until }] of this.#typing) if (until <= now) this.#typing.delete(id);
    const names = [...this.#typing.values()].map(({ name }) => name);
    ui.typing.textContent =
      names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`;
    if (names.length > 0) this.#typingTimer = setTimeout(() => this.#renderTyping(), 500);
  }

  #appendChat(line: ChatLine): void {
    this.#names.set(line.from, line.name);
    const item = element('li');
    const time = element('time', timeFormat.format(line.at), 'at');
    time.dateTime = new Date(line.at).toISOString();
    item.append(time, element('span', line.name, line.from === this.#me ? 'who me' : 'who'), line.text);
    this.#append(item);
  }

  #appendNotice(text: string): void {
    this.#append(element('li', text, 'notice'));
  }

  #append(item: HTMLLIElement): void {
    const log = ui.chatLog;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    log.append(item);
    // Follow the conversation, unless the reader scrolled up to read something older.
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
}
