import { describe, expect, it } from 'vitest';
import { wellFormed, wellFormedJson } from '../../../src/server/registry/well-formed-json.js';

describe('wellFormed', () => {
  it('replaces lone surrogates, high or low, in strings and keys, and keeps pairs', () => {
    const smile = '😀';
    const value = { [`k${smile[0]}`]: [`a${smile[1]}b`, `${smile}`, 1, true, null], plain: 'Café' };
    expect(wellFormed(value)).toEqual({ 'k\uFFFD': ['a\uFFFDb', smile, 1, true, null], plain: 'Café' });
  });

  it('keeps a key named __proto__ a key, as JSON.parse gave it', () => {
    const parsed = JSON.parse('{"__proto__": {"x": "\\ud83d"}, "a": 1}') as object;
    expect(wellFormedJson(parsed)).toBe('{"__proto__":{"x":"\uFFFD"},"a":1}');
  });
});
