/**
 * The clients of a time-skipping test environment: the same API as `Client` and `WorkflowClient`, except that
 * waiting for a workflow's result lets the server skip time.
 *
 * @module
 */
import type { ClientOptions, TestService, WorkflowClientOptions, WorkflowResultOptions } from '@kairos/client';
import { Client, Connection, WorkflowClient } from '@kairos/client';

/** The client options a test environment lets you set: everything but the namespace and the connection. */
export type ClientOptionsForTestEnv = Omit<ClientOptions, 'namespace' | 'connection'>;

/**
 * A {@link Client} whose `workflow` client is a {@link TimeSkippingWorkflowClient}: awaiting a workflow's result
 * (`handle.result()`, `client.workflow.execute()`) lets the test server skip time.
 */
export class TimeSkippingClient extends Client {
  declare readonly workflow: TimeSkippingWorkflowClient;

  constructor(options: ClientOptions) {
    super(options);
    const { loadedDataConverter: _loaded, ...workflowOptions } = this.workflow.options;
    this.workflow = new TimeSkippingWorkflowClient({
      ...workflowOptions,
      dataConverter: this.dataConverter,
      connection: this.connection,
    });
  }
}

/**
 * How many results are being awaited through each test service, so that concurrent waits unlock time skipping
 * once (the server's lock counter must not go below zero) and the last one to finish locks it again.
 */
const resultsAwaited = new WeakMap<TestService, number>();

/**
 * A {@link WorkflowClient} whose {@link result} unlocks time skipping while it waits, so that a workflow that
 * sleeps for a month completes at once. Time runs normally otherwise.
 */
export class TimeSkippingWorkflowClient extends WorkflowClient {
  /** The connection's `TestService`. */
  protected readonly testService: TestService;

  /** @throws TypeError if the connection was not made with the test service enabled. */
  constructor(options: WorkflowClientOptions) {
    super(options);
    const testService = (options.connection as Connection | undefined)?.testService;
    if (!testService) {
      throw new TypeError(
        'TimeSkippingWorkflowClient needs a connection with the TestService enabled, such as the `connection` ' +
          'of TestWorkflowEnvironment.createTimeSkipping()',
      );
    }
    this.testService = testService;
  }

  /**
   * Waits for a workflow execution to close and returns its result, letting the server skip time meanwhile.
   *
   * @see {@link WorkflowClient.result}
   */
  override async result<T>(workflowId: string, runId?: string, opts?: WorkflowResultOptions): Promise<T> {
    const awaited = resultsAwaited.get(this.testService) ?? 0;
    resultsAwaited.set(this.testService, awaited + 1);
    if (awaited === 0) {
      try {
        await this.testService.unlockTimeSkipping({});
      } catch (err) {
        resultsAwaited.set(this.testService, (resultsAwaited.get(this.testService) ?? 1) - 1);
        throw err;
      }
    }
    try {
      return (await super.result(workflowId, runId, opts)) as T;
    } finally {
      const left = (resultsAwaited.get(this.testService) ?? 1) - 1;
      resultsAwaited.set(this.testService, left);
      if (left === 0) await this.testService.lockTimeSkipping({});
    }
  }
}
