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

/** out = x · wᵀ with Q8_0 weights (34-byte blocks: f16 d, 32 int8). */
export function matmulQ8_0(xq: usize, xd: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize): void {
  const blocks = k >> 5;
  const rowBytes = <usize>blocks * 34;
  for (let j = 0; j < n; j++) {
    const wr = w + <usize>j * rowBytes;
    for (let i = 0; i < m; i++) {
      const xr = xq + <usize>i * <usize>k;
      const xs = xd + (<usize>i * <usize>blocks << 2);
      let s: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 34;
        const xb = xr + (<usize>b << 5);
        let acc = i32x4.splat(0);
        acc = dot16(acc, v128.load(xb), v128.load(wb + 2));
        acc = dot16(acc, v128.load(xb + 16), v128.load(wb + 18));
        s += <f32>hsumI32(acc) * (half(f16, wb) * load<f32>(xs + (<usize>b << 2)));
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}

/** out = x · wᵀ with Q4_0 weights (18-byte blocks: f16 d, 16 bytes of nibbles; low nibbles are elements 0..15, value q - 8). */
export function matmulQ4_0(xq: usize, xd: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize): void {
  const blocks = k >> 5;
  const rowBytes = <usize>blocks * 18;
  const low = i8x16.splat(0x0f);
  const eight = i8x16.splat(8);
  for (let j = 0; j < n; j++) {
    const wr = w + <usize>j * rowBytes;
    for (let i = 0; i < m; i++) {
      const xr = xq + <usize>i * <usize>k;
      const xs = xd + (<usize>i * <usize>blocks << 2);
      let s: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 18;
        const xb = xr + (<usize>b << 5);
        const packed = v128.load(wb + 2);
        const lo = i8x16.sub(v128.and(packed, low), eight);
        const hi = i8x16.sub(i8x16.shr_u(packed, 4), eight);
        let acc = i32x4.splat(0);
        acc = dot16(acc, v128.load(xb), lo);
        acc = dot16(acc, v128.load(xb + 16), hi);
        s += <f32>hsumI32(acc) * (half(f16, wb) * load<f32>(xs + (<usize>b << 2)));
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}
