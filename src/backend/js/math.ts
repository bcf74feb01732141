// The pure-TS twin of assembly/math.ts's erf: JavaScript's Math has no erf,
// so this one is float64 to about 1e-15, a reference for the float32 kernel
// (test/backend/erf.test.ts checks it against tabulated values).
//
// |x| < 3: erf x = (2/√π) e^{-x²} Σ_n 2^n x^{2n+1} / (1·3·…·(2n+1)), a series
// of positive terms (no cancellation, unlike the plain Taylor series).
// |x| ≥ 3: erfc x = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
// a continued fraction evaluated from a fixed depth backwards, which keeps
// erfc's small values with full relative precision.

const FRAC_2_SQRT_PI = 1.1283791670955126;
const FRAC_1_SQRT_PI = 0.5641895835477563;
const SERIES_LIMIT = 3;
const FRACTION_DEPTH = 60;

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x, sum = x;
  for (let n = 0; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x2) / (2 * n + 3);
    sum += term;
  }
  return FRAC_2_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) for x ≥ SERIES_LIMIT by the continued fraction. */
function erfcFraction(x: number): number {
  if (x === Infinity) return 0;
  let f = x;
  for (let k = FRACTION_DEPTH; k >= 1; k--) f = x + k / 2 / f;
  return (FRAC_1_SQRT_PI * Math.exp(-x * x)) / f;
}

/** The error function, float64. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < SERIES_LIMIT) return erfSeries(x);
  return x > 0 ? 1 - erfcFraction(x) : erfcFraction(-x) - 1;
}

/** 1 - erf(x), float64, without cancellation for large x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= SERIES_LIMIT) return erfcFraction(x);
  return 1 - erf(x);
}

/** Φ(x), the standard normal CDF, with full relative precision for x ≪ 0. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** φ(x) = e^{-x²/2}/√(2π), the standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) * (FRAC_1_SQRT_PI * Math.SQRT1_2);
}
