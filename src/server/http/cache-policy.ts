/**
 * A name a bundler gave by content: a hash of 8 or more hex digits (webpack's `[contenthash]`) or uppercase
 * letters and digits (esbuild's `[name]-[hash]`), with a letter and a digit in it, between `.` or `-` and
 * the extension. A name taken for hashed wrongly would be kept a year unchanged, so only these count:
 * another hash style is revalidated, which costs a 304, never a stale file.
 */
const HASHED_NAME = /[.-](?=[0-9A-Za-z]*[0-9])(?=[0-9A-Za-z]*[A-Za-z])(?:[0-9a-f]{8,}|[0-9A-Z]{8,})\.[^./]+$/;

/** A year: what browsers take as "for good". */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The Cache-Control of a static file at `path`. A hashed name changes with its content, so what it names is
 * kept for good. Every other file (index.html, but also main.js and style.css, named the same from build to
 * build) is revalidated on each use (`no-cache`, answered 304 while unchanged): kept for a while instead, a
 * page loaded after a deploy would run the old build's script against the new page and the new server.
 */
export function cacheControlFor(path: string): string {
  return HASHED_NAME.test(path) ? IMMUTABLE : 'no-cache';
}
