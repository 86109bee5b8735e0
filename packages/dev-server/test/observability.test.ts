// Operating the server: the gRPC health service per service with Watch and server reflection (so that grpcurl
// works) on both servers, and this server's Prometheus metrics.
import * as grpc from '@grpc/grpc-js';
import * as path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';
import { uniqueId } from './helpers';
import { rejection } from './raw-client';
import { onEachServer, startTestServer, TestServer } from './servers';

const HEALTH = 'grpc.health.v1.Health';
const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';

/** A client of the reflection service (v1), from the proto @grpc/reflection ships. */
function reflectionClient(address: string) {
  const file = path.join(
    path.dirname(require.resolve('@grpc/reflection/package.json')),
    'build/proto/grpc/reflection/v1/reflection.proto',
  );
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, { keepCase: false, oneofs: true })) as any;
  return new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure()) as grpc.Client & {
    serverReflectionInfo(): grpc.ClientDuplexStream<object, any>;
  };
}

/** Sends reflection requests one by one over one stream and collects the answers. */
async function reflect(address: string, requests: object[]): Promise<any[]> {
  const client = reflectionClient(address);
  const stream = client.serverReflectionInfo();
  const answers: any[] = [];
  try {
    for (const request of requests) {
      const answer = new Promise<any>((resolve, reject) => {
        stream.once('data', resolve);
        stream.once('error', reject);
      });
      stream.write(request);
      answers.push(await answer);
    }
  } finally {
    stream.end();
    client.close();
  }
  return answers;
}

onEachServer({}, (server: () => TestServer) => {
  test('health answers per service: SERVING for the server and its services, NOT_FOUND for others', async () => {
    const check = (service: string) => server().raw.call('Health', 'Check', { service });
    expect((await check('')).status).toBe(1);
    expect((await check(WORKFLOW_SERVICE)).status).toBe(1);
    expect((await check('temporal.api.operatorservice.v1.OperatorService')).status).toBe(1);
    const err = await rejection(check('no.such.Service'));
    expect([err.code, err.details]).toEqual([grpc.status.NOT_FOUND, 'unknown service']);
  });

  test('health Watch streams the current status', async () => {
    const client = new grpc.Client(server().address, grpc.credentials.createInsecure());
    const { grpc: g } = (await import('@kairos/proto')) as any;
    const stream = client.makeServerStreamRequest(
      `/${HEALTH}/Watch`,
      (m: object) => Buffer.from(g.health.v1.HealthCheckRequest.encode(m).finish()),
      (b: Buffer) => g.health.v1.HealthCheckResponse.decode(b),
      { service: WORKFLOW_SERVICE },
    );
    const first = await new Promise<{ status: number }>((resolve, reject) => {
      stream.once('data', resolve);
      stream.once('error', reject);
    });
    expect(first.status).toBe(1);
    stream.cancel();
    client.close();
  });

  test('reflection lists the services and describes them in file descriptors that resolve', async () => {
    const [list] = await reflect(server().address, [{ listServices: '*' }]);
    const services = list.listServicesResponse.service.map((s: { name: string }) => s.name);
    expect(services).toEqual(expect.arrayContaining([HEALTH, WORKFLOW_SERVICE]));
    // Fetch the file of WorkflowService and, transitively, the files it imports.
    const files = new Map<string, descriptor.IFileDescriptorProto>();
    let wanted: object[] = [{ fileContainingSymbol: WORKFLOW_SERVICE }];
    while (wanted.length > 0) {
      const answers = await reflect(server().address, wanted);
      wanted = [];
      for (const a of answers) {
        for (const bytes of a.fileDescriptorResponse.fileDescriptorProto as Buffer[]) {
          const f = descriptor.FileDescriptorProto.decode(bytes) as descriptor.IFileDescriptorProto;
          if (files.has(f.name!)) continue;
          files.set(f.name!, f);
          for (const dep of f.dependency ?? []) if (!files.has(dep)) wanted.push({ fileByFilename: dep });
        }
      }
    }
    const root = (protobuf.Root as unknown as { fromDescriptor(d: object): protobuf.Root }).fromDescriptor({
      file: [...files.values()],
    });
    root.resolveAll();
    const method = root.lookupService(WORKFLOW_SERVICE).methods.StartWorkflowExecution;
    method.resolve();
    expect(method.resolvedRequestType?.fields.workflowId).toBeDefined();
    // The first reflection call loads the reflection libraries and builds the file descriptors: under a
    // fraction of a second on an idle machine, several seconds on a loaded 2-core one.
  }, 30_000);
});

describe('metrics', () => {
  let server: TestServer;
  let metricsUrl: string;
  beforeAll(async () => {
    server = await startTestServer('kairos', { kairos: { metricsPort: 0 } });
    metricsUrl = server.metricsUrl ?? '';
  });
  afterAll(() => server?.shutdown());

  test('serves requests by operation and status, latency, open workflows and task queue backlog', async () => {
    const queue = uniqueId('metrics');
    await server.raw.wf('StartWorkflowExecution', {
      workflowId: uniqueId(),
      workflowType: { name: 'Wf' },
      taskQueue: { name: queue },
      requestId: uniqueId(),
    });
    await server.raw.wf('DescribeWorkflowExecution', { execution: { workflowId: 'missing' } }).catch(() => undefined);
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toContain(
      'service_requests{operation="StartWorkflowExecution",namespace="default",status_code="OK"} 1',
    );
    expect(text).toContain(
      'service_requests{operation="DescribeWorkflowExecution",namespace="default",status_code="NOT_FOUND"} 1',
    );
    expect(text).toMatch(/service_latency_seconds_count\{operation="StartWorkflowExecution",namespace="default"\} 1/);
    expect(text).toContain('open_workflows{namespace="default"} 1');
    expect(text).toContain(
      `approximate_backlog_count{namespace="default",task_queue="${queue}",task_type="workflow"} 1`,
    );
  });
});
