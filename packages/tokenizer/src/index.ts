/**
 * Tokenization for Llama-family models: SentencePiece BPE (Llama 2,
 * TinyLlama) with special-token splitting and byte fallback, decode and
 * stream-decode; and byte-level BPE (GPT-2, Llama 3, Qwen, StarCoder ...)
 * with llama.cpp's pre-tokenizers.
 * @packageDocumentation
 */
export { TokenType, type SpmVocab } from './vocab.js';
export { SpmTokenizer, type EncodeOptions } from './spm.js';
export { StreamDecoder, type DecodableTokenizer } from './stream-decoder.js';
export { MAX_INPUT_LENGTH, PieceTable } from './piece-table.js';
export { spmVocabFromTokenizerJson, bpeVocabFromTokenizerJson, tokenizerFromTokenizerJson } from './hf-json.js';
export { BpeTokenizer, type BpeVocab } from './bpe.js';
export type { Tokenizer } from './tokenizer.js';
export { IGNORES_MERGES, PRE_TOKENIZER_NAMES } from './pre-tokenizers.js';
export { spmVocabFromSentencePieceModel } from './sentencepiece-model.js';
export { renderChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat.js';
export { CHAT_TEMPLATE_LIMITS } from './chat-template-guard.js';
