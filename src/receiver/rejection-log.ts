import { LogLimiter } from '../log-limiter.js';
import type { Logger } from '../logger.js';
import type { OctError } from './errors.js';

/** Where a refused request came from and went to, for the log line (never its body or headers). */
export interface RefusedRequest {
  /** `POST /v1/traces`, or the gRPC method's path. */
  route: string;
  /** The client's address. */
  client: string;
}

/**
 * Says why requests were refused, so "no rows" can be explained from the log: at `debug` every
 * refused request (route, status, oct's reason, client); otherwise the first of each reason at
 * once and then, at most once a minute, how many more there were.
 */
export class RejectionLog {
  readonly #logger: Logger;
  readonly #limiter = new LogLimiter();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  refused(request: RefusedRequest, error: OctError, status: number | string): void {
    // Invalid native items: the problems are the useful part (oct's words; they name fields, never quote text).
    const problems = error.problems.length > 0 ? `: ${error.problems.slice(0, 3).join('; ')}` : '';
    const reason = `${status} ${error.message}${problems}`;
    // What zlib or protobufjs said, when oct answered in its own words instead.
    const detail = error.detail === undefined ? '' : ` (${error.detail})`;
    if (this.#logger.debugging) return this.#logger.debug(`refused ${request.route} from ${request.client}: ${reason}${detail}`);
    this.#limiter.note(
      reason,
      (line) => this.#logger.info(line),
      () =>
        `request refused: ${reason} (${request.route} from ${request.client}; repeats are summarised once a minute, OCT_LOG_LEVEL=debug logs each)`,
      (n, kind) => `${n} requests refused in the last minute: ${kind}`,
    );
  }

  /** A request answered 200 whose items (spans, log records) with invalid ids were rejected through partial_success. */
  partlyRejected(request: RefusedRequest, rejected: number, message: string): void {
    const reason = `partial_success: ${message}`;
    if (this.#logger.debugging)
      return this.#logger.debug(`rejected ${rejected} items of ${request.route} from ${request.client}: ${reason}`);
    this.#limiter.note(
      reason,
      (line) => this.#logger.info(line),
      () => `items rejected: ${rejected} of ${request.route} from ${request.client}: ${reason} (repeats are summarised once a minute)`,
      (n, kind) => `${n} more requests had items rejected in the last minute: ${kind}`,
    );
  }

  /** Writes the summaries still owed. */
  flush(): void {
    this.#limiter.flush();
  }
}
