/**
 * Where a page's main thread spent its time, from a CPU profile (CDP Profiler.stop): each sample's time
 * (to the next sample) is the self time of the sampled function, and that time goes to the function's
 * origin (the networking library, the game, ...). Builtins (JSON.parse, a typed array's set) have no
 * script of their own: their time goes to the nearest caller that has one, so a library's decoding counts
 * as the library's.
 */

export interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, in the script. */
  lineNumber: number;
  /** 0-based, in the script. */
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The parts of a CDP Profiler.Profile read here; times in microseconds. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time (µs) per node id: each sample lasts until the next one, the last until the profile's end. */
export function selfTimes(profile: CpuProfile): Map<number, number> {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const times = new Map<number, number>();
  let at = profile.startTime;
  const stamps = samples.map((_, index) => {
    at += deltas[index] ?? 0;
    return at;
  });
  samples.forEach((id, index) => {
    const next = stamps[index + 1] ?? profile.endTime;
    const duration = Math.max(0, next - (stamps[index] ?? next));
    times.set(id, (times.get(id) ?? 0) + duration);
  });
  return times;
}

/**
 * Self time (µs) per origin. `originOf` names a frame's origin, or undefined for a frame with no script
 * of its own (its time goes to its nearest caller with an origin, else to `orphan`).
 */
export function timeByOrigin<O extends string>(
  profile: CpuProfile,
  originOf: (frame: CallFrame) => O | undefined,
  orphan: O,
): Map<O, number> {
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const resolved = new Map<number, O>();
  const resolve = (id: number): O => {
    const known = resolved.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const own = node ? originOf(node.callFrame) : undefined;
    const parent = parents.get(id);
    const origin = own ?? (parent === undefined ? orphan : resolve(parent));
    resolved.set(id, origin);
    return origin;
  };
  const totals = new Map<O, number>();
  for (const [id, time] of selfTimes(profile)) {
    const origin = resolve(id);
    totals.set(origin, (totals.get(origin) ?? 0) + time);
  }
  return totals;
}
