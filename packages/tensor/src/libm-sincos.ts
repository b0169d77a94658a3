// sinf and cosf as glibc 2.28+ computes them (Arm's optimized-routines
// algorithm), which is what ggml's RoPE calls on Linux (ggml_rope_cache_init:
// cosf(theta), sinf(theta)). They are not correctly rounded: about 1.3% of
// results are an ulp from f32(Math.sin(x)), and an ulp in q or k can flip an
// f16 rounding in the attention after it. The argument is reduced to
// [-π/4, π/4] (one multiply-subtract below 120, a 4/π table of 192 bits above),
// then a polynomial in f64, rounded once to f32. Checked bit for bit against
// glibc's own results (libm-sincos.test.ts, tools/glibc-reference/).

const f32 = Math.fround;

/** π/2 and (2/π)·2^24 (the quadrant lands in bits 24..31 of the product). */
const HALF_PI = 1.5707963267948966;
const INV_HALF_PI_SCALED = 10680707.430881744;
/** 2π · 2^-64: one unit of the 2.62 fixed-point remainder, in radians. */
const PI_2_POW_M62 = 3.4061215800865545e-19;
/** Cosine coefficients c0..c4 and sine coefficients s1..s3 (the cosine ones negate past the second quadrant). */
const COS = [1, -0.49999999725108224, 0.041666623324344516, -0.001388676379437604, 2.4390450703564542e-5] as const;
const SIN = [-0.16666654943701084, 0.008332178146138854, -0.00019517298981385725] as const;
/** 4/π in 8 new bits per entry (192 bits in all), so any 3 entries 4 apart are a 96-bit window. */
const INV_PIO4 = [
  0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529, 0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0, 0x34ddc0db,
  0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
] as const;
const SIGNS = [1, -1, -1, 1] as const;

const bits = new DataView(new ArrayBuffer(4));
/** The f32's bits, as an unsigned integer. */
function asUint(x: number): number {
  bits.setFloat32(0, x);
  return bits.getUint32(0);
}
/** The top 12 bits of |x| as an f32 (exponent and the mantissa's top bit), which pick the reduction. */
const top12 = (x: number): number => (asUint(x) >>> 20) & 0x7ff;
const TOP_PI_4 = top12(0.7853981633974483);
const TOP_TINY = top12(2 ** -12);
const TOP_120 = top12(120);
const TOP_INF = top12(Infinity);

/** The polynomial: sine for even n, cosine (negated where `negated`) for odd, in f64. */
function poly(x: number, x2: number, n: number, negated: boolean): number {
  if ((n & 1) === 0) {
    const x3 = x * x2;
    const s1 = SIN[1] + x2 * SIN[2];
    const x7 = x3 * x2;
    return x + x3 * SIN[0] + x7 * s1;
  }
  const g = negated ? -1 : 1;
  const x4 = x2 * x2;
  const c2 = g * COS[3] + x2 * (g * COS[4]);
  const c1 = g * COS[0] + x2 * (g * COS[1]);
  const x6 = x4 * x2;
  return c1 + x4 * (g * COS[2]) + x6 * c2;
}

/** m · a for m < 2^32 and a < 2^32, as its high and low 32-bit words (exact: 16-bit halves keep each partial product under 2^53). */
function mul64(m: number, a: number): [number, number] {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const lo = m * aLo; // < 2^48
  const mid = m * aHi; // < 2^48, weight 2^16
  const low = (lo % 2 ** 32) + (mid % 2 ** 16) * 2 ** 16;
  const high = Math.floor(lo / 2 ** 32) + Math.floor(mid / 2 ** 16) + Math.floor(low / 2 ** 32);
  return [high >>> 0, low >>> 0];
}

/**
 * |x| ≥ 120 reduced modulo π/2 with the 4/π table: the 2.62 fixed-point
 * product of the mantissa and a 96-bit window of 4/π, in 64-bit words.
 * Returns the remainder in radians and the quadrant.
 */
function reduceLarge(xi: number): [number, number] {
  const k = (xi >>> 26) & 15;
  const m = (((xi & 0xffffff) | 0x800000) * 2 ** ((xi >>> 23) & 7)) >>> 0;
  const r0 = Math.imul(m, INV_PIO4[k]!) >>> 0; // the low word of m · arr[0]
  const [r1Hi, r1Lo] = mul64(m, INV_PIO4[k + 4]!);
  const [r2Hi] = mul64(m, INV_PIO4[k + 8]!);
  // (r2 >> 32 | r0 << 32) + r1, modulo 2^64
  const lowSum = r2Hi + r1Lo;
  let lo = lowSum >>> 0;
  let hi = (r0 + r1Hi + Math.floor(lowSum / 2 ** 32)) >>> 0;
  // quadrant: the top two bits after adding 2^61 (rounding); then subtract it back out
  const n = (((hi + 0x20000000) >>> 0) >>> 30) & 3;
  hi = (hi - n * 0x40000000) >>> 0;
  // the 64-bit word as a signed integer, rounded once to f64
  const signedHi = hi >= 2 ** 31 ? hi - 2 ** 32 : hi;
  lo = lo >>> 0;
  return [(signedHi * 2 ** 32 + lo) * PI_2_POW_M62, n];
}

/** sinf (cos = false) or cosf (cos = true) of the f32 `y`. */
function sinCos(y: number, cos: boolean): number {
  const top = top12(y);
  if (top < TOP_PI_4) {
    if (top < TOP_TINY) return cos ? 1 : y;
    return f32(poly(y, y * y, cos ? 1 : 0, false));
  }
  let x: number;
  let n: number;
  let quadrant: number;
  if (top < TOP_120) {
    // n = round(y · 2/π), through the 2^24-scaled product truncated to an int32, as glibc does without round instructions
    n = ((((y * INV_HALF_PI_SCALED) | 0) + 0x800000) | 0) >> 24;
    x = y - n * HALF_PI;
    quadrant = n;
  } else if (top < TOP_INF) {
    const xi = asUint(y);
    [x, n] = reduceLarge(xi);
    quadrant = n + (xi >>> 31);
  } else {
    return NaN;
  }
  const s = SIGNS[quadrant & 3]!;
  return f32(poly(x * s, x * x, cos ? n ^ 1 : n, (quadrant & 2) !== 0));
}

/** sin of an f32, rounded to f32 as glibc's sinf rounds it. */
export const sinF32 = (x: number): number => sinCos(f32(x), false);
/** cos of an f32, rounded to f32 as glibc's cosf rounds it. */
export const cosF32 = (x: number): number => sinCos(f32(x), true);
