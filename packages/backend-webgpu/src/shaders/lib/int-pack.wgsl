// The staging of the integer path (lib/stage.wgsl's INT_DOT hooks): the
// staged rows' Q8_0 quants packed four to a word (signed bytes), for
// dot4I8Packed in lib/int-dot.wgsl, or written out by quantize_x.wgsl.
// Needs lib/stage.wgsl (staged, block_inverse, KC, TM, WG) and act/q8_0.wgsl
// (act_quantize).

const INT_DOT: bool = true;

// Word i of the staged activation quants lives at i + i / 8: the threads of
// one output read consecutive blocks' words, which then hit different banks.
var<workgroup> xq: array<u32, KC / 4u + KC / 32u>;

fn qslot(i: u32) -> u32 {
  return i + (i >> 3u);
}

// Packs the staged rows' quants (len elements of each of the TM rows, a row
// every `chunk`) four to a word.
fn pack_int(chunk: u32, len: u32, lid: u32) {
  let row_words = len / 4u;
  for (var i = lid; i < TM * row_words; i += WG) {
    let e = (i / row_words) * chunk + (i % row_words) * 4u;
    let inverse = block_inverse[e / 32u];
    let q = vec4<i32>(
      i32(act_quantize(staged(e), inverse)),
      i32(act_quantize(staged(e + 1u), inverse)),
      i32(act_quantize(staged(e + 2u), inverse)),
      i32(act_quantize(staged(e + 3u), inverse)),
    );
    xq[qslot(e / 4u)] = pack4xI8(q);
  }
  workgroupBarrier();
}

