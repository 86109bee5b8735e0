import * as official from '@temporalio/common';
import * as officialNonWorkflow from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@kairos/proto';
import {
  ActivityCancellationDetails,
  compilePriority,
  decodePriority,
  defaultPayloadConverter,
  errorCode,
  errorMessage,
  extractWorkflowType,
  extractWorkflowTypeAndConfig,
  isActivityFunctionWithOptions,
  isWorkflowFunctionWithOptions,
  isWorkflowFunctionWithStaticOptions,
  toCanonicalString,
} from '../src';
import { deepMerge, filterNullAndUndefined, mergeObjects } from '../src/internal-workflow';
import {
  joinProtoHostPort,
  normalizeGrpcEndpointAddress,
  normalizeTlsConfig,
  parseHttpConnectProxyAddress,
  splitProtoHostPort,
} from '../src/internal-non-workflow';
import {
  ENHANCED_STACK_TRACE_QUERY_NAME,
  STACK_TRACE_QUERY_NAME,
  TEMPORAL_RESERVED_PREFIX,
  throwIfReservedName,
} from '../src/reserved';
import { assertNever, hasOwnProperties, isAbortError, isError } from '../src/type-helpers';
import { userMetadataToPayload } from '../src/user-metadata';
import { convertDeploymentVersion } from '../src/worker-deployments';
import { dataString } from './helpers';

describe('Priority', () => {
  test('compilePriority fills unset fields with zero values', () => {
    expect(compilePriority({})).toEqual({ priorityKey: 0, fairnessKey: '', fairnessWeight: 0 });
    expect(compilePriority({ priorityKey: 2, fairnessKey: 'tenant', fairnessWeight: 1.5 })).toEqual({
      priorityKey: 2,
      fairnessKey: 'tenant',
      fairnessWeight: 1.5,
    });
  });

  test('compilePriority rejects non-integer and negative keys, naming the value', () => {
    expect(() => compilePriority({ priorityKey: 1.5 })).toThrow(
      new TypeError('priorityKey must be an integer, got 1.5'),
    );
    expect(() => compilePriority({ priorityKey: -1 })).toThrow(RangeError);
  });

  test('decodePriority turns zero-valued wire fields into unset ones only when they are missing', () => {
    expect(decodePriority(null)).toEqual({ priorityKey: undefined, fairnessKey: undefined, fairnessWeight: undefined });
    const wire = temporal.api.common.v1.Priority.decode(
      temporal.api.common.v1.Priority.encode({ priorityKey: 4, fairnessKey: 'k' }).finish(),
    );
    expect(decodePriority(wire)).toEqual(official.decodePriority(wire));
  });
});

describe('worker deployments', () => {
  test('toCanonicalString joins deployment name and build id', () => {
    expect(toCanonicalString({ deploymentName: 'orders', buildId: '1.2.3' })).toBe('orders.1.2.3');
  });

  test('convertDeploymentVersion needs a build id', () => {
    expect(convertDeploymentVersion({ buildId: 'b' })).toEqual({ buildId: 'b', deploymentName: '' });
    expect(convertDeploymentVersion({ deploymentName: 'd' })).toBeUndefined();
    expect(convertDeploymentVersion(null)).toBeUndefined();
  });
});

describe('reserved names', () => {
  test('exposes the official reserved prefix and query names', () => {
    expect([TEMPORAL_RESERVED_PREFIX, STACK_TRACE_QUERY_NAME, ENHANCED_STACK_TRACE_QUERY_NAME]).toEqual([
      '__temporal_',
      '__stack_trace',
      '__enhanced_stack_trace',
    ]);
  });

  test('rejects names with the reserved prefix and the built-in query names', () => {
    expect(() => throwIfReservedName('signal', '__temporal_mine')).toThrow(
      new TypeError("Cannot use signal name: '__temporal_mine', with reserved prefix: '__temporal_'"),
    );
    expect(() => throwIfReservedName('query', '__stack_trace')).toThrow(/which is a reserved name/);
    expect(() => throwIfReservedName('update', 'myUpdate')).not.toThrow();
  });

  test('allows the names official companion packages register, for their kind only', () => {
    expect(() => throwIfReservedName('signal', '__temporal_workflow_stream_publish')).not.toThrow();
    expect(() => throwIfReservedName('query', '__temporal_workflow_stream_publish')).toThrow(TypeError);
  });
});

describe('host, proxy and TLS settings', () => {
  const uris = ['localhost', 'localhost:7233', '127.0.0.1:8080', '[::1]:7233', 'http://proxy:3128', 'a/b', 'x:y:z'];

  test.each(uris)('splits %p like the official helper', (uri) => {
    expect(splitProtoHostPort(uri)).toEqual(officialNonWorkflow.splitProtoHostPort(uri));
  });

  test('normalizes gRPC endpoint addresses, adding the default port', () => {
    expect(normalizeGrpcEndpointAddress('temporal.example.com', 7233)).toBe('temporal.example.com:7233');
    expect(normalizeGrpcEndpointAddress('[::1]', 7233)).toBe('[::1]:7233');
    expect(normalizeGrpcEndpointAddress('10.0.0.1:1234', 7233)).toBe('10.0.0.1:1234');
    expect(() => normalizeGrpcEndpointAddress('http://host:1', 7233)).toThrow(/got 'http:\/\/host:1'/);
    expect(joinProtoHostPort({ scheme: 'http', hostname: '::1', port: 80 })).toBe('http:[::1]:80');
  });

  test('parses HTTP CONNECT proxy addresses and names bad ones', () => {
    expect(parseHttpConnectProxyAddress('proxy:3128')).toEqual({ scheme: 'http', hostname: 'proxy', port: 3128 });
    expect(() => parseHttpConnectProxyAddress('proxy')).toThrow(/port is required; got 'proxy'/);
    expect(() => parseHttpConnectProxyAddress('https://proxy:1')).toThrow(/scheme must be 'http'/);
  });

  test('normalizes TLS options, turning TLS on for API keys', () => {
    expect(normalizeTlsConfig(undefined)).toBeUndefined();
    expect(normalizeTlsConfig(false)).toBeUndefined();
    expect(normalizeTlsConfig(null)).toBeUndefined();
    expect(normalizeTlsConfig(true)).toEqual({});
    expect(normalizeTlsConfig(undefined, 'api-key')).toEqual({});
    expect(normalizeTlsConfig(false, 'api-key')).toBeUndefined();
    const config = { serverNameOverride: 'x' };
    expect(normalizeTlsConfig(config)).toBe(config);
  });
});

describe('workflow and activity definitions', () => {
  test('extracts the workflow type from a name or a named function', () => {
    async function orderWorkflow(): Promise<void> {}
    expect(extractWorkflowType('byName')).toBe('byName');
    expect(extractWorkflowType(orderWorkflow)).toBe('orderWorkflow');
    const typeInfo = { inputTypes: [] };
    expect(extractWorkflowTypeAndConfig('byName', typeInfo)).toEqual({ type: 'byName', typeInfo });
  });

  test('rejects anonymous functions, call-site type info with a function and other values', () => {
    expect(() =>
      extractWorkflowType(
        (
          () => async () =>
            undefined
        )(),
      ),
    ).toThrow(/anonymous/);
    async function wf(): Promise<void> {}
    expect(() => extractWorkflowTypeAndConfig(wf, {})).toThrow(/cannot be supplied at the call site/);
    expect(() => extractWorkflowType(42 as never)).toThrow(/got 'number'/);
  });

  test('reads static type info attached to a workflow function', () => {
    const typeInfo = { outputType: {} };
    const wf = Object.assign(async function typed(): Promise<void> {}, { staticOptions: { typeInfo } });
    expect(isWorkflowFunctionWithStaticOptions(wf)).toBe(true);
    expect(extractWorkflowTypeAndConfig(wf)).toEqual({ type: 'typed', typeInfo });
  });

  test('recognises functions with definition options', () => {
    const wf = Object.assign(async () => undefined, { workflowDefinitionOptions: { versioningBehavior: 'PINNED' } });
    expect(isWorkflowFunctionWithOptions(wf)).toBe(true);
    expect(isWorkflowFunctionWithOptions({ workflowDefinitionOptions: {} })).toBe(false);
    const activity = Object.assign(async () => 1, { activityDefinitionOptions: {} });
    expect(isActivityFunctionWithOptions(activity)).toBe(true);
    expect(isActivityFunctionWithOptions(Object.assign(async () => 1, { activityDefinitionOptions: null }))).toBe(
      false,
    );
  });

  test('ActivityCancellationDetails reads the flags from their proto form', () => {
    expect(ActivityCancellationDetails.fromProto({ isCancelled: true, isPaused: true })).toEqual(
      new ActivityCancellationDetails({ cancelRequested: true, paused: true }),
    );
    expect(ActivityCancellationDetails.fromProto(undefined)).toEqual(new ActivityCancellationDetails());
    expect(new ActivityCancellationDetails()).toMatchObject({ notFound: false, timedOut: false, reset: false });
  });

  test('userMetadataToPayload converts a summary and details', () => {
    const metadata = userMetadataToPayload(defaultPayloadConverter, 'sum', undefined);
    expect(dataString(metadata!.summary!)).toBe('"sum"');
    expect(metadata!.details).toBeUndefined();
    expect(userMetadataToPayload(defaultPayloadConverter, undefined, undefined)).toBeUndefined();
  });
});

describe('small helpers', () => {
  test('errorMessage and errorCode read errors and strings', () => {
    expect(errorMessage(new Error('m'))).toBe('m');
    expect(errorMessage('s')).toBe('s');
    expect(errorMessage(1)).toBeUndefined();
    expect(errorCode(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errorCode({ code: 1 })).toBeUndefined();
  });

  test('isError accepts error-like objects from other realms and rejects others', () => {
    expect(isError({ name: 'E', message: 'm' })).toBe(true);
    expect(isError({ name: 'E' })).toBe(false);
    expect(isAbortError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(true);
    expect(hasOwnProperties({ a: 1, b: 2 }, ['a', 'b'])).toBe(true);
    expect(() => assertNever('Unexpected', 'x' as never)).toThrow(new TypeError('Unexpected: x'));
  });

  test('object helpers merge without nullish values', () => {
    expect(filterNullAndUndefined({ a: 1, b: null, c: undefined, d: 0 })).toEqual({ a: 1, d: 0 });
    const original = { a: 1, b: 2 };
    expect(mergeObjects(original, { a: 1 } as typeof original)).toBe(original);
    expect(mergeObjects(original, { b: undefined } as never)).toEqual({ a: 1 });
    expect(mergeObjects(undefined as never, original)).toBe(original);
    expect(deepMerge({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: 3 } as never, d: [2] })).toEqual({
      a: { b: 1, c: 3 },
      d: [2],
    });
  });
});
