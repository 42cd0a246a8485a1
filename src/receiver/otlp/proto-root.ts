import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * The OTLP trace and logs service schemas, loaded once from the repository's proto/ folder, for
 * encoding responses (requests are decoded by hand, see protobuf-reader.ts). Both src/ and dist/
 * keep this module three levels below the repository root.
 */
const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports in the .proto files are written relative to the proto/ root.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync([
    'opentelemetry/proto/collector/trace/v1/trace_service.proto',
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    'google/rpc/status.proto',
  ]);
  return root;
}

const root = loadRoot();

export const ExportTraceServiceResponse = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
export const ExportLogsServiceResponse = root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse');
export const RpcStatus = root.lookupType('google.rpc.Status');
