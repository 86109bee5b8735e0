/**
 * `@kairos/testing`: test environments for workflows (the embedded Kairos dev server, with or without time
 * skipping; nothing to download) and a mock environment for activities. Compatible with `@temporalio/testing`.
 *
 * @module
 */
import path from 'node:path';

export {
  TestWorkflowEnvironment,
  type LocalTestWorkflowEnvironmentOptions,
  type TimeSkippingTestWorkflowEnvironmentOptions,
  type ExistingServerConnectionOptions,
  type ExistingServerTestWorkflowEnvironmentOptions,
  type NexusEndpointIdentifier,
} from './testing-workflow-environment';
export {
  type DevServerConfig,
  type TimeSkippingServerConfig,
  type EphemeralServerExecutable,
} from './ephemeral-server';
export { type ClientOptionsForTestEnv, TimeSkippingWorkflowClient } from './client';
export {
  type MockActivityEnvironmentOptions,
  MockActivityEnvironment,
  defaultActivityInfo,
} from './mocking-activity-environment';

/**
 * Workflow interceptor modules for tests: give them to the worker (`interceptors: { workflowModules }`) so that a
 * failed `assert` in workflow code fails the workflow with a non-retryable `ApplicationFailure`.
 */
export const workflowInterceptorModules: string[] = [path.join(__dirname, 'assert-to-failure-interceptor')];
