import type { IncomingMessage } from 'node:http';
import parseRange from 'range-parser';

/** Which bytes of a file to send (inclusive), all of them, or none that exist (416). */
export type RequestedPart = { start: number; end: number } | 'whole' | 'unsatisfiable';

/**
 * The part of a file of `size` bytes that `req` asks for with `Range` (RFC 9110, 14.2): what media
 * elements send to seek, and Safari sends before it plays any audio or video at all. One range only: a
 * request for several (rare, and answered as multipart) gets the whole file, as HTTP allows. So does a
 * range of another unit, a malformed one, or one whose `If-Range` names another version of the file than
 * `lastModified` (its part would be stitched to bytes of the old one).
 */
export function requestedPart(req: IncomingMessage, size: number, lastModified: string): RequestedPart {
  const header = req.headers.range;
  if (header === undefined) return 'whole';
  const ifRange = req.headers['if-range'];
  if (ifRange !== undefined && ifRange !== lastModified) return 'whole';
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return 'whole';
  const range = ranges[0] as parseRange.Range;
  return { start: range.start, end: range.end };
}

/**
 * Whether the copy `req` holds (`If-Modified-Since`) is still the file last modified at `modifiedMs`:
 * then 304 and no body. HTTP dates have whole seconds, so the file's time is compared in them.
 */
export function notModifiedSince(req: IncomingMessage, modifiedMs: number): boolean {
  const header = req.headers['if-modified-since'];
  if (header === undefined || req.headers['if-none-match'] !== undefined) return false;
  const since = Date.parse(header);
  return Number.isFinite(since) && Math.floor(modifiedMs / 1_000) * 1_000 <= since;
}
