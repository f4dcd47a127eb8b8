/**
 * The part of the game page's test hook (window.vehikill, game/web/main.ts) the benchmark reads, typed
 * here: tsconfig.build.json compiles bench without game/web, whose global declaration it would need.
 */
export interface PageHook {
  state(): { own?: unknown; others: readonly unknown[] } | undefined;
  frameTimes(): number[];
  frameCount(): number;
}
