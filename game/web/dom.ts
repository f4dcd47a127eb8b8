/** A page element looked up once. A missing one is a mistake in index.html: fail at load. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html has no element #${id}`);
  return found as T;
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

/** Sets text only when it changed: the HUD is refreshed every frame and must not churn the DOM. */
export function setText(target: HTMLElement, text: string): void {
  if (target.textContent !== text) target.textContent = text;
}

/** True while the player types in a field: game keys must not fire then. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * True for a focused button or link with Enter or Space: the key presses it (a keyboard player's way of
 * clicking), so it is not the gun or the chat.
 */
export function isPressingControl(event: KeyboardEvent): boolean {
  if (event.code !== 'Enter' && event.code !== 'NumpadEnter' && event.code !== 'Space') return false;
  const target = event.target;
  if (!(target instanceof HTMLElement)) return false;
  return target.tagName === 'BUTTON' || (target.tagName === 'A' && target.hasAttribute('href'));
}
