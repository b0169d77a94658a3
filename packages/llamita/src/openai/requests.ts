import { LlamitaError } from '@llamita/core';
import { z } from 'zod';

/**
 * Bounds on a request, so that one request cannot hold the model or the
 * host's memory without end. A server may lower them.
 */
export const REQUEST_LIMITS = {
  /** Messages in one chat request. */
  messages: 1024,
  /** Characters of text in one message or prompt. */
  textLength: 1 << 20,
  /** Stop strings. */
  stopStrings: 16,
  /** Characters of one stop string. */
  stopLength: 256,
  /** Entries of `logit_bias`. */
  logitBias: 1024,
  /** Characters of a JSON schema, serialized. */
  schemaLength: 64 << 10,
} as const;

const text = z.string().max(REQUEST_LIMITS.textLength);
const contentPart = z.object({ type: z.literal('text'), text }).strict();
const message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant']),
    content: z.union([text, z.array(contentPart).max(256), z.null()]),
    name: z.string().max(256).optional(),
  })
  .strict();

const stop = z.union([z.string().min(1).max(REQUEST_LIMITS.stopLength), z.array(z.string().min(1).max(REQUEST_LIMITS.stopLength)).max(REQUEST_LIMITS.stopStrings), z.null()]);
const logitBias = z
  .record(z.string().regex(/^\d+$/, 'logit_bias keys are token ids'), z.number().min(-100).max(100))
  .refine((r) => Object.keys(r).length <= REQUEST_LIMITS.logitBias, `logit_bias takes at most ${REQUEST_LIMITS.logitBias} entries`);
const jsonSchema = z.record(z.string(), z.unknown()).refine((s) => JSON.stringify(s).length <= REQUEST_LIMITS.schemaLength, `the JSON schema is longer than ${REQUEST_LIMITS.schemaLength} characters`);
const responseFormat = z.union([
  z.object({ type: z.literal('text') }).strict(),
  z.object({ type: z.literal('json_object') }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      json_schema: z.object({ name: z.string().max(256), description: z.string().optional(), schema: jsonSchema.optional(), strict: z.boolean().nullable().optional() }).strict(),
    })
    .strict(),
]);
const tokenCount = z
  .number()
  .int()
  .min(0)
  .max(1 << 20);

/** Sampling fields shared by both endpoints: OpenAI's, and llama.cpp server's extras under its names. */
const sampling = {
  model: z.string().max(1024).optional(),
  max_tokens: tokenCount.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  stop: stop.optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  logit_bias: logitBias.nullable().optional(),
  n: z.literal(1).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).strict().nullable().optional(),
  user: z.string().max(256).optional(),
  // llama.cpp server's extra sampling fields
  top_k: z
    .number()
    .int()
    .min(0)
    .max(1 << 20)
    .optional(),
  min_p: z.number().min(0).max(1).optional(),
  typical_p: z.number().min(0).max(1).optional(),
  repeat_penalty: z.number().min(0).max(10).optional(),
  repeat_last_n: z
    .number()
    .int()
    .min(-1)
    .max(1 << 20)
    .optional(),
  dry_multiplier: z.number().min(0).max(100).optional(),
  dry_base: z.number().min(1).max(100).optional(),
  dry_allowed_length: z
    .number()
    .int()
    .min(0)
    .max(1 << 20)
    .optional(),
  dry_penalty_last_n: z
    .number()
    .int()
    .min(-1)
    .max(1 << 20)
    .optional(),
  xtc_probability: z.number().min(0).max(1).optional(),
  xtc_threshold: z.number().min(0).max(1).optional(),
  mirostat: z.union([z.literal(0), z.literal(2)]).optional(),
  mirostat_tau: z.number().min(0).max(100).optional(),
  mirostat_eta: z.number().min(0).max(1).optional(),
  n_predict: z
    .number()
    .int()
    .min(-1)
    .max(1 << 20)
    .optional(),
  n_keep: z
    .number()
    .int()
    .min(-1)
    .max(1 << 20)
    .optional(),
  ignore_eos: z.boolean().optional(),
};

/** Checks a `ChatCompletionRequest` body at run time (unknown fields are refused). */
export const chatCompletionRequest = z
  .object({
    ...sampling,
    messages: z.array(message).min(1).max(REQUEST_LIMITS.messages),
    max_completion_tokens: tokenCount.nullable().optional(),
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
    response_format: responseFormat.optional(),
  })
  .strict();

/** Checks a `CompletionRequest` body at run time (unknown fields are refused). */
export const completionRequest = z
  .object({
    ...sampling,
    prompt: z.union([text, z.array(z.number().int().min(0)).max(REQUEST_LIMITS.textLength)]),
    logprobs: z.number().int().min(0).max(5).nullable().optional(),
    echo: z.literal(false).nullable().optional(),
    suffix: z.null().optional(),
    best_of: z.literal(1).nullable().optional(),
    response_format: responseFormat.optional(),
  })
  .strict();

/** A chat completion request as the schema checked it. */
export type ParsedChatRequest = z.infer<typeof chatCompletionRequest>;
/** A text completion request as the schema checked it. */
export type ParsedCompletionRequest = z.infer<typeof completionRequest>;

/**
 * Checks a request body against `schema`.
 * @throws LlamitaError `E_INVALID_ARGUMENT` naming each field that is wrong, unknown or not supported (details: `param`, the first such field's path).
 */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.') || 'body';
    if (issue.code === 'unrecognized_keys') return `${issue.keys.join(', ')}: not supported by llamita`;
    return `${path}: ${issue.message}`;
  });
  const first = parsed.error.issues[0]!;
  const param = first.code === 'unrecognized_keys' ? first.keys[0] : first.path.join('.');
  throw new LlamitaError('E_INVALID_ARGUMENT', `invalid request: ${issues.join('; ')}`, { param });
}
