import { Context } from '@kairos/activity';
import type { MetricSeries } from '../src/metrics/metric-series';
import { formatPrometheus } from '../src/metrics/prometheus';
import { Runtime, type Worker } from '../src';
import { TestEnv, taskQueueFor } from './helpers/env';
import type { metricsWorkflow } from './workflows/metrics';

jest.setTimeout(60_000);

/** A free port for the Prometheus endpoint (the server binds it itself). */
async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** One parsed sample line of the exposition format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`Not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

let env: TestEnv;
let metricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  env = await TestEnv.start({
    metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` }, globalTags: { deployment: 'test' } },
  });
  metricsUrl = `http://${await Runtime.instance().prometheusAddress()}/metrics`;
});
afterAll(async () => {
  await env?.teardown();
  await Runtime.instance().shutdown();
});

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  return { text, samples: parseSamples(text) };
}

/** Scrapes until `check` passes (metrics are read when scraped; wait on the condition, not on time). */
async function scrapeUntil(check: (samples: Sample[]) => boolean): Promise<Sample[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { samples } = await scrape();
    if (check(samples)) return samples;
    if (Date.now() > deadline) throw new Error(`metrics never matched; last scrape:\n${(await scrape()).text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function activities(taskQueue: string) {
  return {
    async recordActivityMetrics(n: number): Promise<void> {
      Context.current().metricMeter.createHistogram('activity_custom_histogram').record(n);
      Context.current().metricMeter.createCounter('activity_custom_counter').add(n, { taskQueueSeen: taskQueue });
    },
  };
}

it('serves the core and custom metrics with the official names and labels while workflows run', async () => {
  const taskQueue = taskQueueFor('prometheus');
  const worker: Worker = await env.createWorker({
    taskQueue,
    workflowsPath: require.resolve('./workflows/metrics'),
    activities: activities(taskQueue),
    // Every workflow task replays the history from the start: what replay re-executes must not be counted.
    maxCachedWorkflows: 0,
  });
  Runtime.instance().metricMeter.createCounter('app_custom_counter').withTags({ origin: 'app' }).add(2);

  await worker.runUntil(async () => {
    const quick = await Promise.all(
      [1, 2, 3].map((i) =>
        env.client.workflow.start<typeof metricsWorkflow>('metricsWorkflow', {
          taskQueue,
          workflowId: `${taskQueue}-quick-${i}`,
          args: [false],
        }),
      ),
    );
    await Promise.all(quick.map((handle) => handle.result()));
    const blocked = await env.client.workflow.start<typeof metricsWorkflow>('metricsWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-blocked`,
      args: [true],
    });

    // Scraped while the blocked workflow runs.
    const common = {
      namespace: 'default',
      task_queue: taskQueue,
      service_name: 'temporal-core-sdk',
      deployment: 'test',
    };
    const running = await scrapeUntil(
      (s) =>
        find(s, 'temporal_workflow_completed', { ...common, workflow_type: 'metricsWorkflow' })[0]?.value === 3 &&
        find(s, 'workflow_custom_counter', { taskQueue, step: 'after' }).reduce((n, x) => n + x.value, 0) === 4,
    );
    const wf = { ...common, workflow_type: 'metricsWorkflow' };
    expect(find(running, 'temporal_workflow_task_execution_latency_count', wf)[0]?.value).toBeGreaterThanOrEqual(6);
    expect(find(running, 'temporal_workflow_task_execution_latency_bucket', { ...wf, le: '+Inf' })).toHaveLength(1);
    expect(find(running, 'temporal_workflow_task_schedule_to_start_latency_sum', common)).toHaveLength(1);
    expect(find(running, 'temporal_workflow_endtoend_latency_count', wf)[0]?.value).toBe(3);
    expect(find(running, 'temporal_workflow_task_queue_poll_succeed', common)[0]?.value).toBeGreaterThanOrEqual(6);
    const activity = { ...common, activity_type: 'recordActivityMetrics', workflow_type: 'metricsWorkflow' };
    expect(find(running, 'temporal_activity_execution_latency_count', activity)[0]?.value).toBe(4);
    expect(find(running, 'temporal_activity_task_received', common)[0]?.value).toBeGreaterThanOrEqual(4);
    expect(
      find(running, 'temporal_worker_task_slots_available', { ...common, worker_type: 'WorkflowWorker' }),
    ).toHaveLength(1);
    expect(find(running, 'temporal_worker_task_slots_used', { ...common, worker_type: 'ActivityWorker' })).toHaveLength(
      1,
    );
    expect(find(running, 'temporal_num_pollers', { ...common, poller_type: 'workflow_task' })).toHaveLength(1);
    expect(find(running, 'temporal_sticky_cache_size', common)).toHaveLength(1);
    expect(find(running, 'temporal_request', { operation: 'RespondWorkflowTaskCompleted' })[0]?.value).toBeGreaterThan(
      0,
    );
    expect(find(running, 'temporal_long_request', { operation: 'PollWorkflowTaskQueue' }).length).toBeGreaterThan(0);

    // Workflow metrics: tagged with the workflow, counted once per execution despite the replays.
    const wfTags = { namespace: 'default', taskQueue, workflowType: 'metricsWorkflow', deployment: 'test' };
    expect(find(running, 'workflow_custom_counter', { ...wfTags, step: 'before' })[0]?.value).toBe(4);
    expect(find(running, 'workflow_custom_counter', { ...wfTags, step: 'after' })[0]?.value).toBe(4);
    expect(find(running, 'workflow_custom_histogram_count', wfTags)[0]?.value).toBe(4);
    expect(find(running, 'workflow_custom_histogram_sum', wfTags)[0]?.value).toBe(50);
    expect(find(running, 'workflow_custom_gauge', wfTags)[0]?.value).toBe(7);
    expect(find(running, 'workflow_custom_in_flight', wfTags)[0]?.value).toBe(1);
    // Activity metrics: tagged with the activity.
    const actTags = { namespace: 'default', taskQueue, activityType: 'recordActivityMetrics' };
    expect(find(running, 'activity_custom_counter', { ...actTags, taskQueueSeen: taskQueue })[0]?.value).toBe(12);
    expect(find(running, 'activity_custom_histogram_count', actTags)[0]?.value).toBe(4);
    // Application metrics.
    expect(find(running, 'app_custom_counter', { origin: 'app', service_name: 'temporal-core-sdk' })[0]?.value).toBe(2);

    await blocked.signal('release');
    await blocked.result();
    const done = await scrapeUntil(
      (s) => find(s, 'temporal_workflow_completed', { ...common, workflow_type: 'metricsWorkflow' })[0]?.value === 4,
    );
    expect(find(done, 'workflow_custom_in_flight', wfTags)[0]?.value).toBe(0);
  });

  const { text } = await scrape();
  expect(text).toContain('# TYPE temporal_workflow_completed counter\n');
  expect(text).toContain('# TYPE temporal_workflow_task_execution_latency histogram\n');
  expect(text).toContain('# TYPE temporal_sticky_cache_size gauge\n');
  expect(text).toContain('# HELP workflow_custom_counter Counted by workflow code\n');
});

it('answers 404 outside /metrics', async () => {
  const response = await fetch(metricsUrl.replace('/metrics', '/other'));
  expect(response.status).toBe(404);
});

describe('Prometheus text format', () => {
  const series: MetricSeries[] = [
    {
      name: 'temporal_request',
      kind: 'counter' as const,
      monotonic: true,
      labels: { operation: 'Poll', note: 'a "quoted"\nvalue\\' },
      value: 3,
      count: 0,
      bucketBounds: [],
      bucketCounts: [],
    },
    {
      name: 'temporal_request_latency',
      kind: 'histogram' as const,
      monotonic: false,
      unit: 'milliseconds',
      labels: { operation: 'Poll' },
      value: 16,
      count: 3,
      bucketBounds: [1, 10],
      bucketCounts: [1, 2],
    },
  ];

  it('writes TYPE lines, escaped labels, cumulative buckets with +Inf, sum and count', () => {
    expect(formatPrometheus(series)).toBe(
      [
        '# TYPE temporal_request counter',
        'temporal_request{note="a \\"quoted\\"\\nvalue\\\\",operation="Poll"} 3',
        '# TYPE temporal_request_latency histogram',
        'temporal_request_latency_bucket{operation="Poll",le="1"} 1',
        'temporal_request_latency_bucket{operation="Poll",le="10"} 2',
        'temporal_request_latency_bucket{operation="Poll",le="+Inf"} 3',
        'temporal_request_latency_sum{operation="Poll"} 16',
        'temporal_request_latency_count{operation="Poll"} 3',
        '',
      ].join('\n'),
    );
  });

  it('adds the _total and unit suffixes when asked', () => {
    const text = formatPrometheus(series, { countersTotalSuffix: true, unitSuffix: true });
    expect(text).toContain('# TYPE temporal_request_total counter\n');
    expect(text).toContain('temporal_request_latency_milliseconds_count{operation="Poll"} 3\n');
  });
});
