import * as grpc from '@grpc/grpc-js';
import { presentedKeys, type ApiKeys } from '../api-keys.js';
import { octError } from '../errors.js';
import { countOtlp, type ReceiverStats } from '../receiver-stats.js';
import type { RejectionLog } from '../rejection-log.js';
import { CODE_NAMES } from './otlp-services.js';

const text = (values: grpc.MetadataValue[]): string | undefined => (typeof values[0] === 'string' ? values[0] : undefined);

/**
 * Every call needs one of oct's API keys in its `authorization` (`Bearer <key>`) or `x-api-key`
 * metadata; otherwise it ends UNAUTHENTICATED on its metadata, before its message is read.
 */
export function keyInterceptor(keys: ApiKeys, stats: ReceiverStats, rejections: RejectionLog): grpc.ServerInterceptor {
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, forward) => {
            const presented = presentedKeys(text(metadata.get('authorization')), text(metadata.get('x-api-key')));
            if (keys.accepts(presented)) return forward(metadata);
            stats.unauthenticated_requests++;
            countOtlp(stats, 'grpc', 'otlp_requests_failed');
            const error = octError('OCT_ERR_UNAUTHENTICATED', presented.length > 0);
            rejections.refused({ route: `gRPC ${method.path.slice(1)}`, client: call.getPeer() }, error, CODE_NAMES[error.entry.grpcCode]);
            call.sendStatus({ code: error.entry.grpcCode, details: error.message });
          },
        }),
    });
}
