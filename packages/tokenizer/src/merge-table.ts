import type { SpmVocab } from './vocab.js';

/**
 * Key of an ordered pair of piece ids: `left * size + right`. For vocabularies
 * up to 32,768 pieces every key is a small integer, which V8 hashes fastest;
 * larger ones still get exact keys below 2^53.
 */
export const pairKey = (left: number, right: number, size: number): number => left * size + right;

/** What merging a pair yields: the merged piece and the merge's priority (higher first). */
export interface Merge {
  readonly id: number;
  readonly priority: number;
}

/**
 * Every allowed merge of two pieces, by pair of ids. For SentencePiece
 * vocabularies a pair merges when its concatenation is a piece, with that
 * piece's score as priority; for tokenizer.json vocabularies, the listed merges
 * with minus their rank. Built once, so encoding compares numbers, not strings.
 */
export function buildMergeTable(vocab: SpmVocab, ids: ReadonlyMap<string, number>): Map<number, Merge> {
  const table = new Map<number, Merge>();
  if (vocab.merges) {
    for (const [pair, rank] of vocab.merges) {
      const space = pair.indexOf(' ', 1);
      const left = ids.get(pair.slice(0, space));
      const right = ids.get(pair.slice(space + 1));
      const merged = ids.get(pair.slice(0, space) + pair.slice(space + 1));
      if (left === undefined || right === undefined || merged === undefined) continue;
      const key = pairKey(left, right, vocab.pieces.length);
      if (!table.has(key)) table.set(key, { id: merged, priority: -rank });
    }
    return table;
  }
  vocab.pieces.forEach((piece, id) => {
    if (ids.get(piece) !== id) return; // a duplicate piece text: the first id wins, as in lookup
    const chars = Array.from(piece);
    if (chars.length < 2) return;
    for (let cut = 1, at = chars[0]!.length; cut < chars.length; at += chars[cut]!.length, cut++) {
      const left = ids.get(piece.slice(0, at));
      const right = ids.get(piece.slice(at));
      if (left !== undefined && right !== undefined) table.set(pairKey(left, right, vocab.pieces.length), { id, priority: vocab.scores[id]! });
    }
  });
  return table;
}
