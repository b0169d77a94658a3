// Q4_0 and Q4_K matmuls over weights interleaved by four rows and four-byte words.
//
// Shapes as in matmul.ts: x [m, k] activations quantized to Q8_0 (Q4_0) or
// Q8_K (Q4_K) blocks, w [n, k], out [m, n] f32, output columns j0 <= j < j1.
//
// Layout (repackWords4): in each group of four weight rows, block b of the
// four rows is stored as their block headers one after another (Q4_0's f16
// scales; Q4_K has none), then their bytes interleaved by four-byte words:
// word v of row r at (4v + r)·4 (all 144 bytes of a Q4_K block, so its scales
// too load four rows at a time).
// One 16-byte load then holds the same four quant bytes of each row, so a
// relaxed dot against four activation bytes splatted across the vector leaves
// every row's products in its own lanes (rowPairs32): no horizontal sums, and
// each activation load serves four weight rows.
//
// Loop order: a tile of activation rows (ROW_TILE), then a group of four
// weight rows, then block, then every row of the tile. A block's nibbles are
// unpacked once for all those rows; each output's f32 chain (Q4_K: two) waits
// between blocks in this thread's scratch, so the chains advance in
// llama.cpp's order while the unpacking is shared. Activations are
// block-major (quantize.ts): block b of every row side by side.
// docs/adr/0007-wasm-prefill-layout.md has the reasons.

import { halfBitsToF32, loadF16x4 } from './half';
import { threadScratch } from './thread';
import { chainStep, dot16Unsigned, fma4, half, hsumI32, rowPairs32 } from './simd';


/**
 * Activation rows a kernel call runs each weight group against before the
 * next group: their quants (32 · k bytes) stay in the core's cache while the
 * thread's weight groups pass, instead of every group streaming all m rows
 * in again from the shared cache (which two threads then contend for).
 * A multiple of four, so Q4_K's groups of four rows stay whole.
 */
const ROW_TILE = 32;

/** Zeroes `count` vectors from `at`. */
@inline function zeroVectors(at: usize, count: i32): void {
  for (let i = 0; i < count; i++) v128.store(at + (<usize>i << 4), f32x4.splat(0));
}

/**
 * Rewrites weights `w` [n, blocks of header + payload bytes] in place into
 * (unpack = false) or back out of (true) the layout above. Rows past the last
 * whole group of four keep GGUF's layout. `tmp` has room for four rows.
 */
export function repackWords4(w: usize, n: i32, blocks: i32, header: i32, payload: i32, tmp: usize, unpack: bool): void {
  const blockBytes = <usize>(header + payload);
  const rowBytes = <usize>blocks * blockBytes;
  const headerBytes = <usize>header;
  for (let j = 0; j + 4 <= n; j += 4) {
    const group = w + <usize>j * rowBytes;
    memory.copy(tmp, group, 4 * rowBytes);
    for (let b: usize = 0; b < <usize>blocks; b++) {
      const packed = b * 4 * blockBytes;
      for (let r: usize = 0; r < 4; r++) {
        const standard = r * rowBytes + b * blockBytes;
        const packedHeader = packed + r * headerBytes;
        if (unpack) memory.copy(group + standard, tmp + packedHeader, headerBytes);
        else memory.copy(group + packedHeader, tmp + standard, headerBytes);
        for (let v: usize = 0; v < <usize>(payload >> 2); v++) {
          const plain = standard + headerBytes + (v << 2);
          const interleaved = packed + 4 * headerBytes + ((v << 2) + r) * 4;
          if (unpack) store<u32>(group + plain, load<u32>(tmp + interleaved));
          else store<u32>(group + interleaved, load<u32>(tmp + plain));
        }
      }
    }
  }
}

/**
 * out = x · wᵀ with Q4_0 weights (18-byte blocks: f16 d, 16 bytes of nibbles,
 * the low ones elements 0..15, value q - 8), repacked by {@link repackWords4},
 * against block-major Q8_0 activations. Nibbles stay unsigned (0..15) for the
 * relaxed dot; the offset of 8 comes back as 8 · (the block's activation sum,
 * `xs`). `chains` is scratch of 16 · m bytes per thread.
 */
export function matmulQ4_0(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, chains: usize, j0: i32, j1: i32): void {
  const mine = threadScratch(chains, <usize>m << 4);
  for (let i0 = 0; i0 < m; i0 += ROW_TILE) {
    const rows = min(ROW_TILE, m - i0);
    let j = j0;
    for (; j + 4 <= j1; j += 4) q4_0Group(xq, xd, xs, w, out, m, i0, rows, k, n, j, mine);
    for (; j < j1; j++) for (let i = i0; i < i0 + rows; i++) q4_0Single(xq, xd, xs, w, out, m, i, j, k, n, f16);
  }
}

/**
 * Output columns j .. j+3 for activation rows i0 .. i0+rows-1 (of m): weight
 * rows j .. j+3 lie interleaved. Each block's nibbles are unpacked once for
 * all the rows, whose f32 chains wait side by side at `chains` (rows × f32x4;
 * kept in `out`, n floats apart, every row would fall in the same few cache
 * sets when n is a power of two) and go to `out` at the end.
 */
function q4_0Group(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, i0: i32, rows: i32, k: i32, n: i32, j: i32, chains: usize): void {
  const blocks = k >> 5;
  const low = i8x16.splat(0x0f);
  zeroVectors(chains, rows);
  // a single activation row (decode) keeps its chain in a register
  let single = f32x4.splat(0);
  let wb = w + <usize>j * <usize>blocks * 18;
  for (let b = 0; b < blocks; b++, wb += 72) {
    const dw = loadF16x4(wb);
    const p0 = v128.load(wb, 8);
    const p1 = v128.load(wb, 24);
    const p2 = v128.load(wb, 40);
    const p3 = v128.load(wb, 56);
    // low nibbles: elements 4v..4v+3 of each row; high nibbles: 16 + 4v..
    const c0 = v128.and(p0, low);
    const c1 = v128.and(p1, low);
    const c2 = v128.and(p2, low);
    const c3 = v128.and(p3, low);
    const c4 = nibbles(p0, true, low);
    const c5 = nibbles(p1, true, low);
    const c6 = nibbles(p2, true, low);
    const c7 = nibbles(p3, true, low);
    // block b of every activation row, side by side (block-major); this call's rows from i0
    const unit = <usize>b * <usize>m + <usize>i0;
    let xb = xq + (unit << 5);
    let at = unit << 2;
    if (rows == 1) {
      single = fma4(f32x4.convert_i32x4_s(q4_0Ints(xb, xs + at, c0, c1, c2, c3, c4, c5, c6, c7)), q4_0Scale(dw, xd + at), single);
      continue;
    }
    let o = chains;
    let i = 0;
    // two activation rows a step: fewer loop overheads around the shared weight vectors
    for (; i + 2 <= rows; i += 2) {
      chainStep(o, q4_0Ints(xb, xs + at, c0, c1, c2, c3, c4, c5, c6, c7), q4_0Scale(dw, xd + at));
      chainStep(o + 16, q4_0Ints(xb + 32, xs + at + 4, c0, c1, c2, c3, c4, c5, c6, c7), q4_0Scale(dw, xd + at + 4));
      xb += 64;
      at += 8;
      o += 32;
    }
    if (i < rows) chainStep(o, q4_0Ints(xb, xs + at, c0, c1, c2, c3, c4, c5, c6, c7), q4_0Scale(dw, xd + at));
  }
  const first = out + ((<usize>i0 * <usize>n + <usize>j) << 2);
  if (rows == 1) v128.store(first, single);
  else for (let i = 0; i < rows; i++) v128.store(first + <usize>i * (<usize>n << 2), v128.load(chains + (<usize>i << 4)));
}

/** One activation row's block products with four weight rows (quants at `xb`, block sum at `sum`): Σ (q - 8) · x in four i32 lanes. */
@inline function q4_0Ints(xb: usize, sum: usize, c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128): v128 {
  return i32x4.sub(i32x4.extadd_pairwise_i16x8_s(rowPairs32(xb, c0, c1, c2, c3, c4, c5, c6, c7)), i32x4.shl(v128.load32_splat(sum), 3));
}

/** dw · dx, rounded before the fused step as llama.cpp's repacked Q4_0 kernels round: the rows' scales `dw`, the activation block's at `scale`. */
@inline function q4_0Scale(dw: v128, scale: usize): v128 {
  return f32x4.mul(dw, v128.load32_splat(scale));
}

/** i32 lanes summing to Σ nibble · x over one Q4_0 block in GGUF's layout: nibble bytes `p`, activations at `xb`. */
@inline function dotNibbles(p: v128, xb: usize): v128 {
  const low = i8x16.splat(0x0f);
  return i32x4.extadd_pairwise_i16x8_s(i16x8.add(dot16Unsigned(v128.and(p, low), v128.load(xb)), dot16Unsigned(nibbles(p, true, low), v128.load(xb, 16))));
}

/** out[i, j] alone: the rows left over when n is not a multiple of four (in GGUF's layout). */
function q4_0Single(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, i: i32, j: i32, k: i32, n: i32, f16: usize): void {
  const blocks = k >> 5;
  const wr = w + <usize>j * <usize>blocks * 18;
  let s: f32 = 0;
  for (let b = 0; b < blocks; b++) {
    const wb = wr + <usize>b * 18;
    const unit = <usize>b * <usize>m + <usize>i;
    const sum = hsumI32(dotNibbles(v128.load(wb, 2), xq + (unit << 5))) - (load<i32>(xs + (unit << 2)) << 3);
    s += <f32>sum * (half(f16, wb) * load<f32>(xd + (unit << 2)));
  }
  store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
}

/**
 * The 6-bit scales (bytes 0..7) and mins (bytes 8..15) of a Q4_K block's
 * eight sub-blocks, unpacked from its 12 packed bytes at `s` all at once
 * (ggml's get_scale_min_k4 for every j).
 */
@inline export function q4KScalesMins(s: usize): v128 {
  const a = load<u32>(s);
  const b = load<u32>(s + 4);
  const c = load<u32>(s + 8);
  let v = i32x4.splat(a & 0x3f3f3f3f);
  v = i32x4.replace_lane(v, 1, (c & 0x0f0f0f0f) | (((a >> 6) & 0x03030303) << 4));
  v = i32x4.replace_lane(v, 2, b & 0x3f3f3f3f);
  return i32x4.replace_lane(v, 3, ((c >> 4) & 0x0f0f0f0f) | (((b >> 6) & 0x03030303) << 4));
}

// The scales and mins of block b of a group of four Q4_K rows, from
// q4KGroupScales: byte 4r + s of `scalesLow` is row r's scale of sub-block s
// (s = 0..3; `scalesHigh` s = 4..7), likewise the mins. (Globals: an
// AssemblyScript function returns one value.)
let scalesLow: v128 = i32x4.splat(0);
let scalesHigh: v128 = i32x4.splat(0);
let minsLow: v128 = i32x4.splat(0);
let minsHigh: v128 = i32x4.splat(0);

/**
 * Unpacks the 6-bit scales and mins of the four Q4_K rows whose 12 packed
 * bytes lie interleaved by words at `wb` (vectors 1..3 of the block: lane r
 * holds row r's word) into the globals above: ggml's get_scale_min_k4 for
 * every sub-block of every row at once.
 */
@inline function q4KGroupScales(wb: usize): void {
  const a = v128.load(wb, 16);
  const b = v128.load(wb, 32);
  const c = v128.load(wb, 48);
  const bits6 = i8x16.splat(0x3f);
  const bits4 = i8x16.splat(0x0f);
  const bits2 = i8x16.splat(0x03);
  scalesLow = v128.and(a, bits6);
  minsLow = v128.and(b, bits6);
  scalesHigh = v128.or(v128.and(c, bits4), i32x4.shl(v128.and(i32x4.shr_u(a, 6), bits2), 4));
  minsHigh = v128.or(v128.and(i32x4.shr_u(c, 4), bits4), i32x4.shl(v128.and(i32x4.shr_u(b, 6), bits2), 4));
}

/** Swizzle masks: sub-block s's (mod 4) byte of each row, zero-extended to i16 and doubled — the multiplier of rowPairs32's lanes 2r, 2r+1. */
const DOUBLED_0: v128 = i8x16(0, -128, 0, -128, 4, -128, 4, -128, 8, -128, 8, -128, 12, -128, 12, -128);
const DOUBLED_1: v128 = i8x16(1, -128, 1, -128, 5, -128, 5, -128, 9, -128, 9, -128, 13, -128, 13, -128);
const DOUBLED_2: v128 = i8x16(2, -128, 2, -128, 6, -128, 6, -128, 10, -128, 10, -128, 14, -128, 14, -128);
const DOUBLED_3: v128 = i8x16(3, -128, 3, -128, 7, -128, 7, -128, 11, -128, 11, -128, 15, -128, 15, -128);
/** Swizzle masks: the mins of sub-blocks t, t + 1 (t = 0 or 2, mod 4) of row r as i16 lanes 2r, 2r+1. */
const PAIRED_0: v128 = i8x16(0, -128, 1, -128, 4, -128, 5, -128, 8, -128, 9, -128, 12, -128, 13, -128);
const PAIRED_2: v128 = i8x16(2, -128, 3, -128, 6, -128, 7, -128, 10, -128, 11, -128, 14, -128, 15, -128);

/**
 * The per-64 integers of a Q4_K group for one activation row: lane r is
 * row r's Σ scale · q · x over sub-blocks 2c and 2c + 1, whose activations
 * start at `x`. `l0`..`l7` / `h0`..`h7` are the chunk's unpacked low / high
 * nibbles, `scaleA` / `scaleB` the doubled scales of the two sub-blocks.
 */
@inline function q4KChunkInts(x: usize, l0: v128, l1: v128, l2: v128, l3: v128, l4: v128, l5: v128, l6: v128, l7: v128, h0: v128, h1: v128, h2: v128, h3: v128, h4: v128, h5: v128, h6: v128, h7: v128, scaleA: v128, scaleB: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(rowPairs32(x, l0, l1, l2, l3, l4, l5, l6, l7), scaleA), i32x4.dot_i16x8_s(rowPairs32(x + 32, h0, h1, h2, h3, h4, h5, h6, h7), scaleB));
}

/**
 * The mins' integers for sub-blocks 2c, 2c + 1 and one activation row: lane r
 * is min_2c · sum_2c + min_2c+1 · sum_2c+1 for row r, with the activation's
 * four per-16 sums at `sums` (each per-32 sum fits i16: at most 32 · 127).
 */
@inline function q4KMinInts(paired: v128, sums: usize): v128 {
  const a = load<i32>(sums) + load<i32>(sums, 4);
  const b = load<i32>(sums, 8) + load<i32>(sums, 12);
  return i32x4.dot_i16x8_s(paired, i32x4.splat((a & 0xffff) | (b << 16)));
}

/**
 * out = x · wᵀ with Q4_K weights (144-byte blocks of 256: f16 d, f16 dmin,
 * 12 scale bytes, 128 nibble bytes), repacked by {@link repackWords4} with the
 * whole block interleaved by words, against block-major Q8_K activations.
 * Rounded as llama.cpp's repacked Q4_K kernels round: integer sums against
 * the scales and against the mins go into two f32 chains with fused
 * multiply-adds, subtracted at the end; activation rows in whole groups of
 * four add to the chains once per 64 elements (its four-row
 * ggml_gemm_q4_K_8x8_q8_K), the rest once per block (ggml_gemv). `chains` is
 * scratch of 32 · m bytes per thread.
 */
export function matmulQ4_K(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, chains: usize, j0: i32, j1: i32): void {
  const mine = threadScratch(chains, <usize>m << 5);
  for (let i0 = 0; i0 < m; i0 += ROW_TILE) {
    // tiles start at multiples of four: rows past the last whole group of four of all m are a tile's last rows
    const rows = min(ROW_TILE, m - i0);
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      if (rows >= 4) q4KGroup(xq, xd, xs, w, out, m, i0, rows, k, n, j, mine);
      else for (let i = i0; i < m; i++) q4KRow(xq, xd, xs, w, out, m, i, k, n, j);
    }
    for (; j < j1; j++) for (let i = i0; i < i0 + rows; i++) q4KSingle(xq, xd, xs, w, out, m, i, j, k, n, f16);
  }
}

/** The f32 d (low half) and dmin (high half) of four rows, from the block's vector 0 of f16 pairs. */
@inline function q4KScale(dm: v128, high: bool): v128 {
  return halfBitsToF32(high ? i32x4.shr_u(dm, 16) : v128.and(dm, i32x4.splat(0xffff)));
}

/** Swizzle masks of chunk c (sub-blocks 2c, 2c + 1): the two doubled scales (`second` picks 2c + 1), or the paired mins. */
@inline function chunkScales(c: i32, second: bool): v128 {
  return i8x16.swizzle(c < 2 ? scalesLow : scalesHigh, (c & 1) != 0 ? (second ? DOUBLED_3 : DOUBLED_2) : second ? DOUBLED_1 : DOUBLED_0);
}
@inline function chunkMins(c: i32): v128 {
  return i8x16.swizzle(c < 2 ? minsLow : minsHigh, (c & 1) != 0 ? PAIRED_2 : PAIRED_0);
}

/**
 * Output columns j .. j+3 (weight rows j .. j+3, interleaved) for activation
 * rows i0 .. i0+rows-1 of m (rows >= 4, i0 a multiple of four). Each chunk's
 * nibbles are unpacked once for all the rows; their two f32 chains wait side
 * by side at `chains` (rows × f32x4 for the scales, then rows × f32x4 for the
 * mins) and go to `out` at the end.
 */
function q4KGroup(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, i0: i32, rows: i32, k: i32, n: i32, j: i32, chains: usize): void {
  const blocks = k >> 8;
  const grouped = rows - (rows & 3);
  const minChains = chains + (<usize>rows << 4);
  const low = i8x16.splat(0x0f);
  zeroVectors(chains, 2 * rows);
  let wb = w + <usize>j * <usize>blocks * 144;
  for (let b = 0; b < blocks; b++, wb += 576) {
    const dm = v128.load(wb);
    const d = q4KScale(dm, false);
    const dmin = q4KScale(dm, true);
    q4KGroupScales(wb);
    // block b of every activation row, side by side (block-major); this call's rows from i0
    const unit = <usize>b * <usize>m + <usize>i0;
    // the rows past the last group of four sum a whole block before their one step per chain
    let tail0 = i32x4.splat(0), tail1 = tail0, tail2 = tail0, tailMin0 = tail0, tailMin1 = tail0, tailMin2 = tail0;
    for (let c = 0; c < 4; c++) {
      const quants = wb + 64 + (<usize>c << 7);
      const p0 = v128.load(quants);
      const p1 = v128.load(quants, 16);
      const p2 = v128.load(quants, 32);
      const p3 = v128.load(quants, 48);
      const p4 = v128.load(quants, 64);
      const p5 = v128.load(quants, 80);
      const p6 = v128.load(quants, 96);
      const p7 = v128.load(quants, 112);
      // low nibbles: sub-block 2c; high: 2c + 1
      const l0 = v128.and(p0, low), l1 = v128.and(p1, low), l2 = v128.and(p2, low), l3 = v128.and(p3, low);
      const l4 = v128.and(p4, low), l5 = v128.and(p5, low), l6 = v128.and(p6, low), l7 = v128.and(p7, low);
      const h0 = nibbles(p0, true, low), h1 = nibbles(p1, true, low), h2 = nibbles(p2, true, low), h3 = nibbles(p3, true, low);
      const h4 = nibbles(p4, true, low), h5 = nibbles(p5, true, low), h6 = nibbles(p6, true, low), h7 = nibbles(p7, true, low);
      const scaleA = chunkScales(c, false);
      const scaleB = chunkScales(c, true);
      const paired = chunkMins(c);
      let x = xq + (unit << 8) + (<usize>c << 6);
      let sums = xs + (unit << 6) + (<usize>c << 4);
      let dy = xd + (unit << 2);
      let o = chains;
      for (let i = 0; i < grouped; i++) {
        const dyi = f32x4.splat(load<f32>(dy));
        chainStep(o, q4KChunkInts(x, l0, l1, l2, l3, l4, l5, l6, l7, h0, h1, h2, h3, h4, h5, h6, h7, scaleA, scaleB), f32x4.mul(d, dyi));
        chainStep(o + (<usize>rows << 4), q4KMinInts(paired, sums), f32x4.mul(dmin, dyi));
        x += 256;
        sums += 64;
        dy += 4;
        o += 16;
      }
      // (the weight vectors are used again after the loop, which also keeps V8 from recomputing them inside it)
      if (grouped < rows) {
        tail0 = i32x4.add(tail0, q4KChunkInts(x, l0, l1, l2, l3, l4, l5, l6, l7, h0, h1, h2, h3, h4, h5, h6, h7, scaleA, scaleB));
        tailMin0 = i32x4.add(tailMin0, q4KMinInts(paired, sums));
      }
      if (grouped + 1 < rows) {
        tail1 = i32x4.add(tail1, q4KChunkInts(x + 256, l0, l1, l2, l3, l4, l5, l6, l7, h0, h1, h2, h3, h4, h5, h6, h7, scaleA, scaleB));
        tailMin1 = i32x4.add(tailMin1, q4KMinInts(paired, sums + 64));
      }
      if (grouped + 2 < rows) {
        tail2 = i32x4.add(tail2, q4KChunkInts(x + 512, l0, l1, l2, l3, l4, l5, l6, l7, h0, h1, h2, h3, h4, h5, h6, h7, scaleA, scaleB));
        tailMin2 = i32x4.add(tailMin2, q4KMinInts(paired, sums + 128));
      }
    }
    for (let i = grouped; i < rows; i++) {
      const t = i - grouped;
      const dyi = f32x4.splat(load<f32>(xd + ((unit + <usize>i) << 2)));
      const at = <usize>i << 4;
      chainStep(chains + at, t == 0 ? tail0 : t == 1 ? tail1 : tail2, f32x4.mul(d, dyi));
      chainStep(minChains + at, t == 0 ? tailMin0 : t == 1 ? tailMin1 : tailMin2, f32x4.mul(dmin, dyi));
    }
  }
  const first = out + ((<usize>i0 * <usize>n + <usize>j) << 2);
  for (let i = 0; i < rows; i++) v128.store(first + <usize>i * (<usize>n << 2), f32x4.sub(v128.load(chains + (<usize>i << 4)), v128.load(minChains + (<usize>i << 4))));
}

/**
 * out[i, j .. j+3] for one of m < 4 activation rows (decode): llama.cpp's
 * one-row kernel, one step of each chain per block, the chains in registers.
 */
function q4KRow(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, i: i32, k: i32, n: i32, j: i32): void {
  const blocks = k >> 8;
  let sums = f32x4.splat(0);
  let minsChain = f32x4.splat(0);
  let wb = w + <usize>j * <usize>blocks * 144;
  for (let b = 0; b < blocks; b++, wb += 576) {
    const unit = <usize>b * <usize>m + <usize>i;
    q4KGroupScales(wb);
    let ints = i32x4.splat(0);
    let minInts = ints;
    for (let c = 0; c < 4; c++) {
      ints = i32x4.add(ints, q4KChunkPacked(wb + 64 + (<usize>c << 7), xq + (unit << 8) + (<usize>c << 6), chunkScales(c, false), chunkScales(c, true)));
      minInts = i32x4.add(minInts, q4KMinInts(chunkMins(c), xs + (unit << 6) + (<usize>c << 4)));
    }
    const dm = v128.load(wb);
    const dy = f32x4.splat(load<f32>(xd + (unit << 2)));
    sums = fma4(f32x4.convert_i32x4_s(ints), f32x4.mul(q4KScale(dm, false), dy), sums);
    minsChain = fma4(f32x4.convert_i32x4_s(minInts), f32x4.mul(q4KScale(dm, true), dy), minsChain);
  }
  v128.store(out + ((<usize>i * <usize>n + <usize>j) << 2), f32x4.sub(sums, minsChain));
}

/**
 * One activation row's per-64 integers against a chunk of four Q4_K rows: lane
 * r is row r's Σ scale · q · x over sub-blocks 2c (low nibbles of the 128
 * interleaved bytes at `q`, doubled scales `scaleA`) and 2c + 1 (high,
 * `scaleB`), whose activations start at `x`.
 */
@inline function q4KChunkPacked(q: usize, x: usize, scaleA: v128, scaleB: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(q4KHalf(q, x, false), scaleA), i32x4.dot_i16x8_s(q4KHalf(q, x + 32, true), scaleB));
}

/** rowPairs32 of one activation row (at `x`) and the low or high nibbles of a chunk's 128 interleaved bytes at `q`. */
@inline function q4KHalf(q: usize, x: usize, high: bool): v128 {
  const low = i8x16.splat(0x0f);
  return rowPairs32(
    x,
    nibbles(v128.load(q), high, low),
    nibbles(v128.load(q, 16), high, low),
    nibbles(v128.load(q, 32), high, low),
    nibbles(v128.load(q, 48), high, low),
    nibbles(v128.load(q, 64), high, low),
    nibbles(v128.load(q, 80), high, low),
    nibbles(v128.load(q, 96), high, low),
    nibbles(v128.load(q, 112), high, low),
  );
}

/** The low or high nibbles of the bytes `p`, as bytes. */
@inline function nibbles(p: v128, high: bool, low: v128): v128 {
  return v128.and(high ? i16x8.shr_u(p, 4) : p, low);
}

/** Sub-block j's 6-bit scale (min = false) or min (true) from a Q4_K block's 12 packed bytes at `q` (ggml's get_scale_min_k4). */
@inline function scaleMinK4(q: usize, j: i32, min: bool): i32 {
  const at = <usize>j;
  if (j < 4) return <i32>load<u8>(q + at + (min ? 4 : 0)) & 63;
  const high = <i32>load<u8>(q + at - (min ? 0 : 4)) >> 6;
  const packed = <i32>load<u8>(q + at + 4);
  return (min ? packed >> 4 : packed & 0xf) | (high << 4);
}

/**
 * out[i, j] alone for a Q4_K row left over when n is not a multiple of four
 * (GGUF's layout; llama.cpp does not repack these, and ggml_vec_dot_q4_K_q8_K's
 * order is not reproduced here).
 */
function q4KSingle(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, i: i32, j: i32, k: i32, n: i32, f16: usize): void {
  const blocks = k >> 8;
  const wr = w + <usize>j * <usize>blocks * 144;
  const low = i8x16.splat(0x0f);
  let s: f32 = 0;
  for (let b = 0; b < blocks; b++) {
    const wb = wr + <usize>b * 144;
    const unit = <usize>b * <usize>m + <usize>i;
    const xb = xq + (unit << 8);
    const dy = load<f32>(xd + (unit << 2));
    let sumi = 0;
    for (let c = 0; c < 4; c++) {
      const p0 = v128.load(wb + 16 + (<usize>c << 5));
      const p1 = v128.load(wb + 32 + (<usize>c << 5));
      const y = xb + (<usize>c << 6);
      const lows = i16x8.add(dot16Unsigned(v128.and(p0, low), v128.load(y)), dot16Unsigned(v128.and(p1, low), v128.load(y, 16)));
      const highs = i16x8.add(dot16Unsigned(nibbles(p0, true, low), v128.load(y, 32)), dot16Unsigned(nibbles(p1, true, low), v128.load(y, 48)));
      sumi += hsumI32(i32x4.extadd_pairwise_i16x8_s(lows)) * scaleMinK4(wb + 4, 2 * c, false);
      sumi += hsumI32(i32x4.extadd_pairwise_i16x8_s(highs)) * scaleMinK4(wb + 4, 2 * c + 1, false);
    }
    let summ = 0;
    const sums = xs + (unit << 6);
    for (let s8 = 0; s8 < 8; s8++) summ += scaleMinK4(wb + 4, s8, true) * (load<i32>(sums + (<usize>s8 << 3)) + load<i32>(sums + (<usize>s8 << 3) + 4));
    s += dy * half(f16, wb) * <f32>sumi - dy * half(f16, wb + 2) * <f32>summ;
  }
  store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
}
