import type { ConditionerSettings } from 'vehikill-net/client';

export type ChannelName = 'phys' | 'event' | 'dispatch';
export const CHANNELS: readonly ChannelName[] = ['phys', 'event', 'dispatch'];

/**
 * What the conditioner panel says is in force: read from the client's own `conditions`, so it is true of
 * the client the page has now (a new connection starts with none), not of what the panel last applied.
 */
export function conditionerStatus(settings: ConditionerSettings | undefined): string {
  if (!settings) return 'Off: the real network.';
  const channels = CHANNELS.filter(
    (channel) => settings[channel] || settings.up?.[channel] || settings.down?.[channel],
  );
  const sameEachWay = !settings.up && !settings.down;
  return `On: ${channels.join(', ')}, ${sameEachWay ? 'each way' : 'not the same each way'}.`;
}

/**
 * The panel's fields (`channel.field`: delay and jitter in ms, loss in %) for these conditions, as the
 * panel would have set them; 0 for anything not in force.
 */
export function conditionerFields(settings: ConditionerSettings | undefined): Map<string, number> {
  const fields = new Map<string, number>();
  for (const channel of CHANNELS) {
    const conditions = settings?.[channel];
    fields.set(`${channel}.delay`, conditions?.delayMs ?? 0);
    fields.set(`${channel}.jitter`, conditions?.jitterMs ?? 0);
    fields.set(`${channel}.loss`, Math.round((conditions?.lossRate ?? 0) * 1000) / 10);
  }
  return fields;
}
