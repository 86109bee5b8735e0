/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * The workflow API: everything workflow code calls, gathered the way the official package's `lib/workflow`
 * module offers it.
 *
 * @module
 */
import {
  type SearchAttributes,
  type SearchAttributeUpdatePair,
  TypedSearchAttributes,
  type QueryDefinition,
  type Workflow,
  type WorkflowDefinitionConfig,
  type WorkflowDefinitionOptionsOrGetter,
} from '@kairos/common';
import { mapToPayloads, toPayloads } from '@kairos/common/lib/converter/payload-converter';
import {
  encodeUnifiedSearchAttributes,
  searchAttributePayloadConverter,
} from '@kairos/common/lib/converter/payload-search-attributes';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { msOptionalToTs } from '@kairos/common/lib/time';
import { versioningIntentToProto } from '@kairos/common/lib/versioning-intent-enum';
import type { temporal } from '@kairos/proto';
import { rejectEventGroups } from './event-groups';
import { assertInWorkflowContext, getActivator, maybeGetActivator } from './global-attributes';
import type { ContinueAsNewInput } from './interceptors';
import {
  ContinueAsNew,
  type ContinueAsNewOptions,
  type EnhancedStackTrace,
  type UpdateInfo,
  type WorkflowInfo,
} from './interfaces';
import { UpdateScope } from './update-scope';

export * from './activities';
export * from './children';
export * from './messages';
export { sleep, condition } from './timers';

/** The current run's information. */
export function workflowInfo(): WorkflowInfo {
  const activator = assertInWorkflowContext('Workflow.workflowInfo(...) may only be used from a Workflow Execution.');
  return activator.info;
}

/** The update whose handler (or validator) is running, if any. */
export function currentUpdateInfo(): UpdateInfo | undefined {
  assertInWorkflowContext('Workflow.currentUpdateInfo(...) may only be used from a Workflow Execution.');
  return UpdateScope.current();
}

/** Whether the calling code runs inside a workflow (use it in code shared with activities or clients). */
export function inWorkflowContext(): boolean {
  return maybeGetActivator() !== undefined;
}

/**
 * A function that continues this workflow as new with `options` (type, task queue, timeouts, memo, search
 * attributes...) when called with the next run's arguments. It never returns: it throws {@link ContinueAsNew}.
 */
export function makeContinueAsNewFunc<F extends Workflow>(
  options?: ContinueAsNewOptions,
): (...args: Parameters<F>) => Promise<never> {
  const activator = assertInWorkflowContext(
    'Workflow.continueAsNew(...) and Workflow.makeContinueAsNewFunc(...) may only be used from a Workflow Execution.',
  );
  const info = activator.info;
  const { workflowType, taskQueue, ...rest } = options ?? {};
  const requiredOptions = {
    workflowType: workflowType ?? info.workflowType,
    taskQueue: taskQueue ?? info.taskQueue,
    ...rest,
  };
  return (...args: Parameters<F>): Promise<never> => {
    rejectEventGroups(requiredOptions.eventGroups);
    const fn = composeInterceptors(
      activator.interceptors.outbound,
      'continueAsNew',
      async (input: ContinueAsNewInput) => {
        const { headers, args, options } = input;
        throw new ContinueAsNew({
          workflowType: options.workflowType,
          arguments: toPayloads(activator.payloadConverter, ...args),
          headers,
          taskQueue: options.taskQueue,
          memo: options.memo && mapToPayloads(activator.payloadConverter, options.memo),
          searchAttributes:
            options.searchAttributes || options.typedSearchAttributes
              ? encodeUnifiedSearchAttributes(options.searchAttributes, options.typedSearchAttributes)
              : undefined,
          workflowRunTimeout: msOptionalToTs(options.workflowRunTimeout),
          workflowTaskTimeout: msOptionalToTs(options.workflowTaskTimeout),
          backoffStartInterval: msOptionalToTs(options.backoffStartInterval),
          versioningIntent: versioningIntentToProto(options.versioningIntent) as number,
          initialVersioningBehavior: encodeInitialVersioningBehavior(options.initialVersioningBehavior),
        });
      },
    );
    return fn({ args, headers: {}, options: requiredOptions });
  };
}

function encodeInitialVersioningBehavior(behavior: ContinueAsNewOptions['initialVersioningBehavior']): number {
  // temporal.api.enums.v1.ContinueAsNewVersioningBehavior
  switch (behavior) {
    case 'AUTO_UPGRADE':
      return 1;
    case 'USE_RAMPING_VERSION':
      return 2;
    default:
      return 0;
  }
}

/**
 * Ends this run and starts a new one of the same workflow with `args` (keeping the workflow id), so history
 * stays small. It never returns.
 */
export function continueAsNew<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  return makeContinueAsNewFunc<F>()(...args);
}

/** A random UUID from the workflow's deterministic random stream (the same on every replay). */
export function uuid4(): string {
  return getActivator().uuid4();
}

function patchInternal(patchId: string, deprecated: boolean): boolean {
  const activator = getActivator();
  if (!activator.started) {
    throw new Error('Patches cannot be used before Workflow starts');
  }
  const usePatch = !activator.isReplaying || activator.knownPresentPatches.has(patchId);
  // The core already knows patches it reported; sending them again is pointless.
  if (usePatch && !activator.sentPatches.has(patchId)) {
    activator.pushCommand({ setPatchMarker: { patchId, deprecated } });
    activator.sentPatches.add(patchId);
  }
  return usePatch;
}

/**
 * Whether this run takes the new code path of patch `patchId`: always for new work, and when replaying only if
 * the original run took it too (a marker in history says so).
 */
export function patched(patchId: string): boolean {
  assertInWorkflowContext('Workflow.patched(...) may only be used from a Workflow Execution.');
  return patchInternal(patchId, false);
}

/** Marks patch `patchId` as the only remaining code path (its old branch has been removed). */
export function deprecatePatch(patchId: string): void {
  assertInWorkflowContext('Workflow.deprecatePatch(...) may only be used from a Workflow Execution.');
  patchInternal(patchId, true);
}

/**
 * Updates the workflow's search attributes: the typed form (a list of key/value pairs, `null` removes one) or
 * the deprecated untyped record.
 */
export function upsertSearchAttributes(searchAttributes: SearchAttributes | SearchAttributeUpdatePair[]): void {
  const activator = assertInWorkflowContext(
    'Workflow.upsertSearchAttributes(...) may only be used from a Workflow Execution.',
  );
  if (searchAttributes === null || searchAttributes === undefined) {
    throw new Error('searchAttributes must be a non-null SearchAttributes');
  }
  if (Array.isArray(searchAttributes)) {
    activator.pushCommand({
      upsertWorkflowSearchAttributes: { searchAttributes: encodeUnifiedSearchAttributes(undefined, searchAttributes) },
    });
    activator.mutateWorkflowInfo((info) => {
      const typedSearchAttributes = info.typedSearchAttributes.updateCopy(searchAttributes);
      const legacy: Record<string, unknown> = { ...info.searchAttributes };
      for (const { key, value } of searchAttributes) {
        if (value === null || value === undefined) delete legacy[key.name];
        else legacy[key.name] = Array.isArray(value) ? value : [value];
      }
      return { ...info, typedSearchAttributes, searchAttributes: legacy as SearchAttributes };
    });
  } else {
    activator.pushCommand({
      upsertWorkflowSearchAttributes: {
        searchAttributes: mapToPayloads(searchAttributePayloadConverter, searchAttributes),
      },
    });
    activator.mutateWorkflowInfo((info) => {
      const updates: SearchAttributeUpdatePair[] = [];
      for (const [name, value] of Object.entries(searchAttributes)) {
        const existing = info.typedSearchAttributes.getAll().find((pair) => pair.key.name === name)?.key;
        const key = existing ?? TypedSearchAttributes.getKeyFromUntyped(name, value);
        if (key === undefined) continue;
        const empty = value === undefined || value === null || value.length === 0;
        const typedValue = empty ? null : key.type === 'KEYWORD_LIST' ? value : value[0];
        updates.push({ key, value: typedValue } as SearchAttributeUpdatePair);
      }
      return {
        ...info,
        searchAttributes: { ...info.searchAttributes, ...searchAttributes },
        typedSearchAttributes: info.typedSearchAttributes.updateCopy(updates),
      };
    });
  }
}

/** Updates the workflow's memo; a `null` or `undefined` value removes the key. */
export function upsertMemo(memo: Record<string, unknown>): void {
  const activator = assertInWorkflowContext('Workflow.upsertMemo(...) may only be used from a Workflow Execution.');
  if (memo === null || memo === undefined) throw new Error('memo must be a non-null Record');
  activator.pushCommand({
    modifyWorkflowProperties: {
      upsertedMemo: mapToPayloads(
        activator.payloadConverter,
        // `undefined` converts to a `binary/null` payload, which removes the key on the server.
        Object.fromEntries(Object.entries(memo).map(([k, v]) => [k, v ?? undefined])),
      ),
    },
  });
  activator.mutateWorkflowInfo((info) => {
    const next: Record<string, unknown> = { ...info.memo };
    for (const [k, v] of Object.entries(memo)) {
      if (v === undefined || v === null) delete next[k];
      else next[k] = v;
    }
    return { ...info, memo: Object.keys(next).length > 0 ? next : undefined };
  });
}

/**
 * Attaches definition options (versioning behavior, failure exception types) to a workflow function; call it
 * at module level after the function's definition.
 */
export function setWorkflowOptions<A extends any[], RT>(
  options: WorkflowDefinitionOptionsOrGetter,
  fn: (...args: A) => Promise<RT>,
): void {
  Object.assign(fn, { workflowDefinitionOptions: options });
}

/** Attaches definition options and static options (type information) to a workflow function. */
export function defineWorkflowOptions<A extends any[], RT>(
  fn: (...args: A) => Promise<RT>,
  config: WorkflowDefinitionConfig,
): void {
  if (config.workflowDefinitionOptions !== undefined) {
    Object.assign(fn, { workflowDefinitionOptions: config.workflowDefinitionOptions });
  }
  if (config.staticOptions !== undefined) {
    Object.assign(fn, { staticOptions: config.staticOptions });
  }
}

/** The built-in query returning the workflow's stack traces as text. */
export const stackTraceQuery = {
  type: 'query',
  name: '__stack_trace',
} as QueryDefinition<string, [], string>;

/** The built-in query returning stack traces with source locations. */
export const enhancedStackTraceQuery = {
  type: 'query',
  name: '__enhanced_stack_trace',
} as QueryDefinition<EnhancedStackTrace, [], string>;

/** The built-in query returning the workflow's handlers and current details. */
export const workflowMetadataQuery = {
  type: 'query',
  name: '__temporal_workflow_metadata',
} as QueryDefinition<temporal.api.sdk.v1.IWorkflowMetadata, [], string>;

/** The details this workflow reports in the metadata query (shown by the UI). */
export function getCurrentDetails(): string {
  return assertInWorkflowContext('Workflow.getCurrentDetails(...) may only be used from a Workflow Execution.')
    .currentDetails;
}

/** Sets the details this workflow reports in the metadata query. */
export function setCurrentDetails(details: string): void {
  assertInWorkflowContext(
    'Workflow.setCurrentDetails(...) may only be used from a Workflow Execution.',
  ).currentDetails = details;
}
