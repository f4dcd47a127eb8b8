/** One bot (stand-in player) of the CCU benchmark, as its process holds it. */
export interface Bot {
  /** Whether its server link is direct (always false outside 'ours-link'). */
  direct(): boolean;
  /** A vehikill-net bot that decodes: whether it holds every car of its room (undefined otherwise). */
  holdsRoom?: (() => boolean) | undefined;
  close(): void;
}
