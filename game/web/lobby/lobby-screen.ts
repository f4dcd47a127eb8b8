import type { Client, RoomInfo } from 'vehikill-net/client';
import { type CreateOptions, MATCH_MINUTES, MAX_BOTS } from '../../protocol/index.js';
import { element } from '../dom.js';
import { describeError } from '../problem-text.js';
import { showStatus, ui } from '../ui.js';
import { botFillHint, createOptionsFrom } from './create-form.js';
import { LobbyWatch } from './lobby-watch.js';

/**
 * Matches the lobby lists: the 30 oldest a player can join now (full and locked ones left out: with many
 * matches running, the oldest are mostly full, and a page of them would hide every open one).
 */
const LOBBY_ROWS = 30;

/** What the lobby asks the game to do. Each resolves once in the room, or rejects saying why not. */
export interface LobbyActions {
  quickPlay(): Promise<void>;
  createPrivate(options: Omit<CreateOptions, 'quickPlay' | 'relayOnly'>): Promise<void>;
  joinByCode(code: string): Promise<void>;
  /** A room from the public list, by its id. */
  join(roomId: string): Promise<void>;
}

/**
 * The lobby: Quick Play, a private room (with bots and match length) whose code is shared from the
 * match screen, joining by code, and the list of public rooms, kept live by the server while the lobby
 * shows (a match appearing, filling or ending updates it). Buttons are disabled while a request is out,
 * so a double click makes one room.
 */
export class LobbyScreen {
  readonly #actions: LobbyActions;
  readonly #watch: LobbyWatch;
  #busy = false;
  /** The match offered by the rejoin button, if any. */
  #rejoinRoom: string | undefined;

  constructor(client: () => Client | undefined, actions: LobbyActions) {
    this.#actions = actions;
    this.#watch = new LobbyWatch(client, LOBBY_ROWS, (rooms) => this.#render(rooms));
    ui.bots.max = String(MAX_BOTS);
    ui.minutes.min = String(MATCH_MINUTES.min);
    ui.minutes.max = String(MATCH_MINUTES.max);
    ui.quickPlay.addEventListener('click', () => void this.#run(() => actions.quickPlay()));
    ui.createForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const options = createOptionsFrom(ui.bots.value, ui.minutes.value);
      void this.#run(() => actions.createPrivate(options));
    });
    // A reload may restore the field's last value: the hint must say what that one gives.
    ui.botsHint.textContent = botFillHint(ui.bots.value);
    ui.bots.addEventListener('input', () => {
      ui.botsHint.textContent = botFillHint(ui.bots.value);
    });
    ui.codeForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const code = ui.code.value.trim();
      if (code) void this.#run(() => actions.joinByCode(code));
      else ui.code.focus();
    });
    ui.refresh.addEventListener('click', () => void this.refresh());
    ui.rejoin.addEventListener('click', () => {
      const roomId = this.#rejoinRoom;
      if (roomId === undefined) return;
      void this.#run(async () => {
        try {
          await actions.join(roomId);
        } catch (error) {
          // Gone or full: the status line says so, and the button would only fail again.
          this.offerRejoin(undefined);
          throw error;
        }
      });
    });
  }

  /**
   * Offers one button back into the match this player lost its seat in (away longer than the server's
   * grace period), or none (undefined). Without it a private match was out of reach: it is in no listing,
   * and its code was shown on the match screen only. A room's id joins it whether public or private.
   */
  offerRejoin(roomId: string | undefined): void {
    this.#rejoinRoom = roomId;
    ui.rejoinRow.hidden = roomId === undefined;
  }

  /** Lists the public matches now and follows them live (again: a new watch replaces the old). */
  async refresh(): Promise<void> {
    ui.refresh.disabled = true;
    try {
      await this.#watch.refresh();
    } catch (error) {
      showStatus(describeError(error));
    } finally {
      ui.refresh.disabled = false;
    }
  }

  /** The lobby is hidden (in a match): the server need not keep sending it the listing. */
  stop(): void {
    this.#watch.stop();
  }

  #render(rooms: readonly RoomInfo[]): void {
    ui.rooms.replaceChildren(
      ...(rooms.length > 0
        ? rooms.map((info) => this.#row(info))
        : [element('li', 'No open public matches: press Quick Play.', 'empty')]),
    );
  }

  #row(info: RoomInfo): HTMLLIElement {
    const full = info.clients >= info.maxClients;
    const minutes = Number(info.metadata.matchSeconds ?? 0) / 60;
    const bots = Number(info.metadata.bots ?? 0);
    const item = element('li');
    item.append(
      element(
        'span',
        `${minutes ? `${minutes} min match` : 'Match'}${bots ? ` · up to ${bots} with bots` : ''}`,
        'room-name',
      ),
    );
    const seats = element('span', `${info.clients}/${info.maxClients}`, full ? 'seats full' : 'seats');
    seats.setAttribute('aria-label', `${info.clients} of ${info.maxClients} players`);
    item.append(seats);
    const join = element('button', full ? 'Full' : 'Join', 'secondary');
    join.type = 'button';
    join.disabled = full;
    join.dataset.testid = `join-${info.roomId}`;
    join.setAttribute('aria-label', `Join this match (${info.clients} of ${info.maxClients} players)`);
    join.addEventListener('click', () => void this.#run(() => this.#actions.join(info.roomId)));
    item.append(join);
    return item;
  }

  /** One request at a time; its failure goes to the status line and the list is refreshed. */
  async #run(request: () => Promise<void>): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const buttons = [
      ui.quickPlay,
      ui.rejoin,
      ...ui.lobby.querySelectorAll<HTMLButtonElement>('form button, #rooms button'),
    ];
    for (const button of buttons) button.disabled = true;
    showStatus('');
    try {
      await request();
    } catch (error) {
      showStatus(describeError(error));
      void this.refresh();
    } finally {
      this.#busy = false;
      for (const button of buttons) button.disabled = false;
    }
  }
}
