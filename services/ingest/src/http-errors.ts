/**
 * Every error the ingest answers with: a stable code, its HTTP status and a message a person can act on.
 * The body is always `{"error": {"code", "message"}}`. A unit test checks each code keeps its status.
 */
export const INGEST_ERRORS = {
  missing_headers: { status: 401, message: 'Signature headers are missing' },
  invalid_timestamp: { status: 401, message: 'The signature timestamp is not valid' },
  timestamp_too_old: {
    status: 401,
    message: 'The signature timestamp is too old: check the sender clock or replay',
  },
  timestamp_in_future: {
    status: 401,
    message: 'The signature timestamp is in the future: check the sender clock',
  },
  no_valid_signature: {
    status: 401,
    message: 'No signature matches: check the webhook secret for this endpoint',
  },
  unknown_source: { status: 404, message: 'No webhook secrets are configured for this source' },
  not_found: { status: 404, message: 'Nothing here: webhooks go to POST /webhooks/okendo[/:source]' },
  method_not_allowed: { status: 405, message: 'Use POST for webhook deliveries' },
  body_too_large: { status: 413, message: 'The body is larger than this endpoint or its topic accepts' },
  unsupported_media_type: { status: 415, message: 'Send the webhook body as application/json' },
  bad_request: { status: 400, message: 'The request is malformed' },
  request_timeout: { status: 408, message: 'The request body did not arrive in time' },
  headers_too_large: { status: 431, message: 'The request headers are larger than the server accepts' },
  kafka_unavailable: { status: 503, message: 'The event could not be stored durably yet: retry later' },
  kafka_refused: {
    status: 500,
    message: 'The broker refused this event: the topic configuration needs an operator; retry later',
  },
  internal_error: { status: 500, message: 'Unexpected error: the event was not stored, retry later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type IngestErrorCode = keyof typeof INGEST_ERRORS;

export interface ErrorBody {
  error: { code: IngestErrorCode; message: string };
}

export function errorBody(code: IngestErrorCode, detail?: string): ErrorBody {
  const { message } = INGEST_ERRORS[code];
  return { error: { code, message: detail === undefined ? message : `${message}: ${detail}` } };
}
