import * as http from 'node:http';
import { DefaultLogger } from '../src';
import { MetricsExport } from '../src/metrics/metrics-export';
import { Runtime } from '../src';
import { TestEnv, taskQueueFor } from './helpers/env';
import type { metricsWorkflow } from './workflows/metrics';

jest.setTimeout(60_000);

/** An OTLP/HTTP collector stub: keeps every JSON body posted to /v1/metrics. */
class CollectorStub {
  readonly requests: { headers: http.IncomingHttpHeaders; body: OtlpRequest }[] = [];
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/metrics' && req.method === 'POST') {
        this.requests.push({ headers: req.headers, body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404).end();
      }
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}/v1/metrics`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Metrics of the latest export, by name. */
  latest(): Map<string, OtlpMetric> {
    const last = this.requests[this.requests.length - 1]?.body;
    return new Map((last?.resourceMetrics[0].scopeMetrics[0].metrics ?? []).map((m) => [m.name, m]));
  }
}

interface OtlpPoint {
  attributes: { key: string; value: { stringValue: string } }[];
  asDouble?: number;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
}
interface OtlpMetric {
  name: string;
  unit: string;
  sum?: { dataPoints: OtlpPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  gauge?: { dataPoints: OtlpPoint[] };
  histogram?: { dataPoints: OtlpPoint[]; aggregationTemporality: number };
}
interface OtlpRequest {
  resourceMetrics: {
    resource: { attributes: OtlpPoint['attributes'] };
    scopeMetrics: { scope: { name: string }; metrics: OtlpMetric[] }[];
  }[];
}

function attrs(point: OtlpPoint): Record<string, string> {
  return Object.fromEntries(point.attributes.map((a) => [a.key, a.value.stringValue]));
}

const collector = new CollectorStub();
let env: TestEnv;

beforeAll(async () => {
  const url = await collector.start();
  env = await TestEnv.start({
    metrics: {
      metricPrefix: 'kairos_',
      globalTags: { region: 'test' },
      otel: {
        url,
        http: true,
        headers: { 'x-api-key': 'secret' },
        metricsExportInterval: '100ms',
        useSecondsForDurations: true,
      },
    },
  });
});
afterAll(async () => {
  await env?.teardown();
  await collector.stop();
});

it('pushes the core and custom metrics to an OTLP/HTTP collector', async () => {
  const taskQueue = taskQueueFor('otlp');
  const worker = await env.createWorker({
    taskQueue,
    workflowsPath: require.resolve('./workflows/metrics'),
    activities: { recordActivityMetrics: async () => undefined },
  });
  await worker.runUntil(
    env.client.workflow.execute<typeof metricsWorkflow>('metricsWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-wf`,
      args: [false],
    }),
  );
  // The last export happens on shutdown.
  await Runtime.instance().shutdown();

  const { headers, body } = collector.requests[collector.requests.length - 1];
  expect(headers['x-api-key']).toBe('secret');
  expect(headers['content-type']).toBe('application/json');
  expect(attrs(body.resourceMetrics[0].resource as OtlpPoint)).toEqual({
    'service.name': 'temporal-core-sdk',
    region: 'test',
  });
  const metrics = collector.latest();

  const completed = metrics.get('kairos_workflow_completed');
  expect(completed?.sum?.isMonotonic).toBe(true);
  expect(completed?.sum?.aggregationTemporality).toBe(2);
  const point = completed?.sum?.dataPoints.find((p) => attrs(p).task_queue === taskQueue);
  expect(attrs(point!)).toEqual({ namespace: 'default', task_queue: taskQueue, workflow_type: 'metricsWorkflow' });
  expect(point?.asDouble).toBe(1);

  const latency = metrics.get('kairos_workflow_task_execution_latency');
  expect(latency?.unit).toBe('seconds');
  const hist = latency?.histogram?.dataPoints.find((p) => attrs(p).task_queue === taskQueue);
  expect(Number(hist?.count)).toBeGreaterThanOrEqual(2);
  expect(hist?.explicitBounds?.[0]).toBe(0.001);
  expect(hist?.bucketCounts).toHaveLength((hist?.explicitBounds?.length ?? 0) + 1);
  expect(hist?.bucketCounts?.reduce((n, c) => n + Number(c), 0)).toBe(Number(hist?.count));

  const custom = metrics
    .get('workflow_custom_counter')
    ?.sum?.dataPoints.filter((p) => attrs(p).taskQueue === taskQueue);
  expect(custom?.map((p) => [attrs(p).step, p.asDouble]).sort()).toEqual([
    ['after', 1],
    ['before', 1],
  ]);
  const inFlight = metrics.get('workflow_custom_in_flight');
  expect(inFlight?.sum?.isMonotonic).toBe(false);
  expect(metrics.get('workflow_custom_gauge')?.gauge?.dataPoints[0].asDouble).toBe(7);
});

describe('metrics configuration', () => {
  const logger = new DefaultLogger('ERROR');
  it('rejects OTLP over gRPC, the metrics buffer and bucket overrides of core histograms as not implemented', () => {
    expect(() => new MetricsExport({ otel: { url: 'http://localhost:4317' } }, false, logger)).toThrow(
      /^not implemented: OTLP\/gRPC metrics export/,
    );
    expect(() => new MetricsExport({ buffer: {} }, false, logger)).toThrow(/^not implemented: metrics buffer/);
    expect(
      () =>
        new MetricsExport(
          {
            otel: {
              url: 'http://localhost:4318/v1/metrics',
              http: true,
              histogramBucketOverrides: { temporal_request_latency: [1, 2] },
            },
          },
          false,
          logger,
        ),
    ).toThrow(/^not implemented: histogramBucketOverrides for the core metric 'temporal_request_latency'/);
  });

  it('requires exactly one exporter', () => {
    expect(() => new MetricsExport({}, false, logger)).toThrow(/needs an exporter/);
  });
});
