/**
 * The Prometheus exporter: serves every metric in the Prometheus text exposition format (version 0.0.4) at
 * `http://<bindAddress>/metrics`, read when scraped.
 *
 * @module
 */
import * as http from 'node:http';
import type { Logger } from '@kairos/common';
import { SdkComponent } from '@kairos/common';
import type { MetricsCollector } from './collector';
import type { MetricSeries } from './metric-series';

/** Naming options of the Prometheus exporter (see `PrometheusMetricsExporter`). */
export interface PrometheusFormatOptions {
  /** Append `_total` to counter names. Default false. */
  countersTotalSuffix?: boolean;
  /** Append the unit to names that have one (`_milliseconds`, `_seconds`, or a custom metric's unit). Default false. */
  unitSuffix?: boolean;
}

function sanitizeName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

function sanitizeLabelName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Record<string, string>, extra?: [string, string]): string {
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${sanitizeLabelName(key)}="${escapeLabelValue(labels[key])}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** The exposed name of a series. */
function exposedName(series: MetricSeries, options: PrometheusFormatOptions): string {
  let name = sanitizeName(series.name);
  if (options.unitSuffix && series.unit) {
    const unit = sanitizeName(series.unit);
    if (!name.endsWith(`_${unit}`)) name += `_${unit}`;
  }
  if (options.countersTotalSuffix && series.kind === 'counter' && !name.endsWith('_total')) name += '_total';
  return name;
}

/** Renders series in the Prometheus text format, one `# TYPE` block per metric name. */
export function formatPrometheus(allSeries: MetricSeries[], options: PrometheusFormatOptions = {}): string {
  const byName = new Map<string, MetricSeries[]>();
  for (const series of allSeries) {
    const name = exposedName(series, options);
    let group = byName.get(name);
    if (group === undefined) byName.set(name, (group = []));
    group.push(series);
  }
  const lines: string[] = [];
  for (const [name, group] of byName) {
    const first = group[0];
    if (first.description) lines.push(`# HELP ${name} ${escapeHelp(first.description)}`);
    lines.push(`# TYPE ${name} ${first.kind}`);
    for (const series of group) {
      if (series.kind !== 'histogram') {
        lines.push(`${name}${formatLabels(series.labels)} ${formatNumber(series.value)}`);
        continue;
      }
      series.bucketBounds.forEach((bound, i) => {
        lines.push(
          `${name}_bucket${formatLabels(series.labels, ['le', formatNumber(bound)])} ${series.bucketCounts[i]}`,
        );
      });
      lines.push(`${name}_bucket${formatLabels(series.labels, ['le', '+Inf'])} ${series.count}`);
      lines.push(`${name}_sum${formatLabels(series.labels)} ${formatNumber(series.value)}`);
      lines.push(`${name}_count${formatLabels(series.labels)} ${series.count}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** Splits `host:port` (IPv6 hosts in brackets). */
export function parseBindAddress(bindAddress: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(bindAddress);
  if (!match) {
    throw new TypeError(
      `Invalid Prometheus bindAddress ${JSON.stringify(bindAddress)}: expected host:port, e.g. '0.0.0.0:9464'`,
    );
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port: Number(match[3]) };
}

/** An HTTP server answering `GET /metrics` with the current metrics. */
export class PrometheusServer {
  private readonly server: http.Server;
  /** Resolves once the server listens (or failed to; the failure is logged). */
  readonly listening: Promise<void>;

  constructor(
    bindAddress: string,
    private readonly collector: MetricsCollector,
    private readonly options: PrometheusFormatOptions,
    logger: Logger,
  ) {
    const { host, port } = parseBindAddress(bindAddress);
    this.server = http.createServer((request, response) => this.answer(request, response));
    this.listening = new Promise((resolve) => {
      this.server.once('error', (error) => {
        logger.error(`Cannot serve Prometheus metrics on ${bindAddress}`, { sdkComponent: SdkComponent.worker, error });
        resolve();
      });
      this.server.listen(port, host, () => resolve());
    });
    // Serving metrics alone must not keep the process alive.
    this.server.unref();
  }

  /** The address the server listens on (useful with port 0). */
  address(): string | undefined {
    const address = this.server.address();
    if (address === null || typeof address === 'string') return address ?? undefined;
    return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || (url !== '/metrics' && url !== '/')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are served at /metrics\n');
      return;
    }
    try {
      const body = formatPrometheus(this.collector.collect(), this.options);
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`Failed to collect metrics: ${String(error)}\n`);
    }
  }

  /** Stops serving. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
