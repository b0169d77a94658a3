// Response shapes of OpenAI's API, field for field as the official `openai`
// package types them (a typecheck test assigns each to its openai type).

/** Token counts of a request. */
export interface CompletionUsage {
  /** Tokens of the prompt. */
  prompt_tokens: number;
  /** Tokens generated. */
  completion_tokens: number;
  /** Both. */
  total_tokens: number;
  /** Of the prompt, the tokens found in the session's cache (not evaluated again). */
  prompt_tokens_details: { cached_tokens: number };
}

/** Why a choice ended. */
export type ApiFinishReason = 'stop' | 'length';

/** One alternative token with its log-probability. */
export interface TopLogprob {
  /** Its text. */
  token: string;
  /** Natural log of its probability. */
  logprob: number;
  /** Its UTF-8 bytes. */
  bytes: number[] | null;
}

/** A generated token with its log-probability and the most likely alternatives. */
export interface ChatCompletionTokenLogprob extends TopLogprob {
  /** The most likely tokens at this position. */
  top_logprobs: TopLogprob[];
}

/** Log-probabilities of a chat choice. */
export interface ChatChoiceLogprobs {
  /** One entry per generated token. */
  content: ChatCompletionTokenLogprob[] | null;
  /** Always null (no refusals). */
  refusal: null;
}

/** A finished chat completion. */
export interface ChatCompletion {
  /** `chatcmpl-` and a number unique in this engine. */
  id: string;
  /** Always `chat.completion`. */
  object: 'chat.completion';
  /** Unix time in seconds. */
  created: number;
  /** The model's name. */
  model: string;
  /** The one choice. */
  choices: {
    index: number;
    message: { role: 'assistant'; content: string | null; refusal: string | null };
    finish_reason: ApiFinishReason;
    logprobs: ChatChoiceLogprobs | null;
  }[];
  /** Token counts. */
  usage?: CompletionUsage;
  /** The backend and its numerics, e.g. `llamita-wasm-llama.cpp-x86`. */
  system_fingerprint?: string;
}

/** One server-sent piece of a streamed chat completion. */
export interface ChatCompletionChunk {
  /** Same for every chunk of a completion. */
  id: string;
  /** Always `chat.completion.chunk`. */
  object: 'chat.completion.chunk';
  /** Unix time in seconds. */
  created: number;
  /** The model's name. */
  model: string;
  /** Empty in the last chunk when usage is included. */
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string | null };
    finish_reason: ApiFinishReason | null;
    logprobs?: ChatChoiceLogprobs | null;
  }[];
  /** Token counts: in the last chunk with `stream_options.include_usage`, null in the others. */
  usage?: CompletionUsage | null;
  /** As in {@link ChatCompletion}. */
  system_fingerprint?: string;
}

/** Log-probabilities of a text completion choice, in the legacy layout. */
export interface CompletionLogprobs {
  /** The tokens' texts. */
  tokens: string[];
  /** Their log-probabilities. */
  token_logprobs: number[];
  /** The most likely alternatives at each position, text to log-probability. */
  top_logprobs: Record<string, number>[];
  /** Where each token's text starts in the completion. */
  text_offset: number[];
}

/** A finished text completion. */
export interface Completion {
  /** `cmpl-` and a number unique in this engine. */
  id: string;
  /** Always `text_completion`. */
  object: 'text_completion';
  /** Unix time in seconds. */
  created: number;
  /** The model's name. */
  model: string;
  /** The one choice. */
  choices: { index: number; text: string; finish_reason: ApiFinishReason; logprobs: CompletionLogprobs | null }[];
  /** Token counts. */
  usage?: CompletionUsage;
  /** As in {@link ChatCompletion}. */
  system_fingerprint?: string;
}

/** One streamed piece of a text completion: `finish_reason` null until the last. */
export interface CompletionChunk extends Omit<Completion, 'choices'> {
  /** The one choice (empty in the last piece when usage is included). */
  choices: { index: number; text: string; finish_reason: ApiFinishReason | null; logprobs: CompletionLogprobs | null }[];
}
