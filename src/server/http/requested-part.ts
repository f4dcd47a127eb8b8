import type { IncomingMessage } from 'node:http';
import parseRange from 'range-parser';

/** Which bytes of a file to send (inclusive), all of them, or none that exist (416). */
export type RequestedPart = { start: number; end: number } | 'whole' | 'unsatisfiable';

/**
 * The file's entity tag (RFC 9110, 8.8.3): its size and modification time, as nginx's. Browsers send it back
 * in If-None-Match before the date, and it differs for any other version of the file, an older one too: a
 * rolled-back file is older than the copy a browser holds, which If-Modified-Since alone takes for current.
 */
export function entityTag(size: number, modifiedMs: number): string {
  return `"${size.toString(16)}-${Math.floor(modifiedMs).toString(16)}"`;
}

/**
 * The part of a file of `size` bytes that `req` asks for with `Range` (RFC 9110, 14.2): what media
 * elements send to seek, and Safari sends before it plays any audio or video at all. One range only: a
 * request for several (rare, and answered as multipart) gets the whole file, as HTTP allows. So does a
 * range of another unit, a malformed one, or one whose `If-Range` names another version of the file than
 * `lastModified` or `etag` (its part would be stitched to bytes of the old one).
 */
export function requestedPart(
  req: IncomingMessage,
  size: number,
  lastModified: string,
  etag: string,
): RequestedPart {
  const header = req.headers.range;
  if (header === undefined) return 'whole';
  const ifRange = req.headers['if-range'];
  // An entity tag is compared strongly (a weak one never matches), a date exactly.
  if (ifRange !== undefined) {
    if (typeof ifRange !== 'string' || ifRange !== (ifRange.startsWith('"') ? etag : lastModified))
      return 'whole';
  }
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return 'whole';
  const range = ranges[0] as parseRange.Range;
  return { start: range.start, end: range.end };
}

/**
 * Whether the copy `req` holds is still the file whose tag is `etag`, last modified at `modifiedMs`: then
 * 304 and no body. `If-None-Match`, when sent, decides alone (RFC 9110, 13.2.2), compared weakly; else
 * `If-Modified-Since`, in whole seconds as HTTP dates have them.
 */
export function notModified(req: IncomingMessage, etag: string, modifiedMs: number): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch !== undefined) {
    if (noneMatch.trim() === '*') return true;
    return noneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
  }
  const header = req.headers['if-modified-since'];
  if (header === undefined) return false;
  const since = Date.parse(header);
  return Number.isFinite(since) && Math.floor(modifiedMs / 1_000) * 1_000 <= since;
}
