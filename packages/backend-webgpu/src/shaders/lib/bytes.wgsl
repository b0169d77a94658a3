// Byte-level reads of a weight buffer: GGUF blocks are 18, 22, 34, 110 ...
// bytes long, so fields sit at any byte. Every address here is a byte offset
// into the weights; their words come from `w_word(i)` (lib/w-word.wgsl: the
// kernel's W; a grouped matmul's reads the weight of its workgroup's part).

fn w_byte(b: u32) -> u32 {
  return (w_word(b >> 2u) >> ((b & 3u) * 8u)) & 0xffu;
}

// A signed byte, sign-extended.
fn w_i8(b: u32) -> i32 {
  return i32(w_byte(b) << 24u) >> 24u;
}

// Two bytes at an even address (never straddles a word).
fn w_u16(b: u32) -> u32 {
  return (w_word(b >> 2u) >> ((b & 2u) * 8u)) & 0xffffu;
}

// Four bytes at any address: one word, or the halves of two.
fn w_u32(b: u32) -> u32 {
  let shift = (b & 3u) * 8u;
  let lo = w_word(b >> 2u);
  if (shift == 0u) {
    return lo;
  }
  return (lo >> shift) | (w_word((b >> 2u) + 1u) << (32u - shift));
}

// An IEEE half at an even address, widened exactly.
fn w_f16(b: u32) -> f32 {
  return unpack2x16float(w_u16(b)).x;
}

// Byte i (0..3) of a word.
fn byte_of(word: u32, i: u32) -> u32 {
  return (word >> (i * 8u)) & 0xffu;
}
