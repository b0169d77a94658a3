import type { SerializedError } from '@llamita/core';
import type { TaskResult } from '@llamita/eval';

/** The eval page's request to its worker. */
export interface EvalRequest {
  readonly type: 'eval';
  /** Absolute URL of the GGUF (range requests). */
  readonly model: string;
  /** A task of `@llamita/eval` (`piqa`, `hellaswag`, `arc_easy`, ...). */
  readonly task: string;
  /** Absolute URL of the task's data file, in its dataset's own format. */
  readonly data: string;
  /** Absolute URL of PIQA's labels file (PIQA keeps them apart). */
  readonly labels?: string | undefined;
  /** Score only the first N items. */
  readonly limit?: number | undefined;
  readonly threads: number;
  readonly contextSize: number;
  /** KV cache element type: f32 matches lm-evaluation-harness's float32 runs exactly. */
  readonly kvType: 'f16' | 'f32';
}

/** The eval worker's messages: progress, then the task's result (per-item records included) or an error. */
export type EvalReply =
  | { readonly type: 'progress'; readonly text: string; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly result: TaskResult; readonly backend: string }
  | { readonly type: 'error'; readonly error: SerializedError };
