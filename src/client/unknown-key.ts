/**
 * A TypeError for a key of `create`'s or `quickPlay`'s request object that it does not take (undefined:
 * none), naming the key and the accepted ones. The room's own options go in its `options` key: a bag of
 * them passed as the whole object (Colyseus's `joinOrCreate('arena', { mode })`) was silently dropped.
 */
export function unknownKey(
  call: string,
  request: unknown,
  accepted: readonly string[],
): TypeError | undefined {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return new TypeError(`${call}: its second argument must be an object ({ ${accepted.join(', ')} })`);
  }
  const unknown = Object.keys(request).filter((key) => !accepted.includes(key));
  if (unknown.length === 0) return undefined;
  const keys = unknown.map((key) => `'${key.slice(0, 32)}'`).join(', ');
  return new TypeError(
    `${call}: unknown key${unknown.length === 1 ? '' : 's'} ${keys} (it takes ${accepted.join(', ')}). The room's own options go in 'options': ${call}(type, { options: { ${unknown.map((key) => key.slice(0, 32)).join(', ')} } })`,
  );
}
