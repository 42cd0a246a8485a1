import { answer, type ErrorDialect } from '../receiver/http/answer.js';
import type { Route } from '../receiver/http/route.js';
import type { Metrics } from './prometheus.js';

/** `GET /metrics`: the Prometheus text format. */
export function metricsRoute(metrics: Metrics, errors: ErrorDialect): Route {
  return {
    method: 'GET',
    path: '/metrics',
    usage: 'metrics are read with GET',
    errors,
    handle: async (_req, res) => answer(res, 200, metrics.contentType, await metrics.render()),
  };
}
