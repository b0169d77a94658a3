// libm's expf as glibc 2.27+ computes it (Arm's optimized-routines algorithm):
// what llama.cpp's CPU flash attention and SiLU tail call on Linux, and the
// js backend's expF32 (llama-cpp-x86/ggml-float.ts, tested against glibc's
// own results). x·32/ln2 = k + r; e^x = 2^(k/32) · (cubic in r) in f64,
// rounded once to f32. About 0.07% of its results are an ulp from the
// correctly rounded e^x, which is why Mathf.exp will not do.

/** 2^(i/32), each the nearest double (glibc's __exp2f_data table, exponent field restored). */
const POW2: StaticArray<f64> = [
  1.0, 1.0218971486541166, 1.0442737824274138, 1.0671404006768237, 1.0905077326652577, 1.1143867425958924, 1.1387886347566916, 1.1637248587775775, 1.189207115002721,
  1.215247359980469, 1.241857812073484, 1.2690509571917332, 1.2968395546510096, 1.3252366431597413, 1.3542555469368927, 1.383909881963832, 1.4142135623730951,
  1.4451808069770467, 1.4768261459394993, 1.5091644275934228, 1.5422108254079407, 1.5759808451078865, 1.6104903319492543, 1.645755478153965, 1.681792830507429,
  1.718619298122478, 1.7562521603732995, 1.7947090750031072, 1.8340080864093424, 1.8741676341103, 1.9152065613971474, 1.9571441241754002,
];

/** e^x as glibc's expf: see the file's header. */
export function glibcExpf(x: f32): f32 {
  if (!(Mathf.abs(x) < 88)) {
    if (isNaN(x)) return x;
    if (x > 88.72283172607422) return Infinity;
    if (x < -103.972076416015625) return 0;
  }
  const z = 46.16624130844683 * <f64>x;
  // round to nearest, ties to even: glibc's (z + 0x1.8p52) - 0x1.8p52
  const kd = nearest<f64>(z);
  const r = z - kd;
  const k = <i64>kd;
  const i = <i32>(k & 31);
  // 2^((k - i) / 32) through the exponent bits (|k| < 150 · 32, a normal double)
  const scale = reinterpret<f64>(<u64>(1023 + ((k - i) >> 5)) << 52);
  const s = unchecked(POW2[i]) * scale;
  const y = (1.6938359250920212e-6 * r + 0.00023459809789509004) * (r * r) + (0.021660849396613134 * r + 1);
  return <f32>(y * s);
}
