/**
 * Building the Workflow client's requests: checking and compiling start options, resolving Signal and Update
 * definitions, encoding the start request.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type {
  LoadedDataConverter,
  PayloadTypeInfo,
  SignalDefinition,
  SignalTypeInfo,
  TypeInfo,
  UpdateDefinition,
  WorkflowSerializationContext,
} from '@kairos/common';
import {
  compilePriority,
  compileRetryPolicy,
  encodeWorkflowIdConflictPolicy,
  encodeWorkflowIdReusePolicy,
} from '@kairos/common';
import { encodeUnifiedSearchAttributes } from '@kairos/common/lib/converter/payload-search-attributes';
import {
  encodeMapToPayloads,
  encodeToPayloadsWithContext,
  encodeUserMetadata,
} from '@kairos/common/lib/internal-non-workflow/codec-helpers';
import { filterNullAndUndefined } from '@kairos/common/lib/internal-workflow';
import { temporal } from '@kairos/proto';
import type { WorkflowStartInput, WorkflowStartUpdateInput } from './interceptors';
import { InternalWorkflowStartOptionsSymbol, InternalWorkflowUpdateOptionsSymbol } from './internal';
import type { InternalWorkflowStartOptions, InternalWorkflowUpdateOptions } from './internal';
import type { InternalConnectionLike, StartWorkflowExecutionRequest } from './types';
import { InternalConnectionLikeSymbol } from './types';
import type { WorkflowClientContext } from './workflow-client-context';
import type { CompiledWorkflowOptions, WorkflowOptions } from './workflow-options';
import { compileWorkflowOptions } from './workflow-options';

/** Encodes values as the `Payloads` message of a request. */
export async function encodePayloads(
  converter: LoadedDataConverter,
  context: WorkflowSerializationContext,
  values: unknown[],
  types?: readonly TypeInfo[],
): Promise<temporal.api.common.v1.IPayloads> {
  return { payloads: await encodeToPayloadsWithContext(converter, context, values, types) };
}

/** Internal start extras carried by compiled start options, if any. */
export function internalStartOptionsOf(options: CompiledWorkflowOptions) {
  return (options as CompiledWorkflowOptions & InternalWorkflowStartOptions)[InternalWorkflowStartOptionsSymbol];
}

/** Internal update extras carried by the update options of an interceptor input, if any. */
export function internalUpdateOptionsOf(input: WorkflowStartUpdateInput) {
  return (input.options as InternalWorkflowUpdateOptions | undefined)?.[InternalWorkflowUpdateOptionsSymbol];
}

/** The `link` field some responses carry (servers that do not know it leave it out). */
export function linkOf(response: object): temporal.api.common.v1.ILink | undefined {
  return (response as { link?: temporal.api.common.v1.ILink | null }).link ?? undefined;
}

/** Builds the `StartWorkflowExecution` request of a start. */
export async function buildStartWorkflowRequest(
  ctx: WorkflowClientContext,
  input: WorkflowStartInput,
): Promise<StartWorkflowExecutionRequest> {
  const { options } = input;
  const connectionTraits = (ctx.client.connection as InternalConnectionLike)[InternalConnectionLikeSymbol];
  if (options.requestEagerStart && !connectionTraits?.supportsEagerStart) {
    throw new Error(
      'Eager workflow start requires a NativeConnection shared between client and worker. ' +
        'Pass a NativeConnection via ClientOptions.connection, or disable requestEagerStart.',
    );
  }
  const context = ctx.serializationContext(options.workflowId);
  const { responseLink: _notSent, ...sentExtras } = internalStartOptionsOf(options) ?? {};
  return Object.assign(
    await startRequestBase(ctx, options, input.headers, context),
    { workflowType: { name: input.workflowType }, requestEagerExecution: options.requestEagerStart },
    filterNullAndUndefined(sentExtras),
  );
}

/** The fields a start and a signal-with-start request have in common. */
export async function startRequestBase(
  ctx: WorkflowClientContext,
  options: CompiledWorkflowOptions,
  headers: WorkflowStartInput['headers'],
  context: WorkflowSerializationContext,
) {
  const converter = ctx.dataConverter;
  const { memo, searchAttributes, typedSearchAttributes, retry, priority } = options;
  const hasSearchAttributes = Boolean(searchAttributes || typedSearchAttributes);
  return {
    namespace: ctx.client.options.namespace,
    identity: ctx.client.options.identity,
    requestId: randomUUID(),
    workflowId: options.workflowId,
    cronSchedule: options.cronSchedule,
    workflowStartDelay: options.startDelay,
    workflowExecutionTimeout: options.workflowExecutionTimeout,
    workflowRunTimeout: options.workflowRunTimeout,
    workflowTaskTimeout: options.workflowTaskTimeout,
    versioningOverride: options.versioningOverride ?? undefined,
    header: { fields: headers },
    taskQueue: { name: options.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    // Fields below may throw on bad values; they are computed in this order so the first bad one is reported.
    workflowIdReusePolicy: encodeWorkflowIdReusePolicy(options.workflowIdReusePolicy),
    workflowIdConflictPolicy: encodeWorkflowIdConflictPolicy(options.workflowIdConflictPolicy),
    input: await encodePayloads(ctx.dataConverter, context, options.args, options.typeInfo?.inputTypes),
    retryPolicy: retry ? compileRetryPolicy(retry) : undefined,
    memo: memo ? { fields: await encodeMapToPayloads(converter, memo, context) } : undefined,
    searchAttributes: hasSearchAttributes
      ? { indexedFields: encodeUnifiedSearchAttributes(searchAttributes, typedSearchAttributes) }
      : undefined,
    userMetadata: await encodeUserMetadata(converter, options.staticSummary, options.staticDetails, context),
    priority: priority ? compilePriority(priority) : undefined,
  };
}

export function assertWorkflowId(workflowId: unknown): asserts workflowId is string {
  if (typeof workflowId === 'string' && workflowId !== '') return;
  let got: string = typeof workflowId;
  if (workflowId === '') got = 'an empty string';
  else if (workflowId === null) got = 'null';
  throw new TypeError(`Workflow id must be a non-empty string, got ${got}`);
}

/** Checks the two options every start needs; the messages name the missing option. */
export function assertRequiredWorkflowOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('Missing WorkflowOptions');
  const record = options as Record<string, unknown>;
  for (const key of ['taskQueue', 'workflowId']) {
    const value = record[key];
    if (!value) throw new TypeError(`Missing WorkflowOptions.${key}`);
    if (typeof value !== 'string') throw new TypeError(`WorkflowOptions.${key} must be a string`);
  }
}

/** Validates options and compiles them; `args` defaults to `[]`. */
export function compileStartOptions(options: WorkflowOptions & { args?: readonly unknown[] }): CompiledWorkflowOptions {
  assertRequiredWorkflowOptions(options);
  const { args = [], ...others } = options;
  if (!Array.isArray(args)) throw new TypeError('WorkflowOptions.args must be an array');
  return compileWorkflowOptions({ ...others, args: Array.from(args) }) as CompiledWorkflowOptions;
}

/**
 * Name and type information of a Signal or Update given by definition or by name. Call-site type
 * information only goes with a name: a definition carries its own.
 */
function resolveDefinition<Types>(
  def: { name: string; typeInfo?: Types } | string,
  callSiteTypeInfo: Types | undefined,
  messages: { emptyName: string; conflictingTypes: string },
): { name: string; typeInfo?: Types } {
  if (typeof def !== 'string') {
    if (callSiteTypeInfo !== undefined) throw new TypeError(messages.conflictingTypes);
    return { name: def.name, typeInfo: def.typeInfo };
  }
  if (def.length === 0) throw new TypeError(messages.emptyName);
  return { name: def, typeInfo: callSiteTypeInfo };
}

const signalDefinitionMessages = {
  emptyName: 'Signal name must be a non-empty string',
  conflictingTypes:
    'Cannot provide call-site Signal TypeInfo with a Signal definition. ' +
    'Use defineSignal(..., { typeInfo }) on the Signal definition instead.',
};

const updateDefinitionMessages = {
  emptyName: 'Update name must be a non-empty string',
  conflictingTypes:
    'Cannot provide call-site Update TypeInfo with an Update definition. ' +
    'Define TypeInfo when creating the Update definition instead.',
};

export function resolveSignal(
  signal: SignalDefinition<unknown[]> | string,
  callSiteTypeInfo: SignalTypeInfo | undefined,
) {
  return resolveDefinition(signal, callSiteTypeInfo, signalDefinitionMessages);
}

export function resolveUpdate(
  def: UpdateDefinition<unknown, unknown[]> | string,
  callSiteTypeInfo: PayloadTypeInfo | undefined,
) {
  return resolveDefinition(def, callSiteTypeInfo, updateDefinitionMessages);
}
