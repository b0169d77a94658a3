import { LlamitaError } from '@llamita/core';
import { TokenType, type SpmVocab } from './vocab.js';

/** A minimal protobuf reader: varints, fixed32 and length-delimited fields. */
class ProtoReader {
  pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly end = bytes.length,
  ) {}
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw bad('truncated varint');
      const b = this.bytes[this.pos++]!;
      if (shift < 49) result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 63) throw bad('varint longer than 10 bytes');
    }
  }
  /** Returns [field, wireType]. */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t & 7];
  }
  sub(): ProtoReader {
    const len = this.varint();
    if (this.pos + len > this.end) throw bad('length-delimited field runs past the end');
    const r = new ProtoReader(this.bytes.subarray(0, this.pos + len), this.pos + len);
    r.pos = this.pos;
    this.pos += len;
    return r;
  }
  string(): string {
    const r = this.sub();
    return new TextDecoder().decode(this.bytes.subarray(r.pos, r.end));
  }
  float(): number {
    if (this.pos + 4 > this.end) throw bad('truncated float');
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.sub();
    else if (wire === 5) this.pos += 4;
    else throw bad(`unsupported wire type ${wire}`);
  }
}

const bad = (message: string) => new LlamitaError('E_BAD_FILE', `tokenizer.model: ${message}`);

/**
 * The vocabulary of a SentencePiece `tokenizer.model` (the ModelProto
 * protobuf): pieces with scores and types, the special ids from its trainer
 * spec and the dummy-prefix flag from its normalizer spec.
 * @throws LlamitaError `E_BAD_FILE` for a malformed file.
 */
export function spmVocabFromSentencePieceModel(bytes: Uint8Array): SpmVocab {
  const pieces: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const ids = { unk: 0, bos: 1, eos: 2 };
  let addSpacePrefix = true;
  const r = new ProtoReader(bytes);
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) {
      // SentencePiece { piece = 1; score = 2; type = 3 }
      const p = r.sub();
      let piece = '';
      let score = 0;
      let type: number = TokenType.Normal;
      while (!p.done()) {
        const [f, w] = p.tag();
        if (f === 1 && w === 2) piece = p.string();
        else if (f === 2 && w === 5) score = p.float();
        else if (f === 3 && w === 0) type = p.varint();
        else p.skip(w);
      }
      pieces.push(piece);
      scores.push(score);
      types.push(type);
    } else if (field === 2 && wire === 2) {
      // TrainerSpec: unk_id = 40, bos_id = 41, eos_id = 42
      const t = r.sub();
      while (!t.done()) {
        const [f, w] = t.tag();
        if (w === 0 && (f === 40 || f === 41 || f === 42)) {
          const v = t.varint();
          // negative ids (-1: none) arrive as 10-byte varints; keep the defaults then
          if (v < 2 ** 31) ids[f === 40 ? 'unk' : f === 41 ? 'bos' : 'eos'] = v;
        } else t.skip(w);
      }
    } else if (field === 3 && wire === 2) {
      // NormalizerSpec: add_dummy_prefix = 3
      const n = r.sub();
      while (!n.done()) {
        const [f, w] = n.tag();
        if (f === 3 && w === 0) addSpacePrefix = n.varint() !== 0;
        else n.skip(w);
      }
    } else {
      r.skip(wire);
    }
  }
  if (pieces.length === 0) throw bad('no pieces');
  for (const id of Object.values(ids)) if (id >= pieces.length) throw bad(`special id ${id} is outside the ${pieces.length} pieces`);
  return { pieces, scores: Float32Array.from(scores), types: Int32Array.from(types), ...ids, addBos: true, addEos: false, addSpacePrefix };
}
