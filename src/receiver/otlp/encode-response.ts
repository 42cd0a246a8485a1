import type protobuf from 'protobufjs';
import { ExportLogsServiceResponse, ExportTraceServiceResponse, RpcStatus } from './proto-root.js';

/** The request's encoding; OTLP/HTTP answers in the same one. */
export type WireFormat = 'protobuf' | 'json';

/**
 * Messages are cut to 64 Ki characters: at most 192 KiB of UTF-8 (or 384 KiB of JSON escapes),
 * far below the 4 MiB response limit of OTLP/HTTP.
 */
const MAX_MESSAGE_CHARS = 64 * 1024;

/**
 * An `ExportTraceServiceResponse`. Without `partial` it is a full success, `partial_success` unset:
 * `{}` in JSON, an empty protobuf body.
 */
export function encodeExportResponse(format: WireFormat, partial?: { rejectedSpans: number; errorMessage: string }): Buffer {
  if (!partial) return fullSuccess(format);
  return partialSuccess(format, ExportTraceServiceResponse, 'rejectedSpans', partial.rejectedSpans, partial.errorMessage);
}

/** An `ExportLogsServiceResponse`, written like the traces one. */
export function encodeLogsExportResponse(format: WireFormat, partial?: { rejectedLogRecords: number; errorMessage: string }): Buffer {
  if (!partial) return fullSuccess(format);
  return partialSuccess(format, ExportLogsServiceResponse, 'rejectedLogRecords', partial.rejectedLogRecords, partial.errorMessage);
}

function fullSuccess(format: WireFormat): Buffer {
  return format === 'json' ? Buffer.from('{}') : Buffer.alloc(0);
}

function partialSuccess(format: WireFormat, type: protobuf.Type, countKey: string, rejected: number, message: string): Buffer {
  const errorMessage = truncate(message);
  if (format === 'json') {
    // proto3 JSON writes int64 as a decimal string.
    return Buffer.from(JSON.stringify({ partialSuccess: { [countKey]: String(rejected), errorMessage } }));
  }
  return toBuffer(type.encode({ partialSuccess: { [countKey]: rejected, errorMessage } }).finish());
}

/** A `google.rpc.Status`, the body of every OTLP/HTTP 4xx/5xx. */
export function encodeStatus(format: WireFormat, code: number, message: string): Buffer {
  const status = { code, message: truncate(message) };
  if (format === 'json') return Buffer.from(JSON.stringify(status));
  return toBuffer(RpcStatus.encode(status).finish());
}

function truncate(message: string): string {
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  // Do not leave half of a surrogate pair at the end.
  const end = isHighSurrogate(message.charCodeAt(MAX_MESSAGE_CHARS - 1)) ? MAX_MESSAGE_CHARS - 1 : MAX_MESSAGE_CHARS;
  return message.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
