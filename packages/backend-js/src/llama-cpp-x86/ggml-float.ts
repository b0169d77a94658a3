/**
 * f32 and f16 arithmetic as llama.cpp's x86 CPU kernels round it: the
 * building blocks the reference kernels use to land on the same values.
 */
import { f16ToF32, f32ToF16 } from '@llamita/tensor';

/** Rounds to f32. */
export const f32 = Math.fround;

/** Every half-precision value as a number, indexed by its bits. */
export const F16_VALUES = Float32Array.from({ length: 65536 }, (_, h) => f16ToF32(h));

/** 2^42 + 1: Veltkamp's splitter that leaves 53 - 42 = 11 significant bits. */
const SPLIT_F16 = 4398046511105;

/**
 * Rounds to the nearest f16 value (ties to even). In f16's normal range the
 * Veltkamp split does it with three float operations; outside it (subnormals,
 * overflow) the exact bit conversion runs.
 */
export function toF16(x: number): number {
  const a = Math.abs(x);
  if (a >= 6.103515625e-5 && a < 65504) {
    const t = x * SPLIT_F16;
    return t - (t - x);
  }
  return f16ToF32(f32ToF16(x));
}

/** fmaf(a, b, c) for f32 a, b, c: the product is exact in f64, so one rounding remains (two, in a case too rare to matter). */
export const fmaF32 = (a: number, b: number, c: number): number => f32(a * b + c);

/** hsum_float_8: lanes 4..7 onto 0..3, then (0 + 2) + (1 + 3), each step rounded to f32. */
export function hsum8(lanes: ArrayLike<number>): number {
  const r0 = f32(lanes[4]! + lanes[0]!);
  const r1 = f32(lanes[5]! + lanes[1]!);
  const r2 = f32(lanes[6]! + lanes[2]!);
  const r3 = f32(lanes[7]! + lanes[3]!);
  return f32(f32(r0 + r2) + f32(r1 + r3));
}

/** The halves of one reduction, reused from call to call (one per output of some matmuls: an array each would be churn). */
const REDUCE_HALVES = new Float64Array(8);

/** _mm512_reduce_add_ps (as GCC expands it) of the 16 values at `v[o]`: halves added lane by lane down to one, each step rounded. */
export function reduceAdd16(v: ArrayLike<number>, o: number): number {
  const t = REDUCE_HALVES;
  for (let l = 0; l < 8; l++) t[l] = f32(v[o + l]! + v[o + l + 8]!);
  for (let l = 0; l < 4; l++) t[l] = f32(t[l]! + t[l + 4]!);
  return f32(f32(t[0]! + t[2]!) + f32(t[1]! + t[3]!));
}

/**
 * e^x as ggml_v_expf computes it (Arm's optimized-routines expf: x = n·ln2 + b,
 * degree-5 polynomial in b, scaled by 2^n; within 1.5 ulp of e^x), step by
 * step in f32 with its fused multiply-adds.
 */
export function ggmlVectorExp(x: number): number {
  // constants are ggml's f32 hex literals (0x1.715476p+0 = log2 e, 0x1.62e4p-1 + 0x1.7f7d1cp-20 = ln 2 in two parts, …)
  const shifter = 12582912; // 0x1.8p23: adding it rounds to an integer
  const n = f32(fmaF32(x, 1.4426950216293335, shifter) - shifter);
  const b = fmaF32(-n, 0.000001428606765330187, fmaF32(-n, 0.693145751953125, x));
  if (Math.abs(n) > 192) return n <= 0 ? 0 : Infinity;
  const u = f32(b * b);
  const j = fmaF32(fmaF32(fmaF32(0.008247390389442444, b, 0.04189976677298546), u, fmaF32(0.16668395698070526, b, 0.4999912679195404)), u, fmaF32(0.9999994039535522, b, 1));
  return f32(j * 2 ** n);
}

/** 2^(i/32) for i in 0..31, each the nearest double (glibc's __exp2f_data table, its exponent field restored). */
const EXPF_POW2: readonly number[] = [
  1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237, 1.0905077326652577, 1.1143867425958924, 1.1387886347566916, 1.1637248587775775, 1.189207115002721, 1.215247359980469,
  1.241857812073484, 1.2690509571917332, 1.2968395546510096, 1.3252366431597413, 1.3542555469368927, 1.383909881963832, 1.4142135623730951, 1.4451808069770467, 1.4768261459394993, 1.5091644275934228,
  1.5422108254079407, 1.5759808451078865, 1.6104903319492543, 1.645755478153965, 1.681792830507429, 1.718619298122478, 1.7562521603732995, 1.7947090750031072, 1.8340080864093424, 1.8741676341103,
  1.9152065613971474, 1.9571441241754002,
];
/** 32 / ln 2, and the cubic's coefficients scaled by 1/32 per power (0x1.c6af84b912394p-5, 0x1.ebfce50fac4f3p-3, 0x1.62e42ff0c52d6p-1). */
const EXPF_INV_LN2_N = 46.16624130844683;
const [EXPF_C0, EXPF_C1, EXPF_C2] = [1.6938359250920212e-6, 0.00023459809789509004, 0.021660849396613134];
/** 1.5 · 2^52: adding it rounds a double to an integer, ties to even. */
const EXPF_SHIFT = 6755399441055744;

/**
 * libm's expf as glibc 2.27+ computes it (Arm's optimized-routines
 * algorithm, the one llama.cpp's CPU flash attention and SiLU tail call on
 * Linux): x·32/ln2 = k + r, e^x = 2^(k/32) · (cubic in r), in f64, rounded
 * once to f32. It is not correctly rounded: about 0.07% of results are an ulp
 * from f32(Math.exp(x)), and those flips moved the attention's f16
 * accumulators away from llama.cpp's (docs/adr/0021).
 */
export function expF32(x: number): number {
  if (!(Math.abs(x) < 88)) {
    if (Number.isNaN(x)) return x;
    if (x > 88.72283172607422) return Infinity;
    if (x < -103.972076416015625) return 0;
  }
  const z = EXPF_INV_LN2_N * x;
  const kd = z + EXPF_SHIFT - EXPF_SHIFT;
  const r = z - kd;
  const i = ((kd % 32) + 32) % 32;
  // 2^(k/32) = 2^(i/32) · 2^((k - i)/32): exact, as glibc's exponent-field add
  const s = EXPF_POW2[i]! * 2 ** ((kd - i) / 32);
  const y = (EXPF_C0 * r + EXPF_C1) * (r * r) + (EXPF_C2 * r + 1);
  return f32(y * s);
}
