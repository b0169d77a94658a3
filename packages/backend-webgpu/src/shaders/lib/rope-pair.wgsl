// One element of a head rotated by rotary position embedding, given its
// pair's other element: rope.wgsl's arithmetic for kernels that rotate as
// they read (rope_cache.wgsl, attention-new/rope.wgsl). Reads params.hd,
// params.mode (0: pairs (2i, 2i + 1), 'adjacent'; 1: pairs (i, i + hd / 2),
// 'half') and params.log2_theta. Needs lib/rope-angle.wgsl.

// Element i of a head: its pair's index and the pair's other element (an offset within the head).
fn pair_of(i: u32) -> vec2<u32> {
  let half_hd = params.hd / 2u;
  if (params.mode == 1u) {
    return select(vec2<u32>(i, i + half_hd), vec2<u32>(i - half_hd, i - half_hd), i >= half_hd);
  }
  return vec2<u32>(i / 2u, i ^ 1u);
}

// Element e (of head-major rows) at position pos, rotated: x is its value,
// other its pair's other element. As rope.wgsl: a' = a c - b s, b' = a s + b c.
fn rotated(x: f32, other: f32, e: u32, pos: i32) -> f32 {
  let i = e % params.hd;
  let pair = pair_of(i);
  let cs = rope_cos_sin(pos, pair.x, params.hd, params.log2_theta, 1.0);
  // the second element of its pair: a mode-0 odd element, or one of a head's upper half
  let second = select((i & 1u) == 1u, i >= params.hd / 2u, params.mode == 1u);
  if (second) {
    return other * cs.y + x * cs.x;
  }
  return x * cs.x - other * cs.y;
}

// The pair's other element's index, for element e of head-major rows.
fn other_of(e: u32) -> u32 {
  let i = e % params.hd;
  return e - i + pair_of(i).y;
}
