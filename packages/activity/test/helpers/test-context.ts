import type { Client } from '@kairos/client';
import { ActivityCancellationDetails, CancelledFailure, noopMetricMeter, type MetricMeter } from '@kairos/common';
import type { ActivityCancellationDetailsHolder } from '@kairos/common/lib/activity-cancellation-details';
import { RecordingLogger } from '@kairos/test-support';
import { Context, type Info } from '../../src';

export { RecordingLogger };

export const sampleInfo: Info = {
  taskToken: new Uint8Array([1, 2, 3]),
  base64TaskToken: 'AQID',
  activityId: 'act-1',
  activityType: 'greet',
  activityNamespace: 'default',
  attempt: 1,
  isLocal: false,
  workflowExecution: { workflowId: 'wf-1', runId: 'run-1' },
  workflowNamespace: 'default',
  workflowType: 'greeter',
  scheduledTimestampMs: 1_700_000_000_000,
  scheduleToCloseTimeoutMs: 60_000,
  startToCloseTimeoutMs: 10_000,
  currentAttemptScheduledTimestampMs: 1_700_000_000_000,
  heartbeatTimeoutMs: undefined,
  heartbeatDetails: undefined,
  taskQueue: 'tq',
  priority: {},
  retryPolicy: undefined,
  namespace: 'default',
  activityRunId: undefined,
  inWorkflow: true,
};

/** A context wired the way a worker wires one, plus the knobs a test needs. */
export interface TestContext {
  context: Context;
  heartbeats: unknown[];
  logger: RecordingLogger;
  /** Requests cancellation the way the worker does. */
  cancel(reason?: string, details?: ActivityCancellationDetails): void;
}

export function makeTestContext(
  overrides: { info?: Partial<Info>; client?: Client; metricMeter?: MetricMeter } = {},
): TestContext {
  const heartbeats: unknown[] = [];
  const logger = new RecordingLogger();
  const holder: ActivityCancellationDetailsHolder = {};
  const controller = new AbortController();
  let reject: (err: unknown) => void = () => undefined;
  const cancelled = new Promise<never>((_, rej) => {
    reject = rej;
  });
  cancelled.catch(() => undefined);
  const context = new Context(
    { ...sampleInfo, ...overrides.info },
    cancelled,
    controller.signal,
    (details) => heartbeats.push(details),
    overrides.client,
    logger,
    overrides.metricMeter ?? noopMetricMeter,
    holder,
  );
  return {
    context,
    heartbeats,
    logger,
    cancel(reason = 'CANCELLED', details = new ActivityCancellationDetails({ cancelRequested: true })) {
      holder.details = details;
      const failure = new CancelledFailure(reason);
      controller.abort(failure);
      reject(failure);
    },
  };
}
