/**
 * An OTLP/HTTP trace collector stub for tests: an HTTP server on a free loopback port that accepts
 * `POST /v1/traces` with OTLP JSON (what `@opentelemetry/exporter-trace-otlp-http` sends) and keeps every span.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as it arrived at the collector (ids as hex strings, as in OTLP JSON). */
export interface CollectedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** `service.name` of the span's resource. */
  serviceName?: string;
  /** The span's attributes with their values unwrapped (`{ stringValue: 'x' }` becomes `'x'`). */
  attributes: Record<string, unknown>;
}

/** The subset of an OTLP JSON `ExportTraceServiceRequest` the stub reads. */
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes?: KeyValue[] }[];
    }[];
  }[];
}
interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

function unwrap(attributes: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]));
}

/** A running collector stub. */
export class CollectorStub {
  /** Every span received, in order of arrival. */
  readonly spans: CollectedSpan[] = [];
  /** Every request received: method, path and content type. */
  readonly requests: { method?: string; url?: string; contentType?: string }[] = [];

  private constructor(private readonly server: http.Server) {}

  /** The traces endpoint to give the exporter (`url`). */
  get tracesUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1/traces`;
  }

  /** Starts a stub on a free port. */
  static async start(): Promise<CollectorStub> {
    const server = http.createServer();
    const stub = new CollectorStub(server);
    server.on('request', (req, res) => stub.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return stub;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests.push({ method: req.method, url: req.url, contentType: req.headers['content-type'] });
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportTraceServiceRequest;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const serviceName = unwrap(resourceSpans.resource?.attributes)['service.name'] as string | undefined;
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            this.spans.push({
              name: span.name,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              serviceName,
              attributes: unwrap(span.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  }

  /** Stops the server, closing the exporter's kept-alive connections. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
