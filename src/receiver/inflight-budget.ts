import { INFLIGHT_BYTES_PER_BODY_BYTE } from '../config/config.js';
import { octError, type OctError } from './errors.js';

/**
 * The estimate of a decoded request's bytes per byte of body: decoding makes its strings (about one
 * body, LLM payloads being mostly text), and mapping parses and renders the messages in them
 * (about one more) before cutting them to OCT_MAX_TEXT_BYTES. With the raw and the inflated byte,
 * that is the INFLIGHT_BYTES_PER_BODY_BYTE the budget must hold per byte of the largest body.
 */
export const DECODED_PER_BODY_BYTE = INFLIGHT_BYTES_PER_BODY_BYTE - 2;

/**
 * The memory bound, measured by bench/memory.js (16 gzip bombs and 64 concurrent 1.8 MB requests,
 * budgets of 32 to 256 MiB): oct's peak RSS stays under its idle RSS + RSS_OVERHEAD_MIB +
 * OCT_MAX_INFLIGHT_MB × RSS_PER_INFLIGHT_BYTE. Reserved bytes cost more than themselves (garbage
 * awaiting collection, zlib and decoder buffers), and the JS heap keeps slack of its own. README
 * quotes the bound; the fault suite checks it.
 */
export const RSS_PER_INFLIGHT_BYTE = 2;
export const RSS_OVERHEAD_MIB = 96;

const MIB = 1024 * 1024;

export interface InflightStats {
  /** Bytes reserved by requests in flight now. */
  bytes: number;
  /** OCT_MAX_INFLIGHT_MB in bytes. */
  max_bytes: number;
  /** The most bytes ever reserved at once. */
  peak_bytes: number;
  /** Requests refused because their bytes did not fit. */
  refused_requests: number;
}

/**
 * The memory limiter, like the Collector's `memory_limiter` but counted rather than sampled: one
 * budget of bytes shared by every request in flight on HTTP and gRPC. A request reserves its body
 * as it streams in (compressed and inflated) and an estimate of its decoded events, and gives it
 * all back when it is answered, however it ends. A request whose next bytes do not fit is refused.
 */
export class InflightBudget {
  readonly #max: number;
  #used = 0;
  #peak = 0;
  #refused = 0;

  /** Refusals are logged where every refused request is: the receivers' rejection log. */
  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  /** A reservation for one request, holding nothing yet. */
  open(): Reservation {
    let held = 0;
    let open = true;
    return {
      grow: (n) => {
        if (!open) return false;
        if (this.#used + n > this.#max) {
          open = false;
          this.#refused++;
          return false;
        }
        held += n;
        this.#used += n;
        if (this.#used > this.#peak) this.#peak = this.#used;
        return true;
      },
      refusal: () => octError('OCT_ERR_MEMORY_LIMIT', this.#max / MIB),
      release: () => {
        open = false;
        this.#used -= held;
        held = 0;
      },
    };
  }

  stats(): InflightStats {
    return { bytes: this.#used, max_bytes: this.#max, peak_bytes: this.#peak, refused_requests: this.#refused };
  }
}

/** One request's share of the budget. */
export interface Reservation {
  /** Reserves `n` more bytes; false (counted once, and for good) when they do not fit. */
  grow(n: number): boolean;
  /** The answer to a request whose bytes did not fit. */
  refusal(): OctError;
  /** Gives back everything held; idempotent, and the reservation then holds nothing more. */
  release(): void;
}
