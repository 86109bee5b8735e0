/**
 * One server, one connection, one client and one official worker for a test file's suite, started in
 * `beforeAll` and stopped in `afterAll`.
 */
import { randomUUID } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { Client, type ClientOptions } from '../../src/client';
import { Connection } from '../../src/connection';
import { activities } from './activities';
import { startServer, type ServerKind, type TestServer } from './servers';
import { startWorker, type TestWorker } from './worker';

export interface TestEnv {
  server: TestServer;
  connection: Connection;
  client: Client;
  worker: TestWorker;
  taskQueue: string;
  /** RPC method names sent through `connection`, in order (e.g. `StartWorkflowExecution`). */
  calls: string[];
  /** A fresh Workflow id with a readable prefix. */
  id(prefix: string): string;
  /** A client on the same connection with other options. */
  makeClient(options?: Omit<ClientOptions, 'connection'>): Client;
}

/** A gRPC interceptor that records the method name of every call. */
function recordingInterceptor(calls: string[]): grpc.Interceptor {
  const { InterceptingCall } = require('@grpc/grpc-js') as typeof grpc;
  return (options, nextCall) => {
    calls.push(options.method_definition.path.split('/').pop() ?? '');
    return new InterceptingCall(nextCall(options));
  };
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start `kind` and a worker, and returns the environment
 * (filled in once `beforeAll` ran).
 */
export function useTestEnv(kind: ServerKind, options: { withWorker?: boolean } = {}): TestEnv {
  const env = {} as TestEnv;
  beforeAll(async () => {
    env.server = await startServer(kind);
    env.calls = [];

    const { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } =
      require('../../src/grpc-retry') as typeof import('../../src/grpc-retry');
    env.connection = await Connection.connect({
      address: env.server.address,
      interceptors: [recordingInterceptor(env.calls), makeGrpcRetryInterceptor(defaultGrpcRetryOptions())],
    });
    env.client = new Client({ connection: env.connection });
    env.makeClient = (clientOptions) => new Client({ ...clientOptions, connection: env.connection });
    env.taskQueue = `client-test-${randomUUID()}`;
    env.id = (prefix) => `${prefix}-${randomUUID()}`;
    if (options.withWorker !== false) {
      env.worker = await startWorker({ address: env.server.address, taskQueue: env.taskQueue, activities });
    }
  }, 120_000);
  afterAll(async () => {
    await env.worker?.shutdown();
    await env.connection?.close();
    await env.server?.shutdown();
  }, 60_000);
  return env;
}
