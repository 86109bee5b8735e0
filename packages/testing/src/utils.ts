/**
 * Namespace helpers for tests that run against a server which may still be starting up.
 *
 * @module
 */
import * as grpc from '@grpc/grpc-js';
import type { Connection } from '@kairos/client';
import { isGrpcServiceError } from '@kairos/client';
import { msToTs } from '@kairos/common/lib/time';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `namespace` answers requests: each attempt describes it, retrying every `retryIntervalSecs` seconds
 * up to `maxAttempts` times.
 *
 * @throws the last error once the attempts run out.
 */
export async function waitOnNamespace(
  connection: Connection,
  namespace: string,
  maxAttempts = 100,
  retryIntervalSecs = 1,
): Promise<void> {
  for (let attempt = 1; ; ++attempt) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      if (attempt >= maxAttempts) throw err;
      await sleep(retryIntervalSecs * 1000);
    }
  }
}

/**
 * Registers `namespace` (one day of retention) unless it exists, retrying every `retryIntervalSecs` seconds up to
 * `maxAttempts` times while the server cannot take the request.
 *
 * @throws the last error once the attempts run out.
 */
export async function createNamespace(
  connection: Connection,
  namespace: string,
  maxAttempts = 100,
  retryIntervalSecs = 1,
): Promise<void> {
  for (let attempt = 1; ; ++attempt) {
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      return;
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === grpc.status.ALREADY_EXISTS) return;
      if (attempt >= maxAttempts) throw err;
      await sleep(retryIntervalSecs * 1000);
    }
  }
}
