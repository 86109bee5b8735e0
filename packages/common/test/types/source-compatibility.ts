/*
 * Compile-time checks (run by `tsc -p tsconfig.json`, not by jest): code written against the official
 * `@temporalio/common` types must compile against ours. Each `checkExtends<A, B>()` fails to compile unless B is
 * assignable to A.
 */
import type * as official from '@temporalio/common';
import type * as officialTime from '@temporalio/common/lib/time';
import type * as ours from '../../src';
import { checkExtends } from '../../src/type-helpers';
import type { Duration, StringValue } from '../../src/time';

// Durations accept exactly the strings the official type accepts.
checkExtends<Duration, officialTime.Duration>();
checkExtends<officialTime.Duration, Duration>();
checkExtends<StringValue, officialTime.StringValue>();
checkExtends<officialTime.StringValue, StringValue>();
export const durations: Duration[] = [1000, '30s', '2 days', '1.5 Hours', '10 MS', '-1m', '5'];

// Option objects written for the official SDK fit ours, and the other way round.
checkExtends<ours.RetryPolicy, official.RetryPolicy>();
checkExtends<official.RetryPolicy, ours.RetryPolicy>();
checkExtends<ours.ActivityOptions, official.ActivityOptions>();
checkExtends<ours.LocalActivityOptions, official.LocalActivityOptions>();
checkExtends<ours.WorkflowDurationOptions, official.WorkflowDurationOptions>();
checkExtends<ours.Priority, official.Priority>();
checkExtends<ours.ApplicationFailureOptions, official.ApplicationFailureOptions>();
checkExtends<ours.WorkerDeploymentVersion, official.WorkerDeploymentVersion>();
checkExtends<ours.VersioningOverride, official.VersioningOverride>();
checkExtends<ours.WorkflowSerializationContext, official.WorkflowSerializationContext>();
checkExtends<ours.ActivitySerializationContext, official.ActivitySerializationContext>();
checkExtends<ours.SearchAttributes, official.SearchAttributes>();
checkExtends<ours.MetricTags, official.MetricTags>();

// Enum-like string unions are the same sets.
checkExtends<ours.WorkflowIdReusePolicy, official.WorkflowIdReusePolicy>();
checkExtends<official.WorkflowIdReusePolicy, ours.WorkflowIdReusePolicy>();
checkExtends<ours.WorkflowIdConflictPolicy, official.WorkflowIdConflictPolicy>();
checkExtends<ours.ActivityCancellationType, official.ActivityCancellationType>();
checkExtends<ours.RetryState, official.RetryState>();
checkExtends<ours.TimeoutType, official.TimeoutType>();
checkExtends<ours.SearchAttributeType, official.SearchAttributeType>();
checkExtends<official.SearchAttributeType, ours.SearchAttributeType>();
checkExtends<ours.HandlerUnfinishedPolicy, official.HandlerUnfinishedPolicy>();
checkExtends<ours.VersioningBehavior, official.VersioningBehavior>();
checkExtends<ours.LogLevel, official.LogLevel>();
checkExtends<ours.VersioningIntent, official.VersioningIntent>();

// Loggers and meters written for the official SDK can be used with ours.
checkExtends<ours.Logger, official.Logger>();
checkExtends<ours.MetricMeter, official.MetricMeter>();

// Workflow and activity function types behave like the official ones.
export async function typedWorkflow(name: string, count: number): Promise<string> {
  return `${name}${count}`;
}
checkExtends<ours.Workflow, typeof typedWorkflow>();
checkExtends<ours.ActivityFunction, (input: { id: string }) => Promise<number>>();
checkExtends<string, ours.WorkflowResultType<typeof typedWorkflow>>();
checkExtends<ours.WorkflowResultType<typeof typedWorkflow>, string>();

declare const untypedActivities: ours.UntypedActivities;
declare const untypedResult: ours.WorkflowResultType<ours.Workflow>;
export async function callsByName(): Promise<string> {
  // Untyped activities accept any arguments, and untyped results can be assigned to typed variables.
  const fromActivity: string = await untypedActivities.anything!('a', 1, { b: true });
  const fromWorkflow: string = untypedResult;
  return fromActivity + fromWorkflow;
}

// Interceptor `Next` drops the last parameter of the intercepted method.
interface Interceptor {
  execute?(input: { value: string }, next: (input: { value: string }) => Promise<number>): Promise<number>;
}
checkExtends<ours.Next<Interceptor, 'execute'>, (input: { value: string }) => Promise<number>>();
checkExtends<(input: { value: string }) => Promise<number>, ours.Next<Interceptor, 'execute'>>();

// Typed search attribute pairs are interchangeable.
checkExtends<ours.SearchAttributePair, official.SearchAttributePair>();
checkExtends<ours.SearchAttributeUpdatePair, official.SearchAttributeUpdatePair>();
