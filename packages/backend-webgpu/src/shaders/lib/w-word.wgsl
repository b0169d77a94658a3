// Word i of the kernel's one weight buffer W, for lib/bytes.wgsl.

fn w_word(i: u32) -> u32 {
  return W[i];
}
