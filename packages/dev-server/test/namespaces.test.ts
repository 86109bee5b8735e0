// Namespaces over raw gRPC: system info, register, describe, update and list, their errors, worker heartbeats
// and the health service.
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@kairos/proto';
import { DevServer } from '../src';
import { uniqueId, startRawServer, stopRawServer } from './helpers';
import { RawClient, rejection } from './raw-client';

const E = temporal.api.enums.v1;

let server: DevServer;
let raw: RawClient;

beforeAll(async () => {
  ({ server, raw } = await startRawServer({
    namespaces: ['extra'],
    historyLongPollMs: 300,
    // Lets the retention test register a namespace that keeps closed runs for 200 ms.
    dynamicConfig: { 'system.namespaceMinRetentionLocal': '100ms' },
  }));
});
afterAll(() => stopRawServer(server, raw));

describe('namespaces and system info', () => {
  test('GetSystemInfo reports the capabilities the SDKs read', async () => {
    const r = await raw.wf('GetSystemInfo', {});
    expect(r.capabilities).toMatchObject({
      sdkMetadata: true,
      signalAndQueryHeader: true,
      encodedFailureAttributes: true,
      upsertMemo: true,
      supportsSchedules: true,
      countGroupByExecutionStatus: true,
      buildIdBasedVersioning: true,
    });
    expect(r.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('default and --namespace namespaces exist; register, describe, update and list', async () => {
    expect((await raw.wf('DescribeNamespace', { namespace: 'default' })).namespaceInfo.name).toBe('default');
    expect((await raw.wf('DescribeNamespace', { namespace: 'extra' })).namespaceInfo.state).toBe(
      E.NamespaceState.NAMESPACE_STATE_REGISTERED,
    );
    const name = uniqueId('ns');
    await raw.wf('RegisterNamespace', {
      namespace: name,
      description: 'd',
      workflowExecutionRetentionPeriod: { seconds: 3600 },
    });
    const d = await raw.wf('DescribeNamespace', { namespace: name });
    expect(d.namespaceInfo.description).toBe('d');
    expect(Number(d.config.workflowExecutionRetentionTtl.seconds)).toBe(3600);
    expect((await raw.wf('DescribeNamespace', { namespace: '', id: d.namespaceInfo.id })).namespaceInfo.name).toBe(
      name,
    );
    await raw.wf('UpdateNamespace', { namespace: name, config: { workflowExecutionRetentionTtl: { seconds: 7200 } } });
    expect(
      Number((await raw.wf('DescribeNamespace', { namespace: name })).config.workflowExecutionRetentionTtl.seconds),
    ).toBe(7200);
    const list = await raw.wf('ListNamespaces', { pageSize: 100 });
    expect(list.namespaces.map((n: { namespaceInfo: { name: string } }) => n.namespaceInfo.name)).toEqual(
      expect.arrayContaining(['default', 'extra', name]),
    );
  });

  test('namespaces describe one local cluster, their search attribute fields and no bad binaries, as the real server does', async () => {
    const d = await raw.wf('DescribeNamespace', { namespace: 'default' });
    const cluster = { activeClusterName: 'active', clusters: [{ clusterName: 'active' }] };
    // Created at start: no replication state (decoded as the enum's default); registered: NORMAL.
    const replication = (r: { replicationConfig: { state: number | string } }) => ({
      ...r.replicationConfig,
      state:
        typeof r.replicationConfig.state === 'number'
          ? E.ReplicationState[r.replicationConfig.state]
          : r.replicationConfig.state,
    });
    expect(replication(d)).toEqual({ ...cluster, state: 'REPLICATION_STATE_UNSPECIFIED' });
    expect(d.config.badBinaries).toEqual({ binaries: {} });
    // The server's own search attributes take the first field of their type.
    const atStart = {
      Keyword01: 'CustomKeyword',
      Int01: 'CustomInt',
      Datetime01: 'CustomDatetime',
      KeywordList01: 'CustomKeywordList',
      Text01: 'CustomText',
    };
    expect(d.config.customSearchAttributeAliases).toEqual(atStart);
    const name = uniqueId('ns');
    await raw.wf('RegisterNamespace', { namespace: name, workflowExecutionRetentionPeriod: { seconds: 86400 } });
    const registered = await raw.wf('DescribeNamespace', { namespace: name });
    // The server's search attributes are not registered on namespaces created later, as on the real dev server.
    expect(registered.config.customSearchAttributeAliases).toEqual({});
    expect(replication(registered)).toEqual({ ...cluster, state: 'REPLICATION_STATE_NORMAL' });
    const updated = await raw.wf('UpdateNamespace', { namespace: name, updateInfo: { description: 'x' } });
    expect(replication(updated)).toEqual(replication(registered));
    // A removed attribute frees its field without moving the others; a new one takes the lowest free field.
    const add = (searchAttributes: object) =>
      raw.call('OperatorService', 'AddSearchAttributes', { namespace: name, searchAttributes });
    await add({ A: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
    await add({ B: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, N: E.IndexedValueType.INDEXED_VALUE_TYPE_INT });
    await raw.call('OperatorService', 'RemoveSearchAttributes', { namespace: name, searchAttributes: ['A'] });
    expect((await raw.wf('DescribeNamespace', { namespace: name })).config.customSearchAttributeAliases).toEqual({
      Keyword02: 'B',
      Int01: 'N',
    });
    await add({ C: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
    expect((await raw.wf('DescribeNamespace', { namespace: name })).config.customSearchAttributeAliases).toEqual({
      Keyword01: 'C',
      Keyword02: 'B',
      Int01: 'N',
    });
  });

  test("the real server's temporal-system namespace is listed after those created at start", async () => {
    const list = await raw.wf('ListNamespaces', { pageSize: 100 });
    const names = list.namespaces.map((n: { namespaceInfo: { name: string } }) => n.namespaceInfo.name);
    expect(names.slice(0, 3)).toEqual(['default', 'extra', 'temporal-system']);
    const system = await raw.wf('DescribeNamespace', { namespace: 'temporal-system' });
    expect(system.namespaceInfo).toMatchObject({
      id: '32049b68-7872-4094-8e63-d0dd59896a83',
      description: 'Temporal internal system namespace',
      ownerEmail: 'temporal-core@temporal.io',
    });
    expect(Number(system.config.workflowExecutionRetentionTtl.seconds)).toBe(7 * 86400);
    expect(system.config.customSearchAttributeAliases).toEqual({});
  });

  test('a duplicate namespace is ALREADY_EXISTS with NamespaceAlreadyExistsFailure', async () => {
    const err = await rejection(
      raw.wf('RegisterNamespace', { namespace: 'default', workflowExecutionRetentionPeriod: { seconds: 7200 } }),
    );
    expect([err.code, err.details]).toEqual([grpc.status.ALREADY_EXISTS, 'Namespace "default" already exists']);
    expect(err.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.NamespaceAlreadyExistsFailure');
  });

  test('an unknown namespace is NOT_FOUND with NamespaceNotFoundFailure', async () => {
    const err = await rejection(
      raw.call('WorkflowService', 'StartWorkflowExecution', {
        namespace: 'nope',
        workflowId: 'x',
        workflowType: { name: 'W' },
        taskQueue: { name: 'q' },
      }),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.statusDetails[0]).toEqual({
      typeName: 'temporal.api.errordetails.v1.NamespaceNotFoundFailure',
      message: { namespace: 'nope' },
    });
  });

  test('RecordWorkerHeartbeat keeps the last heartbeat of each worker; namespaces say they support it', async () => {
    const ns = await raw.wf('DescribeNamespace', { namespace: 'extra' });
    expect(ns.namespaceInfo.capabilities).toMatchObject({ workerHeartbeats: true, workerCommands: false });
    const beat = (key: string, taskQueue: string) => ({ workerInstanceKey: key, taskQueue, sdkName: 'raw' });
    await raw.call('WorkflowService', 'RecordWorkerHeartbeat', {
      namespace: 'extra',
      identity: 'raw',
      workerHeartbeat: [beat('w1', 'q1'), beat('w2', 'q1')],
    });
    await raw.call('WorkflowService', 'RecordWorkerHeartbeat', {
      namespace: 'extra',
      workerHeartbeat: [beat('w1', 'q2')],
    });
    expect(server.workerHeartbeats('extra').map((hb) => [hb.workerInstanceKey, hb.taskQueue])).toEqual([
      ['w2', 'q1'],
      ['w1', 'q2'],
    ]);
    expect(server.workerHeartbeats('default').some((hb) => hb.sdkName === 'raw')).toBe(false);
    const err = await rejection(
      raw.call('WorkflowService', 'RecordWorkerHeartbeat', { namespace: 'nope', workerHeartbeat: [] }),
    );
    expect(err.code).toBe(grpc.status.NOT_FOUND);
  });

  test('the health service answers SERVING', async () => {
    expect((await raw.call('Health', 'Check', {})).status).toBe(1);
  });
});
