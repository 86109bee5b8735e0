/**
 * The two plugins the worker and its client are composed from. Each is one object, given once to the connection:
 * the client and every worker built on that connection pick up what concerns them.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@kairos/interceptors-otel';
import { SimplePlugin } from '@kairos/plugin';
import { EncryptionCodec } from './encryption-codec';

/** Tracing: the plugin and the tracer provider whose spans it records (shut it down to flush its exporter). */
export interface Tracing {
  plugin: OpenTelemetryPlugin;
  provider: BasicTracerProvider;
}

/**
 * Tracing with OpenTelemetry: client calls, workflow runs, activities and child workflows become spans of one trace,
 * handed to `spanProcessor` (a `BatchSpanProcessor` around an OTLP exporter in production).
 */
export function createTracingPlugin(spanProcessor: SpanProcessor): Tracing {
  const resource = resourceFromAttributes({ 'service.name': 'plugins-tracing-encryption' });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // What the OpenTelemetry Node SDK sets up: the active span follows async calls, and trace context travels in
  // W3C format (the interceptors put it in the `_tracer-data` header of each workflow and activity).
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  // Workflow spans are made in the workflow isolate and reach `spanProcessor` through the plugin's sink.
  return { plugin: new OpenTelemetryPlugin({ resource, spanProcessor }), provider };
}

const DEMO_KEY = 'ab'.repeat(32);

/**
 * Encryption: every payload the client and the worker send is encrypted with AES-256-GCM. The key comes from
 * `ENCRYPTION_KEY` (64 hex digits) when it is set; the fixed demo key is for trying things out (in production,
 * fetch keys from a key management system).
 */
export function createEncryptionPlugin(keyHex = process.env.ENCRYPTION_KEY ?? DEMO_KEY, keyId = 'key-1'): SimplePlugin {
  if (!/^[0-9a-fA-F]{64}$/.test(keyHex)) {
    throw new TypeError('ENCRYPTION_KEY must be 64 hexadecimal digits (a 32-byte AES-256 key)');
  }
  const codec = new EncryptionCodec(new Map([[keyId, Buffer.from(keyHex, 'hex')]]), keyId);
  return new SimplePlugin({ name: 'encryption', dataConverter: { payloadCodecs: [codec] } });
}
