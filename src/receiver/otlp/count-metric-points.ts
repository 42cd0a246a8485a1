import { protobufProblem } from './decode-errors.js';
import type { WireFormat } from './encode-response.js';
import { decodeOrRefuse } from './export-signal.js';
import { asObject, decodeRequestJson, list, objectAt, type Json } from './otlp-json.js';
import { Wire } from './wire.js';

/**
 * The data points of an `ExportMetricsServiceRequest` (proto field numbers in the comments),
 * counted and dropped: oct stores no metrics. Only the structure down to the points is read.
 */
export function countMetricPoints(format: WireFormat, body: Buffer): number {
  return decodeOrRefuse(COUNTERS[format], body);
}

const COUNTERS: Record<WireFormat, (body: Buffer) => number> = {
  protobuf: (body) => {
    try {
      // resource_metrics (1) → scope_metrics (2) → metrics (2) → one of gauge (5), sum (7), histogram (9),
      // exponential_histogram (10), summary (11) → data_points (1).
      return messages(new Wire(body), 0, REQUEST, (w, resource) =>
        messages(w, resource, RESOURCE, (w, scope) =>
          messages(w, scope, SCOPE, (w, metric) => messages(w, metric, METRIC_DATA, (w, data) => messages(w, data, DATA, () => 1))),
        ),
      );
    } catch (err) {
      throw protobufProblem(err);
    }
  },
  json: (body) =>
    decodeRequestJson(body, 'ExportMetricsServiceRequest', (request, context) =>
      sum(
        list(
          request.resourceMetrics ?? request.resource_metrics,
          'resourceMetrics',
          (r) => {
            const resource = asObject(r);
            return sum(
              list(
                resource.scopeMetrics ?? resource.scope_metrics,
                'scopeMetrics',
                (s) => {
                  const scope = asObject(s);
                  return sum(list(scope.metrics, 'metrics', (m) => jsonPoints(asObject(m)), context));
                },
                context,
              ),
            );
          },
          context,
        ),
      ),
    ),
};

const REQUEST = new Set([1]);
const RESOURCE = new Set([2]);
const SCOPE = new Set([2]);
const METRIC_DATA = new Set([5, 7, 9, 10, 11]);
const DATA = new Set([1]);
const JSON_DATA = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'exponential_histogram', 'summary'];

/**
 * Sums `visit` over the length-delimited fields numbered in `fields` of the message `w` is in,
 * `depth` messages below the request; skips the rest, and what `visit` leaves unread. Each visited
 * field is entered as a message of its own, so every length prefix must fit the message around it.
 */
function messages(w: Wire, depth: number, fields: ReadonlySet<number>, visit: (w: Wire, depth: number) => number): number {
  let n = 0;
  while (w.pos < w.len) {
    const tag = w.uint32();
    if (fields.has(tag >>> 3) && (tag & 7) === 2) {
      const outerEnd = w.enter(depth + 1);
      n += visit(w, depth + 1);
      w.pos = w.len;
      w.leave(outerEnd);
    } else w.skipField(tag, depth);
  }
  return n;
}

function jsonPoints(metric: Json): number {
  let n = 0;
  for (const key of JSON_DATA) {
    const points = objectAt(metric[key], key)?.dataPoints ?? objectAt(metric[key], key)?.data_points;
    if (Array.isArray(points)) n += points.length;
  }
  return n;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
