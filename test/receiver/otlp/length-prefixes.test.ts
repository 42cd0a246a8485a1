import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { startOct, type RunningOct } from '../../helpers.js';
import { METRICS_PATH, rawClient, TRACE_PATH } from '../grpc/grpc-client.js';

// Every length prefix that does not fit what is left of its message is refused, in oct's words
// (never protobufjs's "index out of range"), on both transports and all three signals.

const LOGS_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const SIGNALS = [
  { name: 'traces', http: '/v1/traces', grpc: TRACE_PATH },
  { name: 'logs', http: '/v1/logs', grpc: LOGS_PATH },
  { name: 'metrics', http: '/v1/metrics', grpc: METRICS_PATH },
];

function varint(n: bigint): Buffer {
  const bytes: number[] = [];
  for (; n >= 128n; n >>= 7n) bytes.push(Number(n & 127n) | 128);
  bytes.push(Number(n));
  return Buffer.from(bytes);
}

/** A length-delimited field `number` holding `content`, whose prefix claims `claimed` bytes. */
const field = (number: number, content: Buffer, claimed = BigInt(content.length)) =>
  Buffer.concat([varint(BigInt((number << 3) | 2)), varint(claimed), content]);

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => new URL('../../../proto/', import.meta.url).pathname + target;
root.loadSync('google/rpc/status.proto');
const Status = root.lookupType('google.rpc.Status');

type Signal = (typeof SIGNALS)[number];

/** The body posted over HTTP (status and the Status's message) and exported over gRPC (code and details). */
async function refusals(oct: RunningOct, signal: Signal, body: Buffer) {
  const res = await fetch(oct.url + signal.http, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  const status = Status.toObject(Status.decode(Buffer.from(await res.arrayBuffer()))) as { code: number; message: string };
  const client = rawClient(oct.grpcUrl!);
  try {
    const answer = await client.call(signal.grpc, body).then(
      () => ({ code: grpc.status.OK, details: '' }),
      (err: grpc.ServiceError) => ({ code: err.code, details: err.details }),
    );
    return { http: { status: res.status, code: status.code, message: status.message }, grpc: answer };
  } finally {
    client.close();
  }
}

/** What both transports answer to a body refused as `message`. */
const refused = (message: string | RegExp) => {
  const text: unknown = typeof message === 'string' ? message : expect.stringMatching(message);
  return { http: { status: 400, code: 3, message: text }, grpc: { code: grpc.status.INVALID_ARGUMENT, details: text } };
};

const PREFIX = /^invalid protobuf: length prefix \d+ at offset \d+ exceeds the \d+ bytes left in its message$/;

interface Body {
  name: string;
  body: Buffer;
  message: string | RegExp;
}

// Field 1 of each request is the resource group; field 2 of a resource group is the scope group,
// and field 2 of a scope group is the item (span, log record, metric).
const BODIES: Body[] = [
  {
    name: 'a resource group claiming 2^63 bytes (its low 32 bits are 0)',
    body: field(1, Buffer.alloc(0), 2n ** 63n),
    message: 'invalid protobuf: length prefix 9223372036854776000 at offset 1 exceeds the 0 bytes left in its message',
  },
  {
    name: 'a resource group claiming 2^31 bytes',
    body: field(1, Buffer.alloc(3), 2n ** 31n),
    message: 'invalid protobuf: length prefix 2147483648 at offset 1 exceeds the 3 bytes left in its message',
  },
  {
    name: 'a scope group longer than its resource group',
    body: field(1, field(2, Buffer.alloc(2), 9n)),
    message: 'invalid protobuf: length prefix 9 at offset 3 exceeds the 2 bytes left in its message',
  },
  {
    name: 'an item claiming 2^63 bytes inside a scope group',
    body: field(1, field(2, field(2, Buffer.alloc(1), 2n ** 63n))),
    message: PREFIX,
  },
  {
    name: 'an unknown field claiming more than is left',
    body: Buffer.concat([field(9, Buffer.alloc(4), 1000n)]),
    message: 'invalid protobuf: length prefix 1000 at offset 1 exceeds the 4 bytes left in its message',
  },
  {
    name: 'a length prefix cut off by the end of the body',
    body: Buffer.from([0x0a, 0x80, 0x80]),
    message:
      /^invalid protobuf: (length prefix at offset 1 is cut off by the end of its message|a field runs past the end of its message)$/,
  },
];

/** A span (or log record) whose first string field claims 100 bytes where 3 are left: a string is not read to the end either. */
const STRING_PAST_END = field(1, field(2, field(2, field(5, Buffer.from('abc'), 100n))));

describe.each(SIGNALS)('OTLP $name', (signal) => {
  it.each(BODIES)("refuses $name over HTTP and gRPC, in oct's words", async ({ body, message }) => {
    const oct = await startOct();
    expect(await refusals(oct, signal, body)).toEqual(refused(message));
    expect(oct.runtime.health().receiver.otlp_requests_failed).toBe(2);
    expect(oct.runtime.health().pipeline.received).toBe(0);
  });
});

describe.each(SIGNALS.filter((s) => s.name !== 'metrics'))('OTLP $name', (signal) => {
  it('refuses a string field that runs past the end of its message (protobufjs would read it to the end)', async () => {
    const oct = await startOct();
    expect(await refusals(oct, signal, STRING_PAST_END)).toEqual(
      refused('invalid protobuf: length prefix 100 at offset 7 exceeds the 3 bytes left in its message'),
    );
  });
});
