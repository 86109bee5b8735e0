/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Calling Nexus operations from a workflow.
 *
 * @module
 */
import type * as nexus from 'nexus-rpc';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { makeProtoEnumConverters } from '@kairos/common/lib/internal-workflow/enums-helpers';
import { msOptionalToTs } from '@kairos/common/lib/time';
import { userMetadataToPayload } from '@kairos/common/lib/user-metadata';
import { CancellationScope } from './cancellation-scope';
import { rejectEventGroups } from './event-groups';
import { assertInWorkflowContext, getActivator } from './global-attributes';
import type { StartNexusOperationInput, StartNexusOperationOptions, StartNexusOperationOutput } from './interceptors';
import { untrackPromise } from './stack-helpers';

/** A client for one Nexus service on one endpoint. */
export interface NexusServiceClient<T extends nexus.ServiceDefinition> {
  /** Starts an operation and waits for its result. */
  executeOperation<O extends T['operations'][keyof T['operations']]>(
    op: O,
    input: nexus.OperationInput<O>,
    options?: Partial<StartNexusOperationOptions>,
  ): Promise<nexus.OperationOutput<O>>;
  executeOperation<K extends nexus.OperationKey<T['operations']>>(
    op: K,
    input: nexus.OperationInput<T['operations'][K]>,
    options?: Partial<StartNexusOperationOptions>,
  ): Promise<nexus.OperationOutput<T['operations'][K]>>;
  /** Starts an operation; resolves with a handle once it has started (or finished synchronously). */
  startOperation<O extends T['operations'][keyof T['operations']]>(
    op: O,
    input: nexus.OperationInput<O>,
    options?: Partial<StartNexusOperationOptions>,
  ): Promise<NexusOperationHandle<nexus.OperationOutput<O>>>;
  startOperation<K extends nexus.OperationKey<T['operations']>>(
    op: K,
    input: nexus.OperationInput<T['operations'][K]>,
    options?: Partial<StartNexusOperationOptions>,
  ): Promise<NexusOperationHandle<nexus.OperationOutput<T['operations'][K]>>>;
}

/** A started Nexus operation. */
export interface NexusOperationHandle<T> {
  readonly service: string;
  readonly operation: string;
  /** The operation token of an asynchronous operation. */
  readonly token?: string;
  result(): Promise<T>;
}

/** Options of {@link createNexusServiceClient}. */
export interface NexusServiceClientOptions<T> {
  endpoint: string;
  service: T;
}

/** What cancelling a Nexus operation from the workflow does. Default `WAIT_CANCELLATION_COMPLETED`. */
export const NexusOperationCancellationType = {
  ABANDON: 'ABANDON',
  TRY_CANCEL: 'TRY_CANCEL',
  WAIT_CANCELLATION_REQUESTED: 'WAIT_CANCELLATION_REQUESTED',
  WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
} as const;
/** What cancelling a Nexus operation from the workflow does. */
export type NexusOperationCancellationType =
  (typeof NexusOperationCancellationType)[keyof typeof NexusOperationCancellationType];

const [encodeNexusOperationCancellationType] = makeProtoEnumConverters<
  number,
  typeof NexusOperationCancellationType,
  ''
>({ WAIT_CANCELLATION_COMPLETED: 0, ABANDON: 1, TRY_CANCEL: 2, WAIT_CANCELLATION_REQUESTED: 3 }, '');

function startNexusOperationNextHandler({
  input,
  endpoint,
  service,
  options,
  operation,
  seq,
  headers,
}: StartNexusOperationInput): Promise<StartNexusOperationOutput> {
  const activator = getActivator();
  rejectEventGroups(options.eventGroups);
  return new Promise<StartNexusOperationOutput>((resolve, reject) => {
    const scope = CancellationScope.current();
    if (scope.consideredCancelled) {
      untrackPromise(scope.cancelRequested.catch(reject));
      return;
    }
    if (scope.cancellable) {
      untrackPromise(
        scope.cancelRequested.catch(() => {
          if (!activator.completions.nexusOperationComplete.has(seq)) return;
          activator.pushCommand({ requestCancelNexusOperation: { seq } });
        }),
      );
    }
    activator.pushCommand({
      scheduleNexusOperation: {
        seq,
        endpoint,
        service,
        operation,
        nexusHeader: headers,
        input: activator.toPayload(input),
        scheduleToCloseTimeout: msOptionalToTs(options?.scheduleToCloseTimeout),
        scheduleToStartTimeout: msOptionalToTs(options?.scheduleToStartTimeout),
        startToCloseTimeout: msOptionalToTs(options?.startToCloseTimeout),
        cancellationType: encodeNexusOperationCancellationType(options?.cancellationType),
      },
      userMetadata: userMetadataToPayload(activator.payloadConverter, options?.summary, undefined),
    });
    const result = new Promise<unknown>((resolveResult, rejectResult) => {
      activator.completions.nexusOperationComplete.set(seq, { resolve: resolveResult, reject: rejectResult });
    });
    untrackPromise(result);
    untrackPromise(result.catch(() => undefined));
    activator.completions.nexusOperationStart.set(seq, {
      resolve: (token) => resolve({ token: token as string | undefined, result }),
      reject,
    });
  });
}

/** A client that calls the operations of `service` through Nexus endpoint `endpoint`. */
export function createNexusServiceClient<T extends nexus.ServiceDefinition>(
  options: NexusServiceClientOptions<T>,
): NexusServiceClient<T> {
  assertInWorkflowContext('createNexusServiceClient(...) may only be used from a Workflow Execution.');
  const operationName = (op: unknown): string => {
    if (typeof op === 'string') {
      const definition = (options.service.operations as Record<string, { name: string } | undefined>)[op];
      if (definition === undefined) {
        throw new TypeError(`Nexus service '${options.service.name}' has no operation '${op}'`);
      }
      return definition.name;
    }
    return (op as { name: string }).name;
  };
  const start = async (op: unknown, input: unknown, operationOptions?: Partial<StartNexusOperationOptions>) => {
    const activator = getActivator();
    const operation = operationName(op);
    const execute = composeInterceptors(
      activator.interceptors.outbound,
      'startNexusOperation',
      startNexusOperationNextHandler,
    );
    const { token, result } = await execute({
      endpoint: options.endpoint,
      service: options.service.name,
      operation,
      options: {
        ...operationOptions,
        cancellationType: operationOptions?.cancellationType ?? 'WAIT_CANCELLATION_COMPLETED',
      },
      headers: {},
      seq: activator.nextSeq('nexusOperation'),
      input,
    });
    return { service: options.service.name, operation, token, result: () => result } as NexusOperationHandle<any>;
  };
  return {
    startOperation: start,
    async executeOperation(op: unknown, input: unknown, operationOptions?: Partial<StartNexusOperationOptions>) {
      const handle = await start(op, input, operationOptions);
      return await handle.result();
    },
  } as NexusServiceClient<T>;
}
