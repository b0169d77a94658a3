// Matrix-vector and matrix-matrix products for the wasm backend, with
// WebAssembly SIMD128. All pointers are byte offsets into the imported memory.
//
// Shapes (outermost first): x [m, k] activations, w [n, k] weights (one row per
// output), out [m, n] f32. Quantized weights keep GGUF's block layout; their
// activations arrive already quantized by the host to Q8_0 blocks (int8
// quants `xq` [m, k] and f32 scales `xd` [m, k/32], the scale rounded to f16
// as llama.cpp stores it), so every block product is an integer dot product.
// `f16` points at a 65,536-entry f32 table of every half-precision value.

/** Sum of the four f32 lanes. */
@inline function hsumF32(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Sum of the four i32 lanes. */
@inline function hsumI32(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/** Dot product of 16 signed bytes with 16 signed bytes, added to four i32 lanes. */
@inline function dot16(acc: v128, a: v128, b: v128): v128 {
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(a), i16x8.extend_low_i8x16_s(b)));
  return i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(a), i16x8.extend_high_i8x16_s(b)));
}

@inline function half(f16: usize, at: usize): f32 {
  return load<f32>(f16 + (<usize>load<u16>(at) << 2));
}

/** out = x · wᵀ with f32 weights (k a multiple of 4 handled by SIMD, the rest by scalar code). */
export function matmulF32(x: usize, w: usize, out: usize, m: i32, k: i32, n: i32): void {
  const k4 = k & ~3;
  for (let j = 0; j < n; j++) {
    const wr = w + (<usize>j * <usize>k << 2);
    for (let i = 0; i < m; i++) {
      const xr = x + (<usize>i * <usize>k << 2);
      let acc = f32x4.splat(0);
      for (let t = 0; t < k4; t += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(xr + (<usize>t << 2)), v128.load(wr + (<usize>t << 2))));
      let s = hsumF32(acc);
      for (let t = k4; t < k; t++) s += load<f32>(xr + (<usize>t << 2)) * load<f32>(wr + (<usize>t << 2));
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}

/**
 * out = x · wᵀ for the 32-element block types against Q8_0 activations:
 * per block an integer dot, scaled into four f32 lanes; one horizontal sum per
 * output; four activation rows at a time share each decoded weight block. `nibbles` selects Q4_0 (18-byte blocks: f16 d, 16 bytes of nibbles,
 * low ones elements 0..15, value q - 8) over Q8_0 (34-byte blocks: f16 d, 32
 * int8). Inlined into each export with constant arguments, so the branch folds away.
 */
@inline function matmulBlocks32(xq: usize, xd: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, blockBytes: usize, nibbles: bool): void {
  const blocks = k >> 5;
  const rowBytes = <usize>blocks * blockBytes;
  for (let j = 0; j < n; j++) {
    const wr = w + <usize>j * rowBytes;
    // activation rows in groups of four share each decoded weight block (blocked prefill); the rest one by one
    let i = 0;
    for (; i + 4 <= m; i += 4) rowGroup(xq, xd, wr, out, i, j, k, n, f16, blockBytes, nibbles, 4);
    for (; i < m; i++) rowGroup(xq, xd, wr, out, i, j, k, n, f16, blockBytes, nibbles, 1);
  }
}

/**
 * Outputs `out[i .. i+rows, j]` for weight row `wr`. `rows` is 1 or 4 and a
 * constant at each (inlined) call site, so the per-row branches fold away.
 */
@inline function rowGroup(xq: usize, xd: usize, wr: usize, out: usize, i: i32, j: i32, k: i32, n: i32, f16: usize, blockBytes: usize, nibbles: bool, rows: i32): void {
  const blocks = k >> 5;
  const xRow = <usize>k;
  const sRow = <usize>blocks << 2;
  const xr = xq + <usize>i * xRow;
  const xs = xd + <usize>i * sRow;
  const low = i8x16.splat(0x0f);
  const eight = i8x16.splat(8);
  let sum0 = f32x4.splat(0);
  let sum1 = f32x4.splat(0);
  let sum2 = f32x4.splat(0);
  let sum3 = f32x4.splat(0);
  for (let b = 0; b < blocks; b++) {
    const wb = wr + <usize>b * blockBytes;
    let first: v128;
    let second: v128;
    if (nibbles) {
      const packed = v128.load(wb + 2);
      first = i8x16.sub(v128.and(packed, low), eight);
      second = i8x16.sub(i8x16.shr_u(packed, 4), eight);
    } else {
      first = v128.load(wb + 2);
      second = v128.load(wb + 18);
    }
    const dw = half(f16, wb);
    const xb = xr + (<usize>b << 5);
    const sb = xs + (<usize>b << 2);
    sum0 = f32x4.add(sum0, blockDot(xb, sb, first, second, dw));
    if (rows > 1) {
      sum1 = f32x4.add(sum1, blockDot(xb + xRow, sb + sRow, first, second, dw));
      sum2 = f32x4.add(sum2, blockDot(xb + 2 * xRow, sb + 2 * sRow, first, second, dw));
      sum3 = f32x4.add(sum3, blockDot(xb + 3 * xRow, sb + 3 * sRow, first, second, dw));
    }
  }
  const o = out + ((<usize>i * <usize>n + <usize>j) << 2);
  const oRow = <usize>n << 2;
  store<f32>(o, hsumF32(sum0));
  if (rows > 1) {
    store<f32>(o + oRow, hsumF32(sum1));
    store<f32>(o + 2 * oRow, hsumF32(sum2));
    store<f32>(o + 3 * oRow, hsumF32(sum3));
  }
}

/** One 32-element block: integer dot of the activation quants at `xb` with the two weight halves, scaled to f32 lanes. */
@inline function blockDot(xb: usize, sb: usize, first: v128, second: v128, dw: f32): v128 {
  let acc = i32x4.splat(0);
  acc = dot16(acc, v128.load(xb), first);
  acc = dot16(acc, v128.load(xb + 16), second);
  return f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.splat(dw * load<f32>(sb)));
}

/** out = x · wᵀ with Q8_0 weights. */
export function matmulQ8_0(xq: usize, xd: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize): void {
  matmulBlocks32(xq, xd, w, out, m, k, n, f16, 34, false);
}

/** out = x · wᵀ with Q4_0 weights. */
export function matmulQ4_0(xq: usize, xd: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize): void {
  matmulBlocks32(xq, xd, w, out, m, k, n, f16, 18, true);
}

// k-quants against Q8_K activations: `xq` int8 [m, k], `xd` f32 [m, k/256]
// (one scale per 256), `xs` i32 [m, k/16] (sums of each 16 quants, for the
// mins). Formulas follow ggml's vec_dot_q4_K_q8_K and vec_dot_q6_K_q8_K.

/** Scale and min of sub-block j of a Q4_K block from its 12 packed bytes (get_scale_min_k4). */
@inline function scaleK4(s: usize, j: i32): i32 {
  return j < 4 ? <i32>(load<u8>(s + j) & 63) : <i32>((load<u8>(s + j + 4) & 0xf) | ((load<u8>(s + j - 4) >> 6) << 4));
}
@inline function minK4(s: usize, j: i32): i32 {
  return j < 4 ? <i32>(load<u8>(s + j + 4) & 63) : <i32>((load<u8>(s + j + 4) >> 4) | ((load<u8>(s + j) >> 6) << 4));
}

/** out = x · wᵀ with Q4_K weights (144-byte blocks of 256: f16 d, f16 dmin, 12 scale bytes, 128 nibble bytes). */
export function matmulQ4_K(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize): void {
  const blocks = k >> 8;
  const rowBytes = <usize>blocks * 144;
  const low = i8x16.splat(0x0f);
  for (let j = 0; j < n; j++) {
    const wr = w + <usize>j * rowBytes;
    for (let i = 0; i < m; i++) {
      let s: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 144;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const sums = xs + ((<usize>i * <usize>(k >> 4) + (<usize>b << 4)) << 2);
        const dy = load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2));
        let sumi = 0;
        let sumMins = 0;
        for (let c = 0; c < 4; c++) {
          // 32 bytes of nibbles: low ones are sub-block 2c, high ones sub-block 2c+1
          const q = wb + 16 + (<usize>c << 5);
          const p0 = v128.load(q);
          const p1 = v128.load(q + 16);
          let a = i32x4.splat(0);
          a = dot16(a, v128.and(p0, low), v128.load(xb + (<usize>c << 6)));
          a = dot16(a, v128.and(p1, low), v128.load(xb + (<usize>c << 6) + 16));
          let h = i32x4.splat(0);
          h = dot16(h, i8x16.shr_u(p0, 4), v128.load(xb + (<usize>c << 6) + 32));
          h = dot16(h, i8x16.shr_u(p1, 4), v128.load(xb + (<usize>c << 6) + 48));
          sumi += scaleK4(wb + 4, 2 * c) * hsumI32(a) + scaleK4(wb + 4, 2 * c + 1) * hsumI32(h);
          const bs0 = load<i32>(sums + (<usize>(4 * c) << 2)) + load<i32>(sums + (<usize>(4 * c + 1) << 2));
          const bs1 = load<i32>(sums + (<usize>(4 * c + 2) << 2)) + load<i32>(sums + (<usize>(4 * c + 3) << 2));
          sumMins += minK4(wb + 4, 2 * c) * bs0 + minK4(wb + 4, 2 * c + 1) * bs1;
        }
        s += dy * half(f16, wb) * <f32>sumi - dy * half(f16, wb + 2) * <f32>sumMins;
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}

/** out = x · wᵀ with Q6_K weights (210-byte blocks: 128 low-nibble bytes, 64 high-bit bytes, 16 int8 scales, f16 d). */
export function matmulQ6_K(xq: usize, xd: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize): void {
  const blocks = k >> 8;
  const rowBytes = <usize>blocks * 210;
  const low = i8x16.splat(0x0f);
  const three = i8x16.splat(3);
  const offset = i8x16.splat(32);
  for (let j = 0; j < n; j++) {
    const wr = w + <usize>j * rowBytes;
    for (let i = 0; i < m; i++) {
      let s: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 210;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const dy = load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2));
        let sumi = 0;
        for (let half128 = 0; half128 < 2; half128++) {
          const ql = wb + (<usize>half128 << 6);
          const qh = wb + 128 + (<usize>half128 << 5);
          const sc = wb + 192 + (<usize>half128 << 3);
          const y = xb + (<usize>half128 << 7);
          for (let l = 0; l < 32; l += 16) {
            const lo0 = v128.load(ql + l);
            const lo1 = v128.load(ql + 32 + l);
            const hi = v128.load(qh + l);
            // four groups of 16 values: element offsets 0, 32, 64, 96 within this half
            const q1 = i8x16.sub(v128.or(v128.and(lo0, low), i8x16.shl(v128.and(hi, three), 4)), offset);
            const q2 = i8x16.sub(v128.or(v128.and(lo1, low), i8x16.shl(v128.and(i8x16.shr_u(hi, 2), three), 4)), offset);
            const q3 = i8x16.sub(v128.or(i8x16.shr_u(lo0, 4), i8x16.shl(v128.and(i8x16.shr_u(hi, 4), three), 4)), offset);
            const q4 = i8x16.sub(v128.or(i8x16.shr_u(lo1, 4), i8x16.shl(i8x16.shr_u(hi, 6), 4)), offset);
            const is = l >> 4;
            sumi += <i32>load<i8>(sc + is) * hsumI32(dot16(i32x4.splat(0), q1, v128.load(y + l)));
            sumi += <i32>load<i8>(sc + is + 2) * hsumI32(dot16(i32x4.splat(0), q2, v128.load(y + 32 + l)));
            sumi += <i32>load<i8>(sc + is + 4) * hsumI32(dot16(i32x4.splat(0), q3, v128.load(y + 64 + l)));
            sumi += <i32>load<i8>(sc + is + 6) * hsumI32(dot16(i32x4.splat(0), q4, v128.load(y + 96 + l)));
          }
        }
        s += dy * half(f16, wb + 208) * <f32>sumi;
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}
