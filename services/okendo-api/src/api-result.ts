/** Errors as values: every call answers a Result, never throws for an HTTP or network failure. */

export type Result<T> = { ok: true; value: T } | { ok: false; error: OkendoApiError };

export type OkendoErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'invalid_request'
  | 'rate_limited'
  | 'server_error'
  | 'http_error'
  | 'network_error'
  | 'invalid_response';

export interface OkendoApiError {
  code: OkendoErrorCode;
  /** A sentence a person can act on; never holds the API key or a webhook secret. */
  message: string;
  /** The HTTP status, absent for network errors. */
  status?: number;
  /** Okendo's `error.description`, when the body had one. */
  description?: string;
  /** Whether the same request may succeed later (429, 5xx, network). */
  retriable: boolean;
  method: string;
  path: string;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(error: OkendoApiError): Result<T> => ({ ok: false, error });

const CODE_BY_STATUS: Readonly<Record<number, OkendoErrorCode>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  422: 'invalid_request',
  429: 'rate_limited',
};

const HINT_BY_CODE: Partial<Record<OkendoErrorCode, string>> = {
  unauthorized: 'check OKENDO_USER_ID and OKENDO_API_KEY',
  forbidden: 'the API key may not manage webhook subscriptions',
  rate_limited: 'Okendo allows about 2 requests/s',
};

export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `error.description` from Okendo's `{error: {description}}` body, if that is what the body is. */
export function okendoDescription(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>)['error'];
  if (typeof error !== 'object' || error === null) return undefined;
  const description = (error as Record<string, unknown>)['description'];
  return typeof description === 'string' && description !== '' ? description : undefined;
}

export function httpError(
  request: { method: string; path: string },
  status: number,
  description: string | undefined,
): OkendoApiError {
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'http_error');
  const hint = HINT_BY_CODE[code];
  const detail = [description, hint].filter((part) => part !== undefined).join('; ');
  return {
    code,
    message: `Okendo answered ${status} to ${request.method} ${request.path}${detail ? `: ${detail}` : ''}`,
    status,
    ...(description === undefined ? {} : { description }),
    retriable: isRetriableStatus(status),
    method: request.method,
    path: request.path,
  };
}

export function networkError(request: { method: string; path: string }, cause: unknown): OkendoApiError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return {
    code: 'network_error',
    message: `cannot reach Okendo for ${request.method} ${request.path}: ${reason}`,
    retriable: true,
    method: request.method,
    path: request.path,
  };
}

export function invalidResponse(request: { method: string; path: string }, problem: string): OkendoApiError {
  return {
    code: 'invalid_response',
    message: `Okendo's answer to ${request.method} ${request.path} is not what its API documents: ${problem}`,
    retriable: false,
    method: request.method,
    path: request.path,
  };
}
