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
  /** Details of the prompt's tokens. */
  prompt_tokens_details: PromptTokensDetails;
}

/** Details of a prompt's tokens. */
export interface PromptTokensDetails {
  /** Tokens found in the session's cache (not evaluated again). */
  cached_tokens: number;
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
  choices: ChatCompletionChoice[];
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
  choices: ChatCompletionChunkChoice[];
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
  choices: CompletionChoice[];
  /** Token counts. */
  usage?: CompletionUsage;
  /** As in {@link ChatCompletion}. */
  system_fingerprint?: string;
}

/** One streamed piece of a text completion: `finish_reason` null until the last. */
export interface CompletionChunk extends Omit<Completion, 'choices'> {
  /** The one choice (empty in the last piece when usage is included). */
  choices: CompletionChunkChoice[];
}

/** The reply of a {@link ChatCompletion}. */
export interface ChatCompletionChoice {
  /** Always 0. */
  index: number;
  /** The assistant's message. */
  message: ChatCompletionMessage;
  /** Why it ended. */
  finish_reason: ApiFinishReason;
  /** With `logprobs: true`. */
  logprobs: ChatChoiceLogprobs | null;
}

/** A message the model wrote. */
export interface ChatCompletionMessage {
  /** Always `assistant`. */
  role: 'assistant';
  /** The text. */
  content: string | null;
  /** Always null. */
  refusal: string | null;
}

/** A piece of a streamed reply. */
export interface ChatCompletionChunkChoice {
  /** Always 0. */
  index: number;
  /** The role in the first chunk, then the text that came. */
  delta: ChatCompletionDelta;
  /** Null until the last piece. */
  finish_reason: ApiFinishReason | null;
  /** With `logprobs: true`: the tokens of this piece. */
  logprobs?: ChatChoiceLogprobs | null;
}

/** What a chunk adds to the message. */
export interface ChatCompletionDelta {
  /** In the first chunk. */
  role?: 'assistant';
  /** Text that came. */
  content?: string | null;
}

/** The text of a {@link Completion}. */
export interface CompletionChoice {
  /** Always 0. */
  index: number;
  /** The continuation. */
  text: string;
  /** Why it ended. */
  finish_reason: ApiFinishReason;
  /** With `logprobs`. */
  logprobs: CompletionLogprobs | null;
}

/** A piece of a streamed {@link Completion}. */
export interface CompletionChunkChoice extends Omit<CompletionChoice, 'finish_reason'> {
  /** Null until the last piece. */
  finish_reason: ApiFinishReason | null;
}
