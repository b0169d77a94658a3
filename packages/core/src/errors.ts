/**
 * Stable error codes. Code strings never change meaning once published; new
 * codes may be added.
 */
export type ErrorCode =
  | 'E_SHAPE' // tensor shapes or sizes do not fit an op
  | 'E_DTYPE' // a dtype an op or backend does not take
  | 'E_UNSUPPORTED_OP' // the backend cannot run this op (check supportsOp first)
  | 'E_DISPOSED' // the backend or buffer was already released
  | 'E_OUT_OF_BOUNDS' // an index or write past the end of a buffer
  | 'E_BACKEND_UNAVAILABLE' // probe said no, or creating the device failed
  | 'E_BAD_FILE' // a model or vocabulary file is malformed
  | 'E_NETWORK' // a download failed: offline, refused, an HTTP error, or cut off
  | 'E_UNSUPPORTED_MODEL' // a well-formed file describing something we cannot run
  | 'E_CONTEXT_FULL' // more tokens than the KV cache holds
  | 'E_OUT_OF_MEMORY' // the model, cache and scratch would not fit the backend's memory
  | 'E_DISK_FULL' // no room on the disk for a download or a cache file
  | 'E_INVALID_ARGUMENT' // a caller passed a value outside the documented range
  | 'E_NOT_IMPLEMENTED' // a documented feature not built yet
  | 'E_ABORTED' // the caller's AbortSignal stopped the work
  | 'E_INTERNAL'; // an unexpected failure (a bug): the message says what failed

/** The plain-object form of a {@link LlamitaError}, safe to post across a worker boundary. */
export interface SerializedError {
  /** Always `LlamitaError`. */
  readonly name: 'LlamitaError';
  /** Stable code. */
  readonly code: ErrorCode;
  /** What is wrong, for a person. */
  readonly message: string;
  /** Structured facts. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error class of llamita. `code` is stable and meant for programs;
 * `message` is for people and names what is wrong (a tensor, a limit, an offset).
 */
export class LlamitaError extends Error {
  /** Always `LlamitaError`, also after crossing a worker boundary. */
  override readonly name = 'LlamitaError';
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Structured facts about the failure (tensor name, limit, offset...). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  /**
   * @param code - stable code
   * @param message - what is wrong, for a person
   * @param details - structured facts, kept when serialized
   */
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }

  /** Plain-object form for `postMessage` (structured clone drops class identity). */
  toJSON(): SerializedError {
    return this.details === undefined ? { name: this.name, code: this.code, message: this.message } : { name: this.name, code: this.code, message: this.message, details: this.details };
  }

  /** Rebuilds an error from {@link LlamitaError.toJSON}'s output. */
  static fromJSON(data: SerializedError): LlamitaError {
    return new LlamitaError(data.code, data.message, data.details as Record<string, unknown> | undefined);
  }

  /** Whether `value` is a LlamitaError, also one that crossed a realm or worker boundary. */
  static is(value: unknown): value is LlamitaError {
    return (
      value instanceof LlamitaError || (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'LlamitaError' && typeof (value as { code?: unknown }).code === 'string')
    );
  }
}

/**
 * Throws when `signal` has aborted: `LlamitaError` `E_ABORTED`, with the
 * signal's reason in its details.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LlamitaError('E_ABORTED', 'aborted', signal.reason === undefined ? undefined : { reason: String(signal.reason) });
}
