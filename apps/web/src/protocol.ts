import type { GenerateOptions } from 'llamita';
import type { SerializedError } from '@llamita/core';

/** Messages from the page to the worker. */
export type Request =
  | { readonly type: 'load'; readonly file: File }
  | { readonly type: 'generate'; readonly prompt: string; readonly options: Pick<GenerateOptions, 'maxTokens' | 'temperature' | 'seed'> };

/** Messages from the worker to the page. */
export type Reply =
  | { readonly type: 'progress'; readonly loaded: number; readonly total: number }
  | { readonly type: 'loaded'; readonly description: string }
  | { readonly type: 'token'; readonly text: string }
  | { readonly type: 'done'; readonly tokens: number; readonly decodeTokS: number }
  | { readonly type: 'error'; readonly error: SerializedError };
