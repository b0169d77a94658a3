import { Template } from '@huggingface/jinja';
import { LlamitaError } from '@llamita/core';
import { renderBounded } from './chat-template-guard.js';

/** One chat message. */
export interface ChatMessage {
  /** `system`, `user` or `assistant` (templates may know more). */
  readonly role: string;
  /** The text. */
  readonly content: string;
}

/** Options of {@link renderChatTemplate}. */
export interface ChatTemplateOptions {
  /** End with the assistant's turn opened, ready for generation (default true). */
  readonly addGenerationPrompt?: boolean;
  /** Text of the BOS token, as templates reference it (`<s>` for Llama 2). */
  readonly bosToken?: string;
  /** Text of the EOS token (`</s>` for Llama 2). */
  readonly eosToken?: string;
}

/**
 * Renders a model's Jinja `chat_template` (from `tokenizer_config.json` or the
 * GGUF key `tokenizer.chat_template`) as Hugging Face transformers'
 * `apply_chat_template` does (trimmed blocks). Tokenize the result with special
 * tokens recognized (the default of `encode`).
 * Rendering is bounded ({@link CHAT_TEMPLATE_LIMITS}): templates come from model files.
 * @throws LlamitaError `E_BAD_FILE` when the template does not parse or exceeds a bound; `E_INVALID_ARGUMENT` when it fails on these messages (its `raise_exception`, e.g. roles that do not alternate).
 */
export function renderChatTemplate(template: string, messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
  const { addGenerationPrompt = true, bosToken = '<s>', eosToken = '</s>' } = options;
  let compiled: Template;
  try {
    compiled = new Template(template);
  } catch (e) {
    throw new LlamitaError('E_BAD_FILE', `chat template does not parse: ${(e as Error).message}`);
  }
  const inputChars = messages.reduce((sum, m) => sum + m.content.length + m.role.length, bosToken.length + eosToken.length);
  try {
    return renderBounded(compiled.parsed, { messages: messages.map((m) => ({ ...m })), add_generation_prompt: addGenerationPrompt, bos_token: bosToken, eos_token: eosToken }, inputChars);
  } catch (e) {
    if (e instanceof LlamitaError) throw e;
    // past the guard's depth bound a native stack can still run out (deep expressions within one evaluation): the template's fault, not the messages'
    if (e instanceof RangeError) throw new LlamitaError('E_BAD_FILE', `chat template refused: ${e.message}`);
    // a template that parses fails on its input, mostly by its own raise_exception (roles out of order, a system message it does not take)
    throw new LlamitaError('E_INVALID_ARGUMENT', `the chat template cannot render these messages: ${(e as Error).message}`);
  }
}
