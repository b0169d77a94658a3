import type { SerializedError } from '@llamita/core';

/** The benchmark page's request to its worker. */
export interface BenchRequest {
  readonly type: 'bench';
  /** Absolute URL of the GGUF (range requests). */
  readonly model: string;
  readonly threads: number;
  readonly promptTokens: number;
  readonly genTokens: number;
  readonly repeats: number;
}

/** The benchmark worker's messages: progress lines, then the result (shaped like `llamita bench --json`) or an error. */
export type BenchReply =
  { readonly type: 'progress'; readonly text: string } | { readonly type: 'result'; readonly result: Record<string, unknown> } | { readonly type: 'error'; readonly error: SerializedError };
