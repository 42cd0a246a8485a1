/**
 * Every error oct answers, one entry per stable code: HTTP status, google.rpc.Code (for the
 * OTLP Status body and the coming OTLP/gRPC receiver), whether a client should retry, and the
 * message. Routes raise these; one failure path writes them in each route's dialect.
 */

/** google.rpc.Code values oct uses. */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

export interface ErrorEntry<A extends unknown[]> {
  status: number;
  grpcCode: GrpcCode;
  /** Retryable answers carry `Retry-After`; OTLP clients retry only 429/502/503/504. */
  retryable: boolean;
  message: (...args: A) => string;
}

/** Seconds a client should wait after a retryable answer, unless the error says (a full queue's backlog). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The longest `Retry-After`: the JS and Python SDKs give up a retry that would end past their
 * 10 s export timeout, and a request refused for a full queue has waited OCT_ADMISSION_WAIT_MS
 * (4 s) first; 3 s leaves room for the retry.
 */
export const MAX_RETRY_AFTER_SECONDS = 3;

const entry = <A extends unknown[]>(
  status: number,
  grpcCode: GrpcCode,
  retryable: boolean,
  message: (...args: A) => string,
): ErrorEntry<A> => ({
  status,
  grpcCode,
  retryable,
  message,
});

export const ERRORS = {
  /** No API key, or not one of oct's; answered with `WWW-Authenticate: Bearer`. */
  OCT_ERR_UNAUTHENTICATED: entry(401, GrpcCode.UNAUTHENTICATED, false, (presented: boolean) =>
    presented
      ? "the API key is not one of oct's (OCT_API_KEY)"
      : 'an API key is required: send Authorization: Bearer <key> or x-api-key: <key> (OCT_API_KEY)',
  ),
  /** DNS rebinding: a loopback listener without API keys answers only requests addressed to a loopback name. */
  OCT_ERR_WRONG_HOST: entry(
    403,
    GrpcCode.PERMISSION_DENIED,
    false,
    (host: string) =>
      `Host '${host}' is not a loopback name; without an API key oct answers only requests to localhost, 127.0.0.1 or [::1] (OCT_API_KEY lifts this)`,
  ),
  OCT_ERR_NOT_FOUND: entry(
    404,
    GrpcCode.NOT_FOUND,
    false,
    (method: string, path: string, served: string) => `no route for ${method} ${path}; oct serves ${served}`,
  ),
  OCT_ERR_METHOD_NOT_ALLOWED: entry(405, GrpcCode.UNIMPLEMENTED, false, (usage: string) => `method not allowed; ${usage}`),
  OCT_ERR_UNSUPPORTED_MEDIA_TYPE: entry(
    415,
    GrpcCode.INVALID_ARGUMENT,
    false,
    (actual: string, expected: string) => `unsupported Content-Type '${actual}'; send ${expected}`,
  ),
  OCT_ERR_UNSUPPORTED_ENCODING: entry(
    400,
    GrpcCode.INVALID_ARGUMENT,
    false,
    (encoding: string) => `unsupported Content-Encoding: ${encoding} (supported: gzip, deflate, br, identity)`,
  ),
  OCT_ERR_BODY_TOO_LARGE: entry(
    413,
    GrpcCode.RESOURCE_EXHAUSTED,
    false,
    (limit: number) => `request body exceeds the limit of ${limit} bytes (after decompression); OCT_MAX_BODY_BYTES sets it`,
  ),
  OCT_ERR_BODY_UNREADABLE: entry(
    400,
    GrpcCode.INVALID_ARGUMENT,
    false,
    (encoding: string) => `the request body is not valid ${encoding} data (Content-Encoding: ${encoding})`,
  ),
  /** The minimum body rate (HTTP only): the connection is closed after this answer. */
  OCT_ERR_BODY_TOO_SLOW: entry(
    408,
    GrpcCode.DEADLINE_EXCEEDED,
    false,
    (bytes: number, windowMs: number) =>
      `the request body arrived slower than ${bytes} bytes in ${windowMs / 1000} s; oct closed the connection`,
  ),
  OCT_ERR_BODY_ABORTED: entry(400, GrpcCode.INVALID_ARGUMENT, false, () => 'request aborted by the client before the body was complete'),
  /** Undecodable protobuf or JSON; the decoder's message says what and where. */
  OCT_ERR_MALFORMED_BODY: entry(400, GrpcCode.INVALID_ARGUMENT, false, (reason: string) => reason),
  /** Native items that fail the schema; the answer lists the problems. */
  OCT_ERR_INVALID_ITEMS: entry(400, GrpcCode.INVALID_ARGUMENT, false, (total: number, listed: number) => {
    const first = total > listed ? ` (first ${listed} listed)` : '';
    return `invalid request: ${total} problem${total === 1 ? '' : 's'}${first}`;
  }),
  /** More events than the queue can ever hold: retrying cannot help. */
  OCT_ERR_TOO_MANY_EVENTS: entry(
    413,
    GrpcCode.RESOURCE_EXHAUSTED,
    false,
    (held: string, capacity: number, advice: string) => `${held} but the queue holds at most ${capacity}; ${advice}`,
  ),
  OCT_ERR_QUEUE_FULL: entry(503, GrpcCode.UNAVAILABLE, true, () => 'queue is full; retry later'),
  /** The memory limiter (OCT_MAX_INFLIGHT_MB): requests in flight hold the whole budget; they are answered within seconds. */
  OCT_ERR_MEMORY_LIMIT: entry(
    503,
    GrpcCode.UNAVAILABLE,
    true,
    (maxMib: number) =>
      `oct is holding its in-flight request budget (OCT_MAX_INFLIGHT_MB = ${maxMib} MiB) in requests being read; retry later`,
  ),
  OCT_ERR_SHUTTING_DOWN: entry(503, GrpcCode.UNAVAILABLE, true, () => 'oct is shutting down; retry later'),
  /** The disk guard: a full disk or a database oct may not write; what was admitted before is kept and written later. */
  OCT_ERR_STORAGE_UNAVAILABLE: entry(
    503,
    GrpcCode.UNAVAILABLE,
    true,
    (reason: string) => `${reason}; oct is not storing new data, retry later`,
  ),
  /** Read API: a query parameter that is unknown, repeated or out of range; the message names it. */
  OCT_ERR_INVALID_PARAMETER: entry(400, GrpcCode.INVALID_ARGUMENT, false, (reason: string) => reason),
  OCT_ERR_UNKNOWN_TRACE: entry(404, GrpcCode.NOT_FOUND, false, (traceId: string) => `no trace with trace_id '${traceId}'`),
  /** Read API: the reader threads are busy, restarting or stopping. */
  OCT_ERR_READ_UNAVAILABLE: entry(503, GrpcCode.UNAVAILABLE, true, (reason: string) => `reads are unavailable: ${reason}; retry later`),
  /** A bug in oct, never an expected outcome. */
  OCT_ERR_INTERNAL: entry(500, GrpcCode.INTERNAL, false, () => 'internal error; see the oct log'),
};

export type ErrorCode = keyof typeof ERRORS;
type MessageArgs<C extends ErrorCode> = Parameters<(typeof ERRORS)[C]['message']>;

/** An error answer: a registry code and its message (plus, for invalid native items, the problems). */
export class OctError extends Error {
  override name = 'OctError';
  readonly code: ErrorCode;
  readonly problems: readonly string[];
  /** What a library said (zlib, protobufjs), for the debug log; the answer has oct's own words. */
  detail: string | undefined;
  /** `Retry-After` of a retryable answer, in whole seconds. */
  readonly retryAfterS: number;

  constructor(code: ErrorCode, message: string, problems: readonly string[] = [], retryAfterMs = RETRY_AFTER_SECONDS * 1000) {
    super(message);
    this.code = code;
    this.problems = problems;
    this.retryAfterS = Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(RETRY_AFTER_SECONDS, Math.ceil(retryAfterMs / 1000)));
  }

  get entry(): Omit<ErrorEntry<never>, 'message'> {
    return ERRORS[this.code];
  }

  /** Keeps the message of the library error `cause`, if it is one, as the `detail`. */
  causedBy(cause: unknown): this {
    if (cause instanceof Error) this.detail = cause.message;
    return this;
  }
}

export function octError<C extends ErrorCode>(code: C, ...args: MessageArgs<C>): OctError {
  const message = (ERRORS[code].message as (...a: MessageArgs<C>) => string)(...args);
  return new OctError(code, message);
}
