// The operator service over raw gRPC: Nexus endpoints, search attributes, namespace deletion and clusters.
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

describe('operator service', () => {
  test('creates, reads, updates, lists and deletes nexus endpoints with version checks', async () => {
    const name = `ep-${Date.now()}`;
    const spec = { name, target: { worker: { namespace: 'default', taskQueue: 'nexus-tq' } } };
    const created = (await raw.call('OperatorService', 'CreateNexusEndpoint', { spec })).endpoint;
    expect(Number(created.version)).toBe(1);
    expect(created.urlPrefix).toBe(`/nexus/endpoints/${created.id}/services`);
    const dup = await rejection(raw.call('OperatorService', 'CreateNexusEndpoint', { spec }));
    expect(dup.code).toBe(grpc.status.ALREADY_EXISTS);
    const bad = await rejection(
      raw.call('OperatorService', 'CreateNexusEndpoint', { spec: { name: '1bad', target: spec.target } }),
    );
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.details).toContain('spec.name');
    expect((await raw.call('OperatorService', 'GetNexusEndpoint', { id: created.id })).endpoint.spec.name).toBe(name);
    const stale = await rejection(
      raw.call('OperatorService', 'UpdateNexusEndpoint', { id: created.id, version: 7, spec }),
    );
    expect(stale.code).toBe(grpc.status.FAILED_PRECONDITION);
    const updated = (
      await raw.call('OperatorService', 'UpdateNexusEndpoint', {
        id: created.id,
        version: 1,
        spec: { ...spec, target: { external: { url: 'http://localhost:1/x' } } },
      })
    ).endpoint;
    expect(Number(updated.version)).toBe(2);
    const listed = await raw.call('OperatorService', 'ListNexusEndpoints', { name });
    expect(listed.endpoints.map((e: { id: string }) => e.id)).toEqual([created.id]);
    await raw.call('OperatorService', 'DeleteNexusEndpoint', { id: created.id, version: 2 });
    expect((await rejection(raw.call('OperatorService', 'GetNexusEndpoint', { id: created.id }))).code).toBe(
      grpc.status.NOT_FOUND,
    );
  });

  test('adds, lists and removes search attributes with the real server rules and messages', async () => {
    const add = (searchAttributes: object) =>
      raw.call('OperatorService', 'AddSearchAttributes', { namespace: 'extra', searchAttributes });
    const remove = (searchAttributes: string[]) =>
      raw.call('OperatorService', 'RemoveSearchAttributes', { namespace: 'extra', searchAttributes });
    await add({ MyKeyword: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
    let list = await raw.call('OperatorService', 'ListSearchAttributes', { namespace: 'extra' });
    expect(list.customAttributes.MyKeyword).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(list.systemAttributes.WorkflowId).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    expect(list.systemAttributes.TemporalExternalPayloadCount).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_INT);
    // Adding a registered name again, even with another type, changes nothing.
    await add({ MyKeyword: E.IndexedValueType.INDEXED_VALUE_TYPE_INT });
    list = await raw.call('OperatorService', 'ListSearchAttributes', { namespace: 'extra' });
    expect(list.customAttributes.MyKeyword).toBe(E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    const errors = [
      await rejection(add({ WorkflowId: E.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD })),
      await rejection(add({ Other: E.IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED })),
      await rejection(add({})),
      await rejection(remove(['WorkflowId'])),
      await rejection(remove([])),
    ];
    expect(errors.map((e) => [e.code, e.details])).toEqual([
      [grpc.status.INVALID_ARGUMENT, 'Search attribute WorkflowId is reserved by system.'],
      [
        grpc.status.INVALID_ARGUMENT,
        'Unable to create search attributes: cannot have more than 0 search attribute of type Unspecified.',
      ],
      [grpc.status.INVALID_ARGUMENT, 'SearchAttributes are not set on request.'],
      [grpc.status.INVALID_ARGUMENT, 'Unable to remove non-custom search attributes: WorkflowId.'],
      [grpc.status.INVALID_ARGUMENT, 'SearchAttributes are not set on request.'],
    ]);
    await remove(['MyKeyword']);
    list = await raw.call('OperatorService', 'ListSearchAttributes', { namespace: 'extra' });
    expect(list.customAttributes.MyKeyword).toBeUndefined();
    // Removing one that is not registered does nothing.
    await remove(['MyKeyword']);
  });

  test("deletes a namespace with its runs and schedules, answering the real server's deleted name", async () => {
    const name = uniqueId('doomed');
    await raw.wf('RegisterNamespace', { namespace: name, workflowExecutionRetentionPeriod: { seconds: 86400 } });
    const { namespaceInfo } = await raw.wf('DescribeNamespace', { namespace: name });
    await raw.call('WorkflowService', 'StartWorkflowExecution', {
      namespace: name,
      workflowId: 'w',
      workflowType: { name: 'W' },
      taskQueue: { name: 'q' },
    });
    const r = await raw.call('OperatorService', 'DeleteNamespace', { namespace: name });
    expect(r.deletedNamespace).toBe(`${name}-deleted-${namespaceInfo.id.slice(0, 5)}`);
    const gone = await rejection(raw.wf('DescribeNamespace', { namespace: name }));
    expect([gone.code, gone.details]).toEqual([grpc.status.NOT_FOUND, `Namespace ${name} is not found.`]);
    expect(server.address).toBeTruthy();
    const again = await rejection(raw.call('OperatorService', 'DeleteNamespace', { namespace: name }));
    expect(again.statusDetails[0].typeName).toBe('temporal.api.errordetails.v1.NamespaceNotFoundFailure');
    // Registered again, it is empty.
    await raw.wf('RegisterNamespace', { namespace: name, workflowExecutionRetentionPeriod: { seconds: 86400 } });
    const list = await raw.call('WorkflowService', 'ListWorkflowExecutions', { namespace: name, query: '' });
    expect(list.executions).toEqual([]);
  });

  test('lists one cluster and one partition per task queue', async () => {
    const { clusters } = await raw.call('OperatorService', 'ListClusters', {});
    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({
      clusterName: 'active',
      address: server.address,
      historyShardCount: 1,
      isConnectionEnabled: true,
    });
    expect(Number(clusters[0].initialFailoverVersion)).toBe(1);
    const info = await raw.wf('GetClusterInfo', {});
    expect(info.clusterId).toBe(clusters[0].clusterId);
    expect(info.supportedClients['temporal-cli']).toBe('<2.0.0');
    const partitions = await raw.wf('ListTaskQueuePartitions', { taskQueue: { name: 'tq-x' } });
    expect(partitions).toMatchObject({
      activityTaskQueuePartitions: [{ key: 'tq-x', ownerHostName: server.address }],
      workflowTaskQueuePartitions: [{ key: 'tq-x', ownerHostName: server.address }],
    });
  });
});
