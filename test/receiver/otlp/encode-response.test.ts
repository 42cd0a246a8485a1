import { describe, expect, it } from 'vitest';
import { encodeExportResponse, encodeStatus, LOGS_RESPONSE, TRACES_RESPONSE } from '../../../src/receiver/otlp/encode-response.js';
import { ExportLogsServiceResponse, ExportTraceServiceResponse, RpcStatus } from '../../../src/receiver/otlp/proto-root.js';

const FOUR_MIB = 4 * 1024 * 1024;

/** A protobuf body read back with the schema, as plain JSON-like values (int64 as strings). */
function readProtobuf(type: typeof RpcStatus, body: Buffer): Record<string, unknown> {
  return type.toObject(type.decode(body), { longs: String });
}

describe('encodeExportResponse', () => {
  it('leaves partial_success unset on full success: {} and an empty protobuf body', () => {
    expect(encodeExportResponse(TRACES_RESPONSE, 'json').toString()).toBe('{}');
    expect(encodeExportResponse(TRACES_RESPONSE, 'protobuf')).toEqual(Buffer.alloc(0));
  });

  it('writes a partial success with rejectedSpans as an int64 string in JSON', () => {
    const partial = { rejected: 3, errorMessage: '3 spans have an invalid trace_id or span_id' };
    expect(encodeExportResponse(TRACES_RESPONSE, 'json', partial).toString()).toBe(
      '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"3 spans have an invalid trace_id or span_id"}}',
    );
    const body = encodeExportResponse(TRACES_RESPONSE, 'protobuf', partial);
    expect(Buffer.isBuffer(body)).toBe(true);
    expect(readProtobuf(ExportTraceServiceResponse, body)).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: partial.errorMessage },
    });
  });

  it('writes a logs partial success with rejectedLogRecords', () => {
    const partial = { rejected: 2, errorMessage: '2 log records rejected' };
    expect(encodeExportResponse(LOGS_RESPONSE, 'json', partial).toString()).toBe(
      '{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"2 log records rejected"}}',
    );
    expect(readProtobuf(ExportLogsServiceResponse, encodeExportResponse(LOGS_RESPONSE, 'protobuf', partial))).toEqual({
      partialSuccess: { rejectedLogRecords: '2', errorMessage: partial.errorMessage },
    });
  });

  it('cuts a long error message to 64 Ki characters without splitting a surrogate pair', () => {
    const errorMessage = 'x'.repeat(64 * 1024 - 1) + '😀'.repeat(2_000_000);
    const json = encodeExportResponse(TRACES_RESPONSE, 'json', { rejected: 1, errorMessage });
    expect(json.length).toBeLessThan(FOUR_MIB);
    const kept = (JSON.parse(json.toString()) as { partialSuccess: { errorMessage: string } }).partialSuccess.errorMessage;
    expect(kept).toBe('x'.repeat(64 * 1024 - 1)); // the emoji's high surrogate would have been the 65536th unit

    const protobufBody = encodeExportResponse(TRACES_RESPONSE, 'protobuf', { rejected: 1, errorMessage: 'é'.repeat(10 * 1024 * 1024) });
    expect(protobufBody.length).toBeLessThan(FOUR_MIB);
    expect(readProtobuf(ExportTraceServiceResponse, protobufBody)).toEqual({
      partialSuccess: { rejectedSpans: '1', errorMessage: 'é'.repeat(64 * 1024) },
    });
  });
});

describe('encodeStatus', () => {
  it('writes a google.rpc.Status in JSON', () => {
    expect(encodeStatus('json', 3, 'invalid JSON: "oops"').toString()).toBe('{"code":3,"message":"invalid JSON: \\"oops\\""}');
  });

  it('writes a google.rpc.Status in protobuf', () => {
    const body = encodeStatus('protobuf', 14, 'queue is full, retry later');
    expect(readProtobuf(RpcStatus, body)).toEqual({ code: 14, message: 'queue is full, retry later' });
    // Field 1 varint 14, field 2 the message: the exact wire bytes a client decodes.
    expect(body.subarray(0, 4)).toEqual(Buffer.from([0x08, 14, 0x12, 26]));
  });

  it('caps the message', () => {
    const body = encodeStatus('json', 3, 'y'.repeat(5 * 1024 * 1024));
    expect((JSON.parse(body.toString()) as { message: string }).message).toHaveLength(64 * 1024);
  });
});
