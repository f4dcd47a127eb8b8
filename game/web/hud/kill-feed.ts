import type { KillFeedEntry, Weapon } from '../../sim/index.js';
import { element } from '../dom.js';
import { ui } from '../ui.js';

const WEAPON_WORD: Record<Weapon, string> = { gun: 'shot', rocket: 'rocketed', ram: 'rammed' };

/** How long a kill stays in the feed (ms). */
const SHOWN_MS = 8_000;

/** The kill feed's lines ("Ada rocketed Bob"), newest last, each fading after a few seconds. */
export class KillFeed {
  readonly #nameOf: (vehicleId: number) => string;
  readonly #ownVehicle: () => number | undefined;

  constructor(nameOf: (vehicleId: number) => string, ownVehicle: () => number | undefined) {
    this.#nameOf = nameOf;
    this.#ownVehicle = ownVehicle;
  }

  /** Shows entries already known at joining (they do not fade: nobody saw them happen). */
  replace(entries: readonly KillFeedEntry[]): void {
    ui.killFeed.replaceChildren(...entries.map((entry) => this.#line(entry)));
  }

  add(entry: KillFeedEntry): void {
    const line = this.#line(entry);
    ui.killFeed.append(line);
    while (ui.killFeed.childElementCount > 5) ui.killFeed.firstElementChild?.remove();
    setTimeout(() => line.remove(), SHOWN_MS);
  }

  #line(entry: KillFeedEntry): HTMLLIElement {
    const own = this.#ownVehicle();
    const line = element('li');
    const killer = element('strong', this.#nameOf(entry.killer));
    const victim = element('strong', this.#nameOf(entry.victim));
    if (entry.killer === own) killer.className = 'me';
    if (entry.victim === own) victim.className = 'me';
    line.append(killer, ` ${WEAPON_WORD[entry.weapon]} `, victim);
    return line;
  }
}
