import { TokenType } from './vocab.js';

/** A token matched in text as a whole, before BPE: a control or user-defined token's text. */
export interface SpecialText {
  readonly text: string;
  readonly id: number;
  /** A control token (BOS, `<|endoftext|>`): recognized only with parseSpecial. User-defined ones always are. */
  readonly control: boolean;
}

/**
 * The special tokens of a vocabulary, longest text first (a longer special
 * containing a shorter one wins), as llama.cpp's `tokenizer_st_partition` orders them.
 */
export function specialTexts(pieces: readonly string[], isSpecial: (id: number) => 'control' | 'user' | undefined): SpecialText[] {
  const specials: SpecialText[] = [];
  pieces.forEach((text, id) => {
    const kind = isSpecial(id);
    if (kind && text.length > 0) specials.push({ text, id, control: kind === 'control' });
  });
  return specials.sort((a, b) => b.text.length - a.text.length);
}

/** Splits text around special token texts (longest first); ids stand for the specials found. */
export function splitSpecials(text: string, specials: readonly SpecialText[], parseSpecial: boolean): (string | number)[] {
  let fragments: (string | number)[] = text.length > 0 ? [text] : [];
  for (const special of specials) {
    if (special.control && !parseSpecial) continue;
    const next: (string | number)[] = [];
    for (const f of fragments) {
      if (typeof f === 'number' || !f.includes(special.text)) {
        next.push(f);
        continue;
      }
      f.split(special.text).forEach((part, i) => {
        if (i > 0) next.push(special.id);
        if (part.length > 0) next.push(part);
      });
    }
    fragments = next;
  }
  return fragments;
}

/** Which token types are matched in text as a whole (llama.cpp: control, unknown and user-defined). */
export function specialKind(type: number | undefined): 'control' | 'user' | undefined {
  if (type === TokenType.UserDefined) return 'user';
  return type === TokenType.Control || type === TokenType.Unknown ? 'control' : undefined;
}
