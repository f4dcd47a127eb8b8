/**
 * The glue between a GameSession (DOM-free: rooms, netcode, roster, match, chat, peers) and the page:
 * the animation-frame loop, the renderer, the HUD, the kill feed, chat, players, voice, the invite
 * code, fire notices turned into muzzle flashes and tracers, and explosions. One GameView per room.
 */
import type { Disposer } from 'vehikill-net/client';
import type { GameFrame, GameSession } from '../client/game-session.js';
import type { FireNotice } from '../protocol/index.js';
import {
  createWorld,
  DEFAULT_ARENA,
  type RocketState,
  raycastWalls,
  type VehicleState,
  type World,
} from '../sim/index.js';
import { ChatBox } from './hud/chat-box.js';
import { updateHud } from './hud/hud.js';
import { KillFeed } from './hud/kill-feed.js';
import { matchNoticeText } from './hud/match-text.js';
import { renderPlayers } from './hud/players.js';
import { antiCheatWarningText } from './overlay/anti-cheat-text.js';
import { setStandingBanner, showBanner } from './overlay/banner.js';
import { Effects } from './render/effects.js';
import type { FrameTimer } from './render/frame-timer.js';
import { type CarLabel, Renderer } from './render/renderer.js';
import type { Settings } from './settings.js';
import { ui } from './ui.js';
import { VoiceControls } from './voice/voice-controls.js';

/** Gun tracers reach this far when no wall stops them (the rules' default gun range, in units). */
const TRACER_RANGE = 80;
/** A shooter's gun is drawn at most this often (ms): notices may come every tick the trigger is held. */
const GUN_DRAW_EVERY_MS = 90;
const PLAYERS_REFRESH_MS = 1_000;

/** What the page (and its test hook) can read about the match on screen. */
export interface ViewState {
  readonly playerId: string | undefined;
  readonly own: { vehicleId: number; x: number; y: number; angle: number } | undefined;
  readonly others: { vehicleId: number; name: string; x: number; y: number }[];
}

export class GameView {
  readonly session: GameSession;
  readonly #renderer: Renderer;
  readonly #effects = new Effects();
  readonly #frames: FrameTimer;
  readonly #killFeed: KillFeed;
  readonly #chat: ChatBox;
  readonly #voice: VoiceControls | undefined;
  readonly #disposers: Disposer[] = [];
  /** For tracers: walls only (vehicles are where the server says; the flash is a guess made at once). */
  readonly #walls: World = createWorld(DEFAULT_ARENA);
  readonly #lastGunDrawn = new Map<string, number>();
  readonly #rockets = new Map<number, RocketState>();
  #lastFrame: GameFrame | undefined;
  #labels = new Map<number, CarLabel>();
  #raf = 0;
  #playersRefreshedAt = 0;

  constructor(session: GameSession, settings: () => Settings, frames: FrameTimer) {
    this.session = session;
    this.#frames = frames;
    this.#renderer = new Renderer(ui.canvas, DEFAULT_ARENA);
    const me = () => session.client.playerId;
    this.#killFeed = new KillFeed(
      (vehicleId) => this.#nameOfVehicle(vehicleId),
      () => session.me?.vehicleId,
    );
    this.#chat = new ChatBox(me);
    this.#chat.replace(session.chat);
    this.#killFeed.replace(session.killFeed);
    /** The match whose kills the feed shows, and the phase the chat last announced. */
    let shownMatch = session.matchNotice?.match;
    let shownPhase = session.matchNotice?.phase;
    const room = session.room;
    if (room) {
      this.#voice = new VoiceControls(
        room.voice(),
        () => settings().pushToTalk,
        () => this.#renderPlayers(),
      );
      this.#showInvite(room.code);
    }
    this.#disposers.push(
      session.on('roster', () => this.#renderPlayers()),
      session.on('kill', (entry) => {
        this.#killFeed.add(entry);
        const victim = this.#vehicleAt(entry.victim);
        if (victim) this.#effects.explosion(victim.x, victim.y, 3, performance.now());
      }),
      session.on('chat', (line) => this.#chat.add(line)),
      session.on('match', (notice) => {
        // A new match starts with an empty feed, with a warm-up or (a server with none) straight in play.
        if (notice.match !== shownMatch) this.#killFeed.replace([]);
        shownMatch = notice.match;
        shownPhase = notice.phase;
        this.#chat.notice(matchNoticeText(notice, (id) => this.#nameOfVehicle(id)));
      }),
      session.on('resync', () => {
        // Back from a drop that lost messages: the lines, kills and phase changes of the time away come
        // only in the state the room sent again, which the session now holds.
        this.#chat.replace(session.chat);
        this.#killFeed.replace(session.killFeed);
        const notice = session.matchNotice;
        if (notice && (notice.match !== shownMatch || notice.phase !== shownPhase)) {
          this.#chat.notice(matchNoticeText(notice, (id) => this.#nameOfVehicle(id)));
        }
        shownMatch = notice?.match;
        shownPhase = notice?.phase;
      }),
      session.on('fire', ({ from, notice }) => this.#showFire(from ?? me() ?? '', notice)),
      session.on('effect', ({ effect }) => {
        if (effect.kind === 'boost') this.#effects.muzzleFlash(effect.x, effect.y, 0, 0, performance.now());
      }),
      session.on('bad-message', (error) => {
        // The server's entity types are not this page's: a page from before a deploy. Nothing can show.
        // Standing: a passing "Connection good again." must not replace it, it stays true until a reload.
        if (error.code === 'SYNC_TYPES_MISMATCH') {
          setStandingBanner({ text: 'This page is older than the server: reload it to play.', tone: 'bad' });
        }
      }),
      session.on('warning', (warning) => {
        // Said where the line was typed: the line went to no one.
        if (warning.kind === 'chat') this.#chat.notice(`Not sent: ${warning.message}.`);
        else showBanner(antiCheatWarningText(warning), 'warn', 5_000);
      }),
    );
    const mesh = session.mesh;
    if (mesh) this.#disposers.push(mesh.on('peer-state', () => this.#renderPlayers()));
    // Away and back show at once, not at the list's next refresh.
    if (room) {
      this.#disposers.push(
        room.on('member-away', () => this.#renderPlayers()),
        room.on('member-back', () => this.#renderPlayers()),
      );
    }
    // The mesh tries its direct links again by itself when the page is back after long away.
    const onVisibility = () => session.arena?.setHidden(document.hidden, performance.now());
    document.addEventListener('visibilitychange', onVisibility);
    this.#disposers.push(() => document.removeEventListener('visibilitychange', onVisibility));
    this.#renderPlayers();
    this.#raf = requestAnimationFrame(this.#loop);
  }

  /** Follows changed settings (push-to-talk) at once. */
  applySettings(): void {
    this.#voice?.applySettings();
  }

  say(text: string): void {
    this.session.say(text);
  }

  state(): ViewState {
    const frame = this.#lastFrame;
    const own = frame?.own;
    return {
      playerId: this.session.client.playerId,
      own: own ? { vehicleId: own.id, x: own.x, y: own.y, angle: own.angle } : undefined,
      others: (frame?.vehicles ?? []).map(({ vehicleId, state }) => ({
        vehicleId,
        name: this.#nameOfVehicle(vehicleId),
        x: state.x,
        y: state.y,
      })),
    };
  }

  dispose(): void {
    cancelAnimationFrame(this.#raf);
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.#voice?.dispose();
  }

  readonly #loop = (): void => {
    this.#raf = requestAnimationFrame(this.#loop);
    const started = performance.now();
    this.session.update(started);
    const frame = this.session.frame(started);
    if (frame) this.#draw(frame, started);
    this.#frames.add(performance.now() - started);
  };

  #draw(frame: GameFrame, now: number): void {
    this.#lastFrame = frame;
    this.#updateLabels();
    this.#noticeExplodedRockets(
      frame.rockets.map((drawn) => drawn.state),
      frame,
      now,
    );
    this.#renderer.draw(
      {
        own: frame.own,
        vehicles: frame.vehicles.map((drawn) => drawn.state),
        rockets: frame.rockets.map((drawn) => drawn.state),
        pickups: frame.pickups,
        labels: this.#labels,
      },
      this.#effects,
      now,
    );
    updateHud(frame.me, frame.match, this.session.nextMatchInMs());
    if (now - this.#playersRefreshedAt > PLAYERS_REFRESH_MS) this.#renderPlayers();
  }

  /** A rocket gone since the last frame has hit something or run out: either way it goes bang. */
  #noticeExplodedRockets(rockets: readonly RocketState[], frame: GameFrame, now: number): void {
    const present = new Set<number>();
    for (const [index, rocket] of rockets.entries()) {
      const entity = frame.rockets[index]?.entity ?? -1;
      present.add(entity);
      this.#rockets.set(entity, rocket);
    }
    for (const [entity, rocket] of this.#rockets) {
      if (present.has(entity)) continue;
      this.#rockets.delete(entity);
      this.#effects.explosion(rocket.x, rocket.y, 2, now);
    }
  }

  #showFire(shooter: string, notice: FireNotice): void {
    const now = performance.now();
    const { origin, direction } = notice;
    this.#effects.muzzleFlash(origin.x, origin.y, direction.x, direction.y, now);
    if (notice.weapon !== 'gun') return;
    if (now - (this.#lastGunDrawn.get(shooter) ?? Number.NEGATIVE_INFINITY) < GUN_DRAW_EVERY_MS) return;
    this.#lastGunDrawn.set(shooter, now);
    const reach = raycastWalls(this.#walls, origin, direction, TRACER_RANGE) ?? TRACER_RANGE;
    this.#effects.tracer(
      origin.x,
      origin.y,
      origin.x + direction.x * reach,
      origin.y + direction.y * reach,
      now,
    );
  }

  #updateLabels(): void {
    const speaking = this.#voice?.speaking;
    const labels = new Map<number, CarLabel>();
    for (const line of this.session.scoreboard()) {
      labels.set(line.vehicleId, {
        name: line.name,
        health: line.health,
        alive: line.alive,
        speaking: speaking?.has(line.playerId) ?? false,
      });
    }
    this.#labels = labels;
  }

  #renderPlayers(): void {
    this.#playersRefreshedAt = performance.now();
    const mesh = this.session.mesh;
    renderPlayers(this.session.scoreboard(), {
      me: this.session.client.playerId,
      speaking: this.#voice?.speaking ?? new Set(),
      linkState: (playerId) => mesh?.link(playerId)?.state,
      away: (playerId) =>
        this.session.room?.members.some((member) => member.playerId === playerId && member.away) ?? false,
    });
  }

  #nameOfVehicle(vehicleId: number): string {
    return this.session.roster.find((entry) => entry.vehicleId === vehicleId)?.name ?? `car ${vehicleId}`;
  }

  #vehicleAt(vehicleId: number): VehicleState | undefined {
    const frame = this.#lastFrame;
    if (frame?.own?.id === vehicleId) return frame.own;
    return frame?.vehicles.find((drawn) => drawn.vehicleId === vehicleId)?.state;
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
}
