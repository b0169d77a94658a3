/** Tolerances of one comparison: normalized MSE bound plus elementwise `atol + rtol*|ref|`. */
export interface Tolerance {
  readonly nmse: number;
  readonly atol: number;
  readonly rtol: number;
}

/** f32 ops against a float64 reference (ggml's test-backend-ops uses nmse 1e-7 for f32). */
export const F32_TOLERANCE: Tolerance = { nmse: 1e-7, atol: 1e-4, rtol: 1e-3 };

/** Results summed in an f16 accumulator (attention over an f16 cache): f16 has 11 bits of mantissa. */
export const F16_ACCUMULATION_TOLERANCE: Tolerance = { nmse: 1e-5, atol: 5e-3, rtol: 1e-2 };

/** The outcome of {@link compare}: `ok` plus the worst numbers, for a readable failure. */
export interface Comparison {
  readonly ok: boolean;
  readonly nmse: number;
  readonly worstIndex: number;
  readonly worstActual: number;
  readonly worstExpected: number;
}

/** Normalized mean squared error `Σ(a-r)² / Σr²` (0 when both are all zero). */
export function nmse(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let err = 0;
  let ref = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = actual[i]! - expected[i]!;
    err += d * d;
    ref += expected[i]! * expected[i]!;
  }
  return ref === 0 ? err : err / ref;
}

/** Compares two arrays by NMSE and elementwise tolerance; lengths must match. */
export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = F32_TOLERANCE): Comparison {
  if (actual.length !== expected.length) return { ok: false, nmse: Infinity, worstIndex: -1, worstActual: actual.length, worstExpected: expected.length };
  let worstIndex = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - (tol.atol + tol.rtol * Math.abs(expected[i]!));
    if (!(excess <= worstExcess)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worstIndex = i;
    }
  }
  const e = nmse(actual, expected);
  return {
    ok: worstIndex === -1 && e <= tol.nmse,
    nmse: e,
    worstIndex,
    worstActual: worstIndex >= 0 ? actual[worstIndex]! : NaN,
    worstExpected: worstIndex >= 0 ? expected[worstIndex]! : NaN,
  };
}
