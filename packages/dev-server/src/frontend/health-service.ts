// grpc.health.v1.Health as gRPC specifies it: the overall status (service "") and one per served service, `Check`
// (NOT_FOUND for a service it does not serve) and `Watch` (the status now, then each change, until the caller
// leaves). Everything is SERVING while the server listens and NOT_SERVING once it shuts down.
import * as grpc from '@grpc/grpc-js';
import { ServiceError } from '../errors';
import { HealthServiceHandlers } from './service-definition';

const SERVING = 1;
const NOT_SERVING = 2;
const SERVICE_UNKNOWN = 3;

export class HealthState {
  private readonly statuses = new Map<string, number>();
  private readonly watchers = new Set<{ service: string; send: (status: number) => void }>();

  constructor(services: string[]) {
    for (const s of ['', ...services]) this.statuses.set(s, SERVING);
  }

  status(service: string): number | undefined {
    return this.statuses.get(service);
  }

  /** Sets every service's status (shutdown makes them NOT_SERVING) and tells the watchers. */
  setAll(serving: boolean): void {
    for (const s of this.statuses.keys()) this.statuses.set(s, serving ? SERVING : NOT_SERVING);
    for (const w of this.watchers) w.send(this.statuses.get(w.service) ?? SERVICE_UNKNOWN);
  }

  watch(service: string, send: (status: number) => void): () => void {
    const w = { service, send };
    this.watchers.add(w);
    send(this.statuses.get(service) ?? SERVICE_UNKNOWN);
    return () => this.watchers.delete(w);
  }

  /** Ends every watch (the server is going away). */
  endWatches(): void {
    this.watchers.clear();
  }
}

export function healthHandlers(state: HealthState): HealthServiceHandlers {
  return {
    Check: (req: { service?: string | null }) => {
      const status = state.status(req.service ?? '');
      if (status === undefined) throw new ServiceError(grpc.status.NOT_FOUND, 'unknown service');
      return { status };
    },
    Watch: (req: { service?: string | null }, call: grpc.ServerUnaryCall<unknown, unknown>) => {
      const stream = call as unknown as grpc.ServerWritableStream<unknown, unknown>;
      let last: number | undefined;
      const stop = state.watch(req.service ?? '', (status) => {
        if (status === last || stream.cancelled) return;
        last = status;
        stream.write({ status });
      });
      stream.on('cancelled', stop);
      return STREAMING;
    },
  };
}

/** What a server-streaming handler returns: it answers through its call, which stays open. */
export const STREAMING = Object.freeze({ streaming: true });
