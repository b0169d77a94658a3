import type { BpeTokenizer } from './bpe.js';
import type { SpmTokenizer } from './spm.js';

/**
 * A model's tokenizer, whichever kind its vocabulary is: SentencePiece BPE
 * (Llama 2, TinyLlama, Phi-3) or byte-level BPE (Llama 3, Qwen, SmolLM2).
 * Both encode, decode, stream-decode and look up pieces alike; `vocab.bos`
 * and `vocab.eos` may be absent from a byte-level vocabulary.
 */
export type Tokenizer = SpmTokenizer | BpeTokenizer;
