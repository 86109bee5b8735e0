import { ServiceHandlers } from './service-definition';

/** grpc.health.v1.Health: always SERVING once the server listens. */
export function healthHandlers(): ServiceHandlers {
  return {
    Check: () => ({ status: 1 }),
  };
}
