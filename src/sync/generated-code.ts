/**
 * Code generation is refused where a page's Content-Security-Policy has no 'unsafe-eval': `new Function`
 * throws an EvalError (and the browser files a CSP violation report). Learned once for every per-type
 * generator, so a strict page sees one refusal, not one per entity type and pass.
 */
let generationRefused = false;

/**
 * `new Function(...parameters, body)`, or undefined where generated code is refused (then and from then
 * on). Any other error (a generator's bug) is thrown. Callers build `body` from their own fixed text,
 * indices, `JSON.stringify`d names and `numberLiteral`s only, so nothing a declaration holds becomes code.
 */
export function compileFunction(
  parameters: readonly string[],
  body: string,
): ((...args: unknown[]) => unknown) | undefined {
  if (generationRefused) return undefined;
  try {
    return new Function(...parameters, body) as (...args: unknown[]) => unknown;
  } catch (error) {
    if (!(error instanceof EvalError)) throw error;
    generationRefused = true;
    return undefined;
  }
}

/**
 * A finite number as source text that evaluates to exactly it (`String` round-trips doubles), in
 * parentheses so a minus sign cannot join the operator before it; -0 keeps its sign. Its characters are
 * digits, `.`, `e`, `+`, `-` and the parentheses, whatever the number came from.
 */
export function numberLiteral(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`not a finite number: ${String(value)}`);
  }
  return Object.is(value, -0) ? '(-0)' : `(${String(value)})`;
}
