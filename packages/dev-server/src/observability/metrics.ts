// The server's own metrics in the Prometheus text format, named as the real server names the equivalent ones:
// requests by operation and status, request latency, open workflows and task queue backlog.
import * as http from 'node:http';
import type { Logger } from '../logger';

/** Latency buckets, in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A gauge read when metrics are scraped: label sets and their values. */
export type GaugeReader = () => Array<{ labels: Record<string, string>; value: number }>;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

export class Metrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; value: number }>();
  private readonly latency = new Map<string, { labels: Record<string, string>; h: Histogram }>();
  private readonly gauges = new Map<string, { help: string; read: GaugeReader }>();

  /** Counts a finished request and its latency. */
  recordRequest(operation: string, namespace: string, statusCode: string, seconds: number): void {
    const labels = { operation, namespace, status_code: statusCode };
    const key = `${operation}\u0000${namespace}\u0000${statusCode}`;
    const counter = this.requests.get(key) ?? { labels, value: 0 };
    counter.value += 1;
    this.requests.set(key, counter);
    const lkey = `${operation}\u0000${namespace}`;
    const entry = this.latency.get(lkey) ?? {
      labels: { operation, namespace },
      h: { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 },
    };
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]) entry.h.counts[i] += 1;
    entry.h.sum += seconds;
    entry.h.count += 1;
    this.latency.set(lkey, entry);
  }

  /** Registers a gauge read at scrape time. */
  gauge(name: string, help: string, read: GaugeReader): void {
    this.gauges.set(name, { help, read });
  }

  /** The Prometheus text exposition of every metric. */
  render(): string {
    const out: string[] = [];
    out.push('# HELP service_requests Requests the server answered, by operation, namespace and status code.');
    out.push('# TYPE service_requests counter');
    for (const c of this.requests.values()) out.push(`service_requests${labelText(c.labels)} ${c.value}`);
    out.push('# HELP service_latency_seconds How long requests took, by operation and namespace.');
    out.push('# TYPE service_latency_seconds histogram');
    for (const { labels, h } of this.latency.values()) {
      LATENCY_BUCKETS.forEach((le, i) =>
        out.push(`service_latency_seconds_bucket${labelText({ ...labels, le: String(le) })} ${h.counts[i]}`),
      );
      out.push(`service_latency_seconds_bucket${labelText({ ...labels, le: '+Inf' })} ${h.count}`);
      out.push(`service_latency_seconds_sum${labelText(labels)} ${h.sum}`);
      out.push(`service_latency_seconds_count${labelText(labels)} ${h.count}`);
    }
    for (const [name, g] of this.gauges) {
      out.push(`# HELP ${name} ${g.help}`);
      out.push(`# TYPE ${name} gauge`);
      for (const { labels, value } of g.read()) out.push(`${name}${labelText(labels)} ${value}`);
    }
    return out.join('\n') + '\n';
  }
}

/** Serves `/metrics` over HTTP on `host:port` (0 = a free port); resolves to the server and the bound port. */
export function serveMetrics(
  metrics: Metrics,
  host: string,
  port: number,
  log: Logger,
): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    try {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
    } catch (err) {
      log.error(`rendering metrics failed: ${(err as Error).message}`);
      res.writeHead(500).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as { port: number }).port });
    });
  });
}
