import { ui } from '../ui.js';

type Tone = 'warn' | 'bad' | 'good';

let hideTimer: ReturnType<typeof setTimeout> | undefined;
/** A message for as long as it holds (the seat was lost, the server is restarting), under the others. */
let standing: { text: string; tone: Tone } | undefined;
/** The standing notice is what the banner shows now (no other message over it). */
let showingStanding = false;

function render(text: string, tone: Tone): void {
  ui.banner.textContent = text;
  ui.banner.dataset.tone = tone;
  ui.banner.hidden = false;
}

/**
 * The banner under the header: connection trouble and what happened after. It stays until replaced or
 * cleared, unless given a time to show; then the standing notice, if any, shows again.
 */
export function showBanner(text: string, tone: Tone, hideAfterMs?: number): void {
  clearTimeout(hideTimer);
  showingStanding = false;
  render(text, tone);
  if (hideAfterMs !== undefined) hideTimer = setTimeout(clearBanner, hideAfterMs);
}

/** Clears the message shown; a standing notice stays (it is cleared on its own). */
export function clearBanner(): void {
  clearTimeout(hideTimer);
  showingStanding = standing !== undefined;
  if (standing) {
    render(standing.text, standing.tone);
    return;
  }
  ui.banner.hidden = true;
  ui.banner.textContent = '';
}

/**
 * Sets (or with undefined, ends) the standing notice and shows it now: news that stays true while other
 * messages come and go (a lost seat until the next match, a drain until the server goes), so a passing
 * "Connection good again." or leaving the match does not wipe it.
 */
export function setStandingBanner(notice: { text: string; tone: Tone } | undefined): void {
  standing = notice;
  clearBanner();
}

export function hasStandingBanner(): boolean {
  return standing !== undefined;
}

/**
 * Says the standing notice anew (a countdown's next second): shown at once if it is what the banner shows,
 * else when the message over it goes. Nothing when no notice stands (it was ended meanwhile).
 */
export function restateStandingBanner(notice: { text: string; tone: Tone }): void {
  if (standing === undefined) return;
  standing = notice;
  if (showingStanding) render(notice.text, notice.tone);
}
