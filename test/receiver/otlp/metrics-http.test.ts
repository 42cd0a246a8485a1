import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startOct } from '../../helpers.js';

const health = async (url: string) =>
  ((await (await fetch(`${url}/healthz`)).json()) as { receiver: { otlp_metric_points_ignored: number; otlp_requests_failed: number } })
    .receiver;

// resource_metrics { scope_metrics { metrics { histogram { data_points {} data_points {} } } } }
const PROTOBUF = Buffer.from([0x0a, 0x0a, 0x12, 0x08, 0x12, 0x06, 0x4a, 0x04, 0x0a, 0x00, 0x0a, 0x00]);
const JSON_BODY = JSON.stringify({
  resourceMetrics: [
    {
      scopeMetrics: [
        {
          metrics: [
            { name: 'http.server.duration', histogram: { dataPoints: [{}, {}, {}] } },
            { name: 'up', gauge: { dataPoints: [{ asInt: '1' }] } },
            { name: 'requests', sum: { data_points: [{}] } },
          ],
        },
      ],
    },
  ],
});

describe('POST /v1/metrics', () => {
  it('answers success with an empty ExportMetricsServiceResponse in the request’s encoding and counts the points it ignores', async () => {
    const { url } = await startOct();
    const pb = await fetch(`${url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: PROTOBUF });
    expect(pb.status).toBe(200);
    expect(pb.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await pb.arrayBuffer()).byteLength).toBe(0);
    const json = await fetch(`${url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: zlib.gzipSync(JSON_BODY),
    });
    expect(json.status).toBe(200);
    expect(await json.text()).toBe('{}');
    expect(await health(url)).toMatchObject({ otlp_metric_points_ignored: 2 + 5, otlp_requests_failed: 0 });
  });

  it('answers undecodable bodies 400 like the other OTLP routes', async () => {
    const { url } = await startOct();
    const res = await fetch(`${url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceMetrics": 3}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 3, message: 'resourceMetrics: expected an array' });
    expect(await health(url)).toMatchObject({ otlp_metric_points_ignored: 0, otlp_requests_failed: 1 });
  });
});
