/*
 * Sine, cosine and atan2 from + - * / and Math.sqrt only. The engines' own transcendental functions are
 * not specified to the last bit and do differ between V8 and SpiderMonkey, while every IEEE 754 operation
 * used here is correctly rounded and JS never fuses a multiply-add, so these give the same bits everywhere.
 *
 * Accuracy (checked in test/unit/game-sim/trig.test.ts against the engine's functions):
 * - sin, cos: absolute error below 1e-14 for |x| <= 1e4 (range reduction by a Cody-Waite split of π/2,
 *   then Taylor polynomials to degree 15/16 on [-π/4, π/4], whose truncation error is under 1e-16).
 * - atan2: absolute error below 1e-14 everywhere; the result lies in [-π, π].
 */

/** π/2 in two parts: the first has 33 significant bits, so k * HALF_PI_HI is exact for |k| < 2^20. */
const HALF_PI_HI = 1.5707963267341256;
const HALF_PI_LO = 6.077100506506192e-11;
const INVERSE_HALF_PI = 2 / Math.PI;
const HALF_PI = Math.PI / 2;
const ATAN_TERMS = 10;

// Taylor coefficients (-1)^n / (2n+1)! and (-1)^n / (2n)!, as decimal literals so no engine computes them.
const S3 = -1 / 6;
const S5 = 1 / 120;
const S7 = -1 / 5040;
const S9 = 1 / 362880;
const S11 = -1 / 39916800;
const S13 = 1 / 6227020800;
const S15 = -1 / 1307674368000;
const C2 = -1 / 2;
const C4 = 1 / 24;
const C6 = -1 / 720;
const C8 = 1 / 40320;
const C10 = -1 / 3628800;
const C12 = 1 / 479001600;
const C14 = -1 / 87178291200;
const C16 = 1 / 20922789888000;

/** sin on [-π/4, π/4]. */
function sinKernel(r: number): number {
  const r2 = r * r;
  return r + r * r2 * (S3 + r2 * (S5 + r2 * (S7 + r2 * (S9 + r2 * (S11 + r2 * (S13 + r2 * S15))))));
}

/** cos on [-π/4, π/4]. */
function cosKernel(r: number): number {
  const r2 = r * r;
  return 1 + r2 * (C2 + r2 * (C4 + r2 * (C6 + r2 * (C8 + r2 * (C10 + r2 * (C12 + r2 * (C14 + r2 * C16)))))));
}

/** The number of quarter turns nearest to x: x - k·π/2 lies in [-π/4, π/4] (give or take rounding). */
function quarterTurns(x: number): number {
  return Math.round(x * INVERSE_HALF_PI);
}

/** x - k·π/2, with π/2 in two parts so the product's rounding does not eat the remainder's digits. */
function remainder(x: number, k: number): number {
  return x - k * HALF_PI_HI - k * HALF_PI_LO;
}

/** k mod 4 in 0..3, negative k included. */
function quadrant(k: number): number {
  return ((k % 4) + 4) % 4;
}

export function sin(x: number): number {
  const k = quarterTurns(x);
  const r = remainder(x, k);
  switch (quadrant(k)) {
    case 0:
      return sinKernel(r);
    case 1:
      return cosKernel(r);
    case 2:
      return -sinKernel(r);
    default:
      return -cosKernel(r);
  }
}

export function cos(x: number): number {
  const k = quarterTurns(x);
  const r = remainder(x, k);
  switch (quadrant(k)) {
    case 0:
      return cosKernel(r);
    case 1:
      return -sinKernel(r);
    case 2:
      return -cosKernel(r);
    default:
      return sinKernel(r);
  }
}

/**
 * atan on [0, 1]: two argument halvings, atan(t) = 2 atan(t / (1 + sqrt(1 + t²))), bring t under
 * tan(π/16) ≈ 0.199, where the Taylor series to degree 19 is off by less than 3e-15 (times 4 after).
 */
function atanUnit(t: number): number {
  const once = t / (1 + Math.sqrt(1 + t * t));
  const u = once / (1 + Math.sqrt(1 + once * once));
  const u2 = u * u;
  // Horner over the odd-power coefficients (-1)^n / (2n + 1), highest first.
  let series = 0;
  for (let n = ATAN_TERMS - 1; n >= 0; n--) series = series * u2 + (n % 2 === 0 ? 1 : -1) / (2 * n + 1);
  return 4 * u * series;
}

/** The angle of (x, y) from the +x axis, in [-π, π]; atan2(0, 0) is 0. */
export function atan2(y: number, x: number): number {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  if (ax === 0 && ay === 0) return 0;
  let angle = ay <= ax ? atanUnit(ay / ax) : HALF_PI - atanUnit(ax / ay);
  if (x < 0) angle = Math.PI - angle;
  return y < 0 ? -angle : angle;
}
