import type protobuf from 'protobufjs';
import { ExportLogsServiceResponse, ExportTraceServiceResponse, RpcStatus } from './proto-root.js';

/** The request's encoding; OTLP/HTTP answers in the same one. */
export type WireFormat = 'protobuf' | 'json';

/**
 * Messages are cut to 64 Ki characters: at most 192 KiB of UTF-8 (or 384 KiB of JSON escapes),
 * far below the 4 MiB response limit of OTLP/HTTP.
 */
const MAX_MESSAGE_CHARS = 64 * 1024;

const FULL_SUCCESS_JSON = Buffer.from('{}');
const EMPTY = Buffer.alloc(0);

/** A signal's `Export…ServiceResponse` and the name of its count of rejected items. */
export interface ExportResponse {
  type: protobuf.Type;
  rejectedKey: string;
}

export const TRACES_RESPONSE: ExportResponse = { type: ExportTraceServiceResponse, rejectedKey: 'rejectedSpans' };
export const LOGS_RESPONSE: ExportResponse = { type: ExportLogsServiceResponse, rejectedKey: 'rejectedLogRecords' };

/** Items rejected one by one, reported through `partial_success`. */
export interface PartialSuccess {
  rejected: number;
  errorMessage: string;
}

/**
 * An `Export…ServiceResponse`. Without `partial` it is a full success, `partial_success` unset:
 * `{}` in JSON, an empty protobuf body.
 */
export function encodeExportResponse(response: ExportResponse, format: WireFormat, partial?: PartialSuccess): Buffer {
  if (!partial) return encodeFullSuccess(format);
  const errorMessage = truncate(partial.errorMessage);
  if (format === 'json') {
    // proto3 JSON writes int64 as a decimal string.
    return Buffer.from(JSON.stringify({ partialSuccess: { [response.rejectedKey]: String(partial.rejected), errorMessage } }));
  }
  return toBuffer(response.type.encode({ partialSuccess: { [response.rejectedKey]: partial.rejected, errorMessage } }).finish());
}

/** The full success every `Export…ServiceResponse` shares: `{}` in JSON, an empty protobuf message. */
export function encodeFullSuccess(format: WireFormat): Buffer {
  return format === 'json' ? FULL_SUCCESS_JSON : EMPTY;
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
