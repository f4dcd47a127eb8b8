/** Bundles `entry` (a path from the repository root) to `outfile` for Node; see bundle-typescript.mjs. */
export function bundleTypeScript(entry: string, outfile: string): Promise<void>;
