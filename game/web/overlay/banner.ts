import { ui } from '../ui.js';

let hideTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * The banner under the header: connection trouble and what happened after. It stays until replaced or
 * cleared, unless given a time to show.
 */
export function showBanner(text: string, tone: 'warn' | 'bad' | 'good', hideAfterMs?: number): void {
  clearTimeout(hideTimer);
  ui.banner.textContent = text;
  ui.banner.dataset.tone = tone;
  ui.banner.hidden = false;
  if (hideAfterMs !== undefined) hideTimer = setTimeout(clearBanner, hideAfterMs);
}

export function clearBanner(): void {
  clearTimeout(hideTimer);
  ui.banner.hidden = true;
  ui.banner.textContent = '';
}
