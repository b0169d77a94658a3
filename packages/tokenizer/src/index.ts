/**
 * SentencePiece BPE tokenization for Llama-family models: encode with
 * special-token splitting and byte fallback, decode, and stream-decode.
 * @packageDocumentation
 */
export { TokenType, type SpmVocab } from './vocab.js';
export { SpmTokenizer, StreamDecoder, MAX_INPUT_LENGTH, type EncodeOptions } from './spm.js';
export { spmVocabFromTokenizerJson } from './hf-json.js';
export { spmVocabFromSentencePieceModel } from './sentencepiece-model.js';
export { renderChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat.js';
export { CHAT_TEMPLATE_LIMITS } from './chat-template-guard.js';
