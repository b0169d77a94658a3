/**
 * GPT-2's byte-level alphabet: every byte as one printable character, so a
 * byte-level BPE vocabulary's pieces are strings. Bytes that are printable
 * Latin-1 (`!`..`~`, `¡`..`¬`, `®`..`ÿ`) stand for themselves; the others
 * (control characters, space, DEL, NBSP, soft hyphen) take U+0100 on, in order.
 */
export const BYTE_CHARS: readonly string[] = (() => {
  const chars: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars.push(String.fromCharCode(printable ? b : 0x100 + extra++));
  }
  return chars;
})();

/** The byte each character of {@link BYTE_CHARS} stands for, by UTF-16 code; -1 for any other. */
const BYTE_OF = (() => {
  const table = new Int16Array(0x200).fill(-1);
  BYTE_CHARS.forEach((c, b) => (table[c.charCodeAt(0)] = b));
  return table;
})();

const utf8 = new TextEncoder();

/** Text to its UTF-8 bytes written in the byte-level alphabet. */
export function toByteChars(text: string): string {
  let out = '';
  for (const b of utf8.encode(text)) out += BYTE_CHARS[b];
  return out;
}

/** A piece in the byte-level alphabet back to its bytes; undefined if a character is not of the alphabet. */
export function fromByteChars(piece: string): Uint8Array | undefined {
  const bytes = new Uint8Array(piece.length);
  for (let i = 0; i < piece.length; i++) {
    const code = piece.charCodeAt(i);
    const b = code < BYTE_OF.length ? BYTE_OF[code]! : -1;
    if (b < 0) return undefined;
    bytes[i] = b;
  }
  return bytes;
}
