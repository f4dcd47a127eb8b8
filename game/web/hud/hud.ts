import { MAX_HEALTH, type MatchSyncState, type PlayerSyncState } from '../../sim/index.js';
import { setText } from '../dom.js';
import { ui } from '../ui.js';

/** 125 s shows as 2:05. */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/**
 * The numbers over the arena: health (bar and number), ammo, kills/deaths/score, the match clock, and
 * the respawn countdown while wrecked. Called every frame; writes the DOM only when a value changed.
 */
export function updateHud(
  me: PlayerSyncState | undefined,
  match: MatchSyncState | undefined,
  /** Once the match has ended: ms until the next one, as of now (`GameSession.nextMatchInMs`). */
  nextMatchInMs: number | undefined,
): void {
  if (me) {
    const share = Math.max(0, Math.min(1, me.health / MAX_HEALTH));
    const width = `${Math.round(share * 100)}%`;
    if (ui.healthBar.style.width !== width) ui.healthBar.style.width = width;
    ui.healthBar.dataset.level = share > 0.69 ? 'high' : share >= 0.35 ? 'mid' : 'low';
    setText(ui.health, `Health ${me.health}`);
    setText(ui.gunAmmo, `Gun ${me.gunAmmo}`);
    setText(ui.rocketAmmo, `Rockets ${me.rocketAmmo}`);
    setText(ui.score, `Kills ${me.kills} · Deaths ${me.deaths} · Score ${me.score}`);
    ui.respawn.hidden = me.alive;
    if (!me.alive) setText(ui.respawn, `Wrecked! Back in ${me.respawnIn} s`);
  }
  if (match) {
    const text =
      match.phase === 'warmup'
        ? `Warmup ${clock(match.secondsLeft)}`
        : match.phase === 'playing'
          ? clock(match.secondsLeft)
          : nextMatchInMs !== undefined
            ? `Match over · next in ${Math.ceil(nextMatchInMs / 1000)} s`
            : 'Match over';
    setText(ui.timer, text);
    ui.timer.dataset.phase = match.phase;
    ui.timer.dataset.low = String(match.phase === 'playing' && match.secondsLeft <= 30);
  }
}
