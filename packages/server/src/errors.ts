import { LlamitaError, type ErrorCode } from '@llamita/core';

/** The body of an error response, as OpenAI's API shapes it. */
export interface ApiErrorBody {
  /** What went wrong. */
  readonly error: {
    /** For a person. */
    readonly message: string;
    /** `invalid_request_error`, `authentication_error`, `rate_limit_error`, `server_error`, ... */
    readonly type: string;
    /** The request field at fault, when there is one. */
    readonly param: string | null;
    /** A stable code: llamita's error code, or the HTTP condition. */
    readonly code: string | null;
  };
}

/** An error to answer with: its HTTP status and body. */
export interface ApiError {
  /** HTTP status. */
  readonly status: 400 | 401 | 403 | 404 | 405 | 408 | 413 | 429 | 500 | 503;
  /** OpenAI-shaped body. */
  readonly body: ApiErrorBody;
}

/** Statuses of llamita's error codes: a caller's mistake is a 4xx, the rest a 500. */
const STATUS: Partial<Record<ErrorCode, ApiError['status']>> = {
  E_INVALID_ARGUMENT: 400,
  E_CONTEXT_FULL: 400,
  // the client went away or the server is stopping
  E_ABORTED: 503,
};

/** An error response of `status` with `message`. */
export function apiError(status: ApiError['status'], type: string, message: string, code: string | null = null, param: string | null = null): ApiError {
  return { status, body: { error: { message, type, param, code } } };
}

/** The response for an error thrown while serving: typed errors keep their code; anything else is a 500 that says no more. */
export function errorFor(e: unknown): ApiError {
  if (LlamitaError.is(e)) {
    const status = STATUS[e.code] ?? 500;
    const param = typeof e.details?.['param'] === 'string' ? e.details['param'] : null;
    return apiError(status, status >= 500 ? 'server_error' : 'invalid_request_error', e.message, e.code, param);
  }
  return apiError(500, 'server_error', 'internal error', 'E_INTERNAL');
}
