import * as v from 'valibot';

/**
 * What a client says about its device, from whatever its browser exposes (each field only where the
 * browser has it: Node and most desktop browsers give a few, none are required). Nothing here
 * identifies anyone: coarse numbers and flags.
 */
export interface DeviceReport {
  /** The page is hidden (another tab, minimised): no one is watching. */
  hidden?: boolean;
  /** `navigator.hardwareConcurrency`. */
  cores?: number;
  /** `navigator.deviceMemory` (GB, rounded by the browser). */
  memoryGb?: number;
  /** `navigator.connection.effectiveType`. */
  effectiveType?: 'slow-2g' | '2g' | '3g' | '4g';
  /** `navigator.connection.saveData`: the user asked to save data. */
  saveData?: boolean;
  /** Battery level 0..1 and whether it charges (Battery Status API). */
  battery?: { level: number; charging: boolean };
}

/**
 * How the server treats a device: `hidden` pages get the fewest snapshots, `saving` (data saver, or a
 * low battery not charging) few, `low-end` (2 cores or fewer, 2 GB or less, a 3G-or-worse connection)
 * a lower ceiling, `normal` the room's rates.
 */
export type DeviceClass = 'normal' | 'low-end' | 'saving' | 'hidden';

/** A battery below this (not charging) counts as saving power. */
const LOW_BATTERY = 0.2;

export function deviceClassOf(report: DeviceReport | undefined): DeviceClass {
  if (!report) return 'normal';
  if (report.hidden) return 'hidden';
  if (report.saveData || (report.battery && !report.battery.charging && report.battery.level <= LOW_BATTERY))
    return 'saving';
  const slowNet = report.effectiveType !== undefined && report.effectiveType !== '4g';
  if ((report.cores ?? 8) <= 2 || (report.memoryGb ?? 8) <= 2 || slowNet) return 'low-end';
  return 'normal';
}

/** The schema the server checks a report against: bounded numbers, known words, nothing else. */
export const deviceReportSchema = v.strictObject({
  hidden: v.optional(v.boolean()),
  cores: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024))),
  memoryGb: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1024))),
  effectiveType: v.optional(v.picklist(['slow-2g', '2g', '3g', '4g'])),
  saveData: v.optional(v.boolean()),
  battery: v.optional(
    v.strictObject({
      level: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
      charging: v.boolean(),
    }),
  ),
});

/**
 * Control frame type of a device report on a link's control path (after the keepalive's 1..4):
 * `[5, ...UTF-8 JSON]`. Peers that do not know it ignore it.
 */
export const DEVICE_REPORT = 5;
/** Largest device report frame accepted (bytes). */
export const DEVICE_REPORT_MAX_BYTES = 256;

export function encodeDeviceReport(report: DeviceReport): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(JSON.stringify(report));
  const frame = new Uint8Array(json.length + 1);
  frame[0] = DEVICE_REPORT;
  frame.set(json, 1);
  return frame;
}

/** A device report frame from a peer: undefined for anything that is not one or does not validate. */
export function decodeDeviceReport(frame: Uint8Array): DeviceReport | undefined {
  if (frame[0] !== DEVICE_REPORT || frame.length > DEVICE_REPORT_MAX_BYTES) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(1)));
  } catch {
    return undefined;
  }
  const result = v.safeParse(deviceReportSchema, parsed);
  return result.success ? result.output : undefined;
}
