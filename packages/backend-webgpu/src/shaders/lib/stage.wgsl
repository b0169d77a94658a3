// Staging x rows in workgroup memory as the dot product sees them: read
// through the prologue's load_x, normalized by a fused RMSNorm, rounded or
// quantized to the weight type's activation blocks (act/<type>.wgsl), the
// integer path's quants packed (lib/int-pack.wgsl's pack_int). matmul.wgsl
// stages its tile's rows a chunk at a time; quantize_x.wgsl stages a row's
// chunk once for every matmul that reads it.
// Needs lib/matmul-threads.wgsl (WG, TM, TM_MAX, UNROLL), lib/matmul-io.wgsl
// (params), the act snippets, a prologue and workgroup_sum (lib/reduce-*.wgsl).

// elements staged at once over all TM rows: KC / TM_MAX is a multiple of
// every block (256); 8 KiB of workgroup memory, plus one pad word per 32
const KC: u32 = 2048u;
// ACT_BLOCK as a divisor: WGSL rejects a constant division by zero even in the untaken branch
const ACT_DIVISOR: u32 = max(ACT_BLOCK, 1u);

// Staged element i lives at i + i / 32: threads that read the same offset of
// consecutive 32-element segments then hit different banks.
var<workgroup> xs: array<f32, KC + KC / 32u>;
var<workgroup> block_scale: array<f32, 64>;
var<workgroup> block_inverse: array<f32, 64>;
var<workgroup> block_raw: array<f32, 64>;
var<workgroup> block_correction: array<f32, 64>;
var<workgroup> row_scale: array<f32, TM_MAX>;

fn slot(i: u32) -> u32 {
  return i + (i >> 5u);
}

fn staged(i: u32) -> f32 {
  return xs[slot(i)];
}

// Stages x[m0 + r, c0 .. c0 + len) into xs[r * chunk ..] for r < TM as the
// dot product sees it; rows past M are zeros (their blocks quantize to zero).
fn stage(m0: u32, chunk: u32, c0: u32, len: u32, lid: u32, first_column: bool) {
  // each row's sum of squares over this thread's elements, for a fused norm
  var squares: array<f32, TM_MAX>;
  // UNROLL loads per thread in flight at once (a constant trip count the compiler unrolls)
  for (var base = 0u; base < TM * len; base += WG * UNROLL) {
    for (var u = 0u; u < UNROLL; u++) {
      let i = base + u * WG + lid;
      if (i < TM * len) {
        let r = i / len;
        let c = i % len;
        var v = 0.0;
        if (m0 + r < params.M) {
          v = load_x((m0 + r) * params.K + c0 + c, first_column);
        }
        // a fused norm rounds after normalizing
        xs[slot(r * chunk + c)] = select(round_act(v), v, NORM);
        squares[r] += v * v;
      }
    }
  }
  workgroupBarrier();
  if (NORM) {
    normalize(m0, chunk, len, lid, first_column, squares);
  }
  // the blocks of row r are r * chunk / ACT_BLOCK + (0 .. len / ACT_BLOCK)
  let row_blocks = len / ACT_DIVISOR;
  let block_stride = chunk / ACT_DIVISOR;
  if (ACT_BLOCK > 0u) {
    for (var i = lid; i < TM * row_blocks; i += WG) {
      let b = (i / row_blocks) * block_stride + i % row_blocks;
      let s = act_block_scales(b * ACT_DIVISOR);
      block_scale[b] = s.x;
      block_inverse[b] = s.y;
      block_raw[b] = s.z;
    }
    workgroupBarrier();
    if (INT_DOT) {
      pack_int(chunk, len, lid);
    } else {
      for (var i = lid; i < TM * len; i += WG) {
        let e = (i / len) * chunk + i % len;
        let b = e / ACT_DIVISOR;
        xs[slot(e)] = act_quantize(staged(e), block_inverse[b]) * block_scale[b];
      }
      workgroupBarrier();
    }
  }
  if (ACT_SUM_CORRECTION) {
    for (var i = lid; i < TM * row_blocks; i += WG) {
      let b = (i / row_blocks) * block_stride + i % row_blocks;
      block_correction[b] = act_block_correction(b * ACT_DIVISOR, block_raw[b], block_scale[b]);
    }
    workgroupBarrier();
  }
}

// The fused RMSNorm over whole staged rows (len = K): each row's scale from
// its sum of squares (`squares`: this thread's share of each row's), then
// every element scaled and rounded for the dot; the first column's
// workgroups write the norm's output.
fn normalize(m0: u32, chunk: u32, len: u32, lid: u32, first_column: bool, squares: array<f32, TM_MAX>) {
  for (var r = 0u; r < TM; r++) {
    let total = workgroup_sum(squares[r], lid);
    if (lid == 0u) {
      row_scale[r] = 1.0 / sqrt(total / f32(params.K) + params.eps);
    }
  }
  workgroupBarrier();
  for (var base = 0u; base < TM * len; base += WG * UNROLL) {
    for (var u = 0u; u < UNROLL; u++) {
      let i = base + u * WG + lid;
      if (i < TM * len) {
        let r = i / len;
        let c = i % len;
        let e = r * chunk + c;
        let v = staged(e) * row_scale[r] * norm_weight(c);
        if (first_column && m0 + r < params.M) {
          store_normed(m0 + r, c, v);
        }
        xs[slot(e)] = round_act(v);
      }
    }
  }
  workgroupBarrier();
}
