// Request shapes of OpenAI's API as llamita takes them: OpenAI's fields that
// llamita honours, and llama.cpp server's sampling extras under its names.
// The zod schemas in requests.ts check a body against these at run time (a
// test keeps the two in step).

/** A text part of a message's content. */
export interface TextContentPart {
  /** Always `text`. */
  type: 'text';
  /** The text. */
  text: string;
}

/** One message of a conversation. */
export interface ChatCompletionMessageParam {
  /** Who speaks; `developer` is taken as `system`. */
  role: 'system' | 'developer' | 'user' | 'assistant';
  /** The text, or text parts joined; null as empty. */
  content: string | TextContentPart[] | null;
  /** A speaker's name (accepted, not rendered). */
  name?: string;
}

/** How the reply is shaped: free text, any JSON document, or one valid for a schema. */
export type ResponseFormat = TextFormat | JsonObjectFormat | JsonSchemaFormat;

/** Free text. */
export interface TextFormat {
  /** Always `text`. */
  type: 'text';
}

/** Any one JSON document. */
export interface JsonObjectFormat {
  /** Always `json_object`. */
  type: 'json_object';
}

/** One JSON document valid for a schema. */
export interface JsonSchemaFormat {
  /** Always `json_schema`. */
  type: 'json_schema';
  /** The schema and its name. */
  json_schema: JsonSchemaSpec;
}

/** A named JSON Schema (subset: object/properties/required, array/items, string, integer, number, boolean, enum, nullable). */
export interface JsonSchemaSpec {
  /** Its name. */
  name: string;
  /** What it is for. */
  description?: string;
  /** The JSON Schema. */
  schema?: Record<string, unknown>;
  /** Accepted; the schema is always enforced. */
  strict?: boolean | null;
}

/** Options of a stream. */
export interface StreamOptions {
  /** Send the token counts in a last chunk. */
  include_usage?: boolean;
}

/** Sampling and limits common to both endpoints. */
export interface SamplingParams {
  /** Echoed in the response; the engine serves one model. */
  model?: string;
  /** Most tokens to generate (default: until the context is full). */
  max_tokens?: number | null;
  /** 0 is greedy (default 0.8, llama.cpp's). */
  temperature?: number | null;
  /** Nucleus sampling (default 0.95). */
  top_p?: number | null;
  /** Sampling seed; absent or -1 draws one from the system's random source. */
  seed?: number | null;
  /** Up to 16 strings that end the reply (not included). */
  stop?: string | string[] | null;
  /** Penalty per earlier occurrence of a token, -2 to 2. */
  frequency_penalty?: number | null;
  /** Penalty for any earlier occurrence of a token, -2 to 2. */
  presence_penalty?: number | null;
  /** Token id (as a string) to a bias from -100 to 100 added to its logit. */
  logit_bias?: Record<string, number> | null;
  /** Choices per request: only 1. */
  n?: 1 | null;
  /** Server-sent chunks instead of one response. */
  stream?: boolean | null;
  /** With `include_usage`, a last chunk carries the token counts. */
  stream_options?: StreamOptions | null;
  /** The end user (accepted, not used). */
  user?: string;
  /** llama.cpp: top-k (default 40; 0 is off). */
  top_k?: number;
  /** llama.cpp: min-p (default 0.05). */
  min_p?: number;
  /** llama.cpp: locally typical sampling (default 1: off). */
  typical_p?: number;
  /** llama.cpp: repetition penalty (default 1: off). */
  repeat_penalty?: number;
  /** llama.cpp: tokens the penalties look back (default 64; -1 the context). */
  repeat_last_n?: number;
  /** llama.cpp: DRY multiplier (default 0: off). */
  dry_multiplier?: number;
  /** llama.cpp: DRY base (default 1.75). */
  dry_base?: number;
  /** llama.cpp: DRY allowed length (default 2). */
  dry_allowed_length?: number;
  /** llama.cpp: tokens DRY looks back (-1 the context). */
  dry_penalty_last_n?: number;
  /** llama.cpp: XTC probability (default 0: off). */
  xtc_probability?: number;
  /** llama.cpp: XTC threshold (default 0.1). */
  xtc_threshold?: number;
  /** llama.cpp: Mirostat 2.0 (0 off, 2 on). */
  mirostat?: 0 | 2;
  /** llama.cpp: Mirostat target entropy (default 5). */
  mirostat_tau?: number;
  /** llama.cpp: Mirostat learning rate (default 0.1). */
  mirostat_eta?: number;
  /** llama.cpp: most tokens to generate (-1: until the context is full), when `max_tokens` is absent. */
  n_predict?: number;
  /** llama.cpp: tokens kept at the start on a context shift. */
  n_keep?: number;
  /** llama.cpp: go on past the end-of-sequence token. */
  ignore_eos?: boolean;
}

/** The body of a chat completion request. */
export interface ChatCompletionRequest extends SamplingParams {
  /** The conversation so far. */
  messages: ChatCompletionMessageParam[];
  /** Most tokens to generate (OpenAI's newer name for `max_tokens`). */
  max_completion_tokens?: number | null;
  /** Report each generated token's log-probability. */
  logprobs?: boolean | null;
  /** With `logprobs`, this many alternatives per token (0 to 20). */
  top_logprobs?: number | null;
  /** Free text (default), any JSON, or JSON valid for a schema. */
  response_format?: ResponseFormat;
}

/** The body of a text completion request. */
export interface CompletionRequest extends SamplingParams {
  /** Text to continue (the model's BOS is added), or token ids used as they are. */
  prompt: string | number[];
  /** Report log-probabilities with this many alternatives per token (0 to 5). */
  logprobs?: number | null;
  /** Only false: the prompt is not echoed. */
  echo?: false | null;
  /** Only null: no suffix (fill-in-the-middle) support. */
  suffix?: null;
  /** Only 1. */
  best_of?: 1 | null;
  /** Free text (default), any JSON, or JSON valid for a schema. */
  response_format?: ResponseFormat;
}
