import type { JsonConstraint } from '@llamita/sampling';
import type { Tokenizer } from '@llamita/tokenizer';

/** A trie of token texts: each node lists the tokens whose text ends there. */
interface TrieNode {
  readonly children: Map<string, TrieNode>;
  readonly ids: number[];
}

/**
 * Which tokens can continue a JSON document: every token's text is walked
 * through the constraint along a trie of the vocabulary, so a prefix shared
 * by many tokens is checked once and dead prefixes prune whole subtrees.
 * Tokens whose bytes are not whole UTF-8 text (partial byte-fallback pieces)
 * and control tokens are never allowed; EOS is allowed once the document is complete.
 */
export class JsonTokenMask {
  private readonly root: TrieNode = { children: new Map(), ids: [] };
  /** Tokens whose text can sit inside any JSON string (no quote, backslash or control character). */
  private readonly plain: Uint8Array;
  /** The other tokens with valid text, checked one by one inside strings. */
  private readonly special: { id: number; text: string }[] = [];

  /** Builds the vocabulary trie once per tokenizer. */
  constructor(private readonly tokenizer: Tokenizer) {
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    this.plain = new Uint8Array(tokenizer.size);
    for (let id = 0; id < tokenizer.size; id++) {
      let text: string;
      try {
        text = utf8.decode(tokenizer.tokenBytes(id));
      } catch {
        continue;
      }
      if (!text) continue;
      // eslint-disable-next-line no-control-regex -- control characters are what JSON strings forbid
      if (/["\\\u0000-\u001f]/.test(text)) this.special.push({ id, text });
      else this.plain[id] = 1;
      let node = this.root;
      for (const ch of text) {
        let child = node.children.get(ch);
        if (!child) node.children.set(ch, (child = { children: new Map(), ids: [] }));
        node = child;
      }
      node.ids.push(id);
    }
  }

  /** Sets the logits of tokens that cannot continue the document to -Infinity. */
  apply(logits: Float32Array, constraint: JsonConstraint): void {
    if (constraint.inPlainString) {
      // inside a string every plain token fits; only the few with quotes or escapes need a walk
      const allowed = this.plain.slice();
      for (const { id, text } of this.special) if (constraint.allows(text)) allowed[id] = 1;
      for (let i = 0; i < logits.length; i++) if (!allowed[i]) logits[i] = -Infinity;
      return;
    }
    const allowed = new Uint8Array(logits.length);
    const walk = (node: TrieNode, state: JsonConstraint) => {
      for (const [ch, child] of node.children) {
        const next = state.advance(ch);
        if (!next) continue;
        for (const id of child.ids) allowed[id] = 1;
        walk(child, next);
      }
    };
    walk(this.root, constraint);
    if (constraint.complete && this.tokenizer.vocab.eos !== undefined) allowed[this.tokenizer.vocab.eos] = 1;
    for (let i = 0; i < logits.length; i++) if (!allowed[i]) logits[i] = -Infinity;
  }

  /** Token ids that spell `text` one character at a time (for closing a document). */
  spell(text: string): number[] {
    return Array.from(text, (ch) => this.tokenizer.tokenId(ch === ' ' ? '\u2581' : ch) ?? this.tokenizer.encode(ch, { addBos: false }).at(-1)!);
  }
}
