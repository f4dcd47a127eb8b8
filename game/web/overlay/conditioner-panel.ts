import type { Client, ConditionerSettings } from 'vehikill-net/client';
import { element } from '../dom.js';
import { CHANNELS, conditionerFields, conditionerStatus } from './conditioner-form.js';

/**
 * The developer's network conditioner, in the network overlay: extra one-way delay, jitter and loss for
 * the game's own traffic (to the server and to peers, both ways), per channel, applied with
 * `client.setConditions`. What it does shows at once in the overlay's own numbers and in how the game
 * plays; "Off" restores the real network.
 */
export class ConditionerPanel {
  readonly element: HTMLFieldSetElement;
  readonly #client: () => Client | undefined;
  readonly #inputs = new Map<string, HTMLInputElement>();
  readonly #status: HTMLElement;
  /** The client whose conditions the form and status show (undefined: none yet). */
  #shownFor: Client | undefined;

  /** `client` gives the session's client, or undefined while there is none. */
  constructor(client: () => Client | undefined) {
    this.#client = client;
    this.element = element('fieldset', '', 'conditioner');
    this.element.append(element('legend', 'Simulate a bad network'));
    const table = element('table');
    const head = element('tr');
    head.append(element('th'), element('th', 'delay ms'), element('th', '± ms'), element('th', 'loss %'));
    table.append(head);
    for (const channel of CHANNELS) {
      const row = element('tr');
      row.append(element('th', channel));
      for (const [field, max] of [
        ['delay', 2_000],
        ['jitter', 500],
        ['loss', 100],
      ] as const) {
        const input = element('input', '', 'conditioner-input');
        input.type = 'number';
        input.min = '0';
        input.max = String(max);
        input.value = '0';
        input.setAttribute('aria-label', `${channel} ${field}`);
        input.dataset.testid = `conditioner-${channel}-${field}`;
        this.#inputs.set(`${channel}.${field}`, input);
        const cell = element('td');
        cell.append(input);
        row.append(cell);
      }
      table.append(row);
    }
    const apply = element('button', 'Apply');
    apply.type = 'button';
    apply.addEventListener('click', () => this.#apply());
    const off = element('button', 'Off');
    off.type = 'button';
    off.className = 'ghost';
    off.addEventListener('click', () => this.#off());
    this.#status = element('p', conditionerStatus(undefined), 'muted');
    this.element.append(table, apply, off, this.#status);
  }

  /**
   * Shows what the session's client has in force, once per client: the conditions belong to the client,
   * and a new one (connecting again) starts with none, which the form must not go on calling "On". The
   * same client is left alone, so fields being edited are not overwritten.
   */
  refresh(): void {
    const client = this.#client();
    if (!client || client === this.#shownFor) return;
    this.#shownFor = client;
    for (const [key, value] of conditionerFields(client.conditions)) {
      const input = this.#inputs.get(key);
      if (input) input.value = String(value);
    }
    this.#status.textContent = conditionerStatus(client.conditions);
  }

  #apply(): void {
    const settings: ConditionerSettings = {};
    for (const channel of CHANNELS) {
      const delayMs = this.#number(`${channel}.delay`);
      const jitterMs = this.#number(`${channel}.jitter`);
      const lossRate = this.#number(`${channel}.loss`) / 100;
      if (delayMs === 0 && jitterMs === 0 && lossRate === 0) continue;
      settings[channel] = { delayMs, jitterMs, lossRate };
    }
    if (Object.keys(settings).length === 0) {
      this.#off();
      return;
    }
    const client = this.#client();
    if (!client) {
      // Said until a client is back: then the next refresh shows what that one has in force.
      this.#shownFor = undefined;
      this.#status.textContent = 'Not connected.';
      return;
    }
    this.#shownFor = client;
    try {
      client.setConditions(settings);
      this.#status.textContent = conditionerStatus(client.conditions);
    } catch (error) {
      this.#status.textContent = error instanceof Error ? error.message : String(error);
    }
  }

  #off(): void {
    const client = this.#client();
    if (client) this.#shownFor = client;
    client?.setConditions(undefined);
    this.#status.textContent = conditionerStatus(undefined);
  }

  /** A field's value, clamped to its range (an empty or bad field counts as 0). */
  #number(key: string): number {
    const input = this.#inputs.get(key);
    const value = Number(input?.value);
    if (!input || !Number.isFinite(value)) return 0;
    return Math.min(Number(input.max), Math.max(0, value));
  }
}
