// A gRPC server interceptor that sees every request: it logs each one at debug level (method, namespace, status,
// latency) and counts it in the metrics.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../logger';
import type { Metrics } from './metrics';

/** `/pkg.Service/Method` → [`Service`, `Method`]. */
function splitPath(path: string): [string, string] {
  const [service = '', method = ''] = path.slice(1).split('/');
  return [service.slice(service.lastIndexOf('.') + 1), method];
}

export function requestObserver(log: Logger, metrics: Metrics): grpc.ServerInterceptor {
  const debug = log.enabled('debug');
  return (methodDescriptor, call) => {
    const started = process.hrtime.bigint();
    const [service, method] = splitPath(methodDescriptor.path);
    let namespace = '';
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMessage(message: unknown, nextMessage: (m: unknown) => void) {
            const ns = (message as { namespace?: unknown } | null)?.namespace;
            if (typeof ns === 'string') namespace = ns;
            nextMessage(message);
          },
        });
      },
      sendStatus(status, next) {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const code = grpc.status[status.code] ?? String(status.code);
        metrics.recordRequest(method, namespace, code, seconds);
        if (debug) {
          log.debug('request', {
            service,
            method,
            namespace,
            status: code,
            latencyMs: Math.round(seconds * 1e6) / 1e3,
            ...(status.code !== grpc.status.OK ? { error: status.details } : {}),
          });
        }
        next(status);
      },
    });
  };
}
