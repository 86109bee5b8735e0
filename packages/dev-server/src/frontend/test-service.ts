import * as grpc from '@grpc/grpc-js';
import { temporal } from '../internal/proto';
import { durationMs, msTimestamp, timestampMs } from '../internal/proto';
import { ServiceError } from '../errors';
import { TestServiceHandlers } from './service-definition';
import type { ServerContext } from '../server-context';

/**
 * temporal.api.testservice.v1.TestService: the time-skipping controls of the Temporal test server (lock
 * counter, sleeps on the virtual clock, current time).
 */
export function testServiceHandlers(ctx: ServerContext): TestServiceHandlers {
  const { time, deadlines } = ctx;
  const sleepers = new Map<string, () => void>();
  let nextSleeper = 0;
  ctx.deadlineHandlers.set('sleep', (owner) => {
    const wake = sleepers.get(owner);
    sleepers.delete(owner);
    wake?.();
  });

  /** Resolves once the (possibly skipping) clock reaches `at`. */
  const sleepUntil = (at: number, call: grpc.ServerUnaryCall<unknown, unknown>): Promise<void> => {
    if (time.now() >= at) return Promise.resolve();
    return new Promise((resolve) => {
      const owner = `sleep:${nextSleeper++}`;
      sleepers.set(owner, resolve);
      deadlines.set(owner, at);
      call.on('cancelled', () => {
        sleepers.delete(owner);
        deadlines.set(owner, undefined);
        resolve();
      });
    });
  };

  const unlockOrFail = () => {
    if (!time.unlock()) {
      throw new ServiceError(
        grpc.status.FAILED_PRECONDITION,
        'time skipping lock counter is already 0: UnlockTimeSkipping was called more often than LockTimeSkipping',
      );
    }
  };

  return {
    LockTimeSkipping: () => {
      time.lock();
      return {};
    },
    UnlockTimeSkipping: () => {
      unlockOrFail();
      return {};
    },
    Sleep: async (req: temporal.api.testservice.v1.ISleepRequest, call: grpc.ServerUnaryCall<unknown, unknown>) => {
      await sleepUntil(time.now() + durationMs(req.duration), call);
      return {};
    },
    SleepUntil: async (
      req: temporal.api.testservice.v1.ISleepUntilRequest,
      call: grpc.ServerUnaryCall<unknown, unknown>,
    ) => {
      await sleepUntil(timestampMs(req.timestamp), call);
      return {};
    },
    UnlockTimeSkippingWithSleep: async (
      req: temporal.api.testservice.v1.ISleepRequest,
      call: grpc.ServerUnaryCall<unknown, unknown>,
    ) => {
      const at = time.now() + durationMs(req.duration);
      unlockOrFail();
      try {
        await sleepUntil(at, call);
      } finally {
        time.lock();
      }
      return {};
    },
    GetCurrentTime: () => ({ time: msTimestamp(time.now()) }),
  };
}
