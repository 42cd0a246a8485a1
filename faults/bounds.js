// Figures the suite's bounds are made of that are not oct's settings (those are read from README).

// Peak RSS may reach idle RSS + RSS_OVERHEAD_MIB + OCT_MAX_INFLIGHT_MB × RSS_PER_INFLIGHT_BYTE: the
// bound oct itself documents, measured by bench/memory.js.
export { RSS_OVERHEAD_MIB, RSS_PER_INFLIGHT_BYTE } from '../dist/receiver/inflight-budget.js';

/** Issue 12's bound for 16 gzip bombs with every setting at its default. */
export const BOMBS_DEFAULT_BOUND_MIB = 768;

/** Issue 12's slow-client timeouts: headers within 10 s, a whole request within 60 s. */
export const HEADERS_TIMEOUT_S = 10;
export const REQUEST_TIMEOUT_S = 60;
/** Slack on those timeouts: Node checks them on an interval, not at the instant. */
export const TIMEOUT_SLACK_S = 5;

/** SDK delivery for a burst of 2× oct's throughput for 5 s (issue 12's target). */
export const BURST_DELIVERY_TARGET = 0.99;
