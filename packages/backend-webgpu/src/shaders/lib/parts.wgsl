// A grouped matmul (matmul.wgsl's part hooks): PARTS weights of one type and
// K that read the same x (q, k and v; gate and up) in one dispatch, so x is
// staged, normalized and quantized once per workgroup for all of them and
// the small ones (k, v) share the grid of the large one. The grid's workgroup
// columns are part 0's, then part 1's, ... from params.part_start[p]; each
// part has its own weight, output and row count. The snippet made by
// kernels.ts's `partsBindings` declares W1, OUT1 (W2, OUT2), PARTS, `w_word`
// and `store`, reading `part`.

// the part of this workgroup: uniform across it, so branching on it never diverges
var<private> part: u32;

fn select_part(column: u32) -> u32 {
  part = 0u;
  for (var p = 1u; p < PARTS; p++) {
    if (column >= params.part_start[p]) {
      part = p;
    }
  }
  return column - params.part_start[part];
}

fn part_rows() -> u32 {
  return params.part_n[part];
}

fn part_w_offset() -> u32 {
  return params.part_w[part];
}
