/**
 * A minimal gRPC server for connection tests: it serves every method of the Temporal WorkflowService,
 * OperatorService, TestService and the gRPC health service, records each call (method, decoded request,
 * metadata) and answers through per-method handlers. Optionally TLS or mTLS.
 */
import * as grpc from '@grpc/grpc-js';
import { descriptorRoot } from '@kairos/proto';
import type * as protobuf from 'protobufjs';

export interface RecordedCall {
  service: string;
  method: string;
  request: Record<string, unknown>;
  metadata: grpc.Metadata;
  /** Subject of the client certificate presented on the connection, if any. */
  peerCertificateSubject?: string;
}

/** What a handler returns: a response object, or a gRPC error to fail the call with. */
export type StubReply = Record<string, unknown> | StubError;
export class StubError {
  constructor(
    readonly code: grpc.status,
    readonly details: string,
    readonly metadata?: grpc.Metadata,
  ) {}
}
export type StubHandler = (call: RecordedCall) => StubReply | Promise<StubReply> | 'never';

export interface StubServerOptions {
  tls?: { rootCa: Buffer; cert: Buffer; key: Buffer; requireClientCert: boolean };
  /** Reject calls (UNAUTHENTICATED) whose `authorization` header is not `Bearer <key>`. */
  requiredApiKey?: string;
}

const SERVICES = [
  'temporal.api.workflowservice.v1.WorkflowService',
  'temporal.api.operatorservice.v1.OperatorService',
  'temporal.api.testservice.v1.TestService',
  'grpc.health.v1.Health',
];

export class StubServer {
  readonly calls: RecordedCall[] = [];
  readonly handlers = new Map<string, StubHandler>();
  private readonly pending = new Set<() => void>();

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Calls of one method, in order. */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Sets the handler of `method` (short name, e.g. `GetSystemInfo`). */
  on(method: string, handler: StubHandler): void {
    this.handlers.set(method, handler);
  }

  static async start(options: StubServerOptions = {}): Promise<StubServer> {
    const server = new grpc.Server();
    const credentials = options.tls
      ? grpc.ServerCredentials.createSsl(
          options.tls.rootCa,
          [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
          options.tls.requireClientCert,
        )
      : grpc.ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    const stub = new StubServer(server, port);
    const root = descriptorRoot();
    for (const serviceName of SERVICES) {
      const service = root.lookupService(serviceName);
      const definition: Record<string, grpc.MethodDefinition<object, unknown>> = {};
      const implementation: grpc.UntypedServiceImplementation = {};
      for (const method of Object.values(service.methods)) {
        method.resolve();
        const requestType = method.resolvedRequestType as protobuf.Type;
        const responseType = method.resolvedResponseType as protobuf.Type;
        definition[method.name] = {
          path: `/${serviceName}/${method.name}`,
          requestStream: false,
          responseStream: Boolean(method.responseStream),
          requestSerialize: (value: object) => Buffer.from(requestType.encode(requestType.fromObject(value)).finish()),
          requestDeserialize: (bytes: Buffer) =>
            requestType.toObject(requestType.decode(bytes), { longs: String, defaults: false }),
          responseSerialize: (value: unknown) =>
            Buffer.from(responseType.encode(responseType.fromObject(value as object)).finish()),
          responseDeserialize: (bytes: Buffer) => responseType.decode(bytes),
        };
        if (method.responseStream) {
          implementation[method.name] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
            call.emit('error', {
              code: grpc.status.UNIMPLEMENTED,
              details: 'streaming is not implemented by the stub',
            });
          };
          continue;
        }
        implementation[method.name] = (
          call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
          callback: grpc.sendUnaryData<unknown>,
        ) => {
          void stub.handle(serviceName, method.name, call, callback, options);
        };
      }
      server.addService(definition, implementation);
    }
    return stub;
  }

  private async handle(
    serviceName: string,
    methodName: string,
    call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
    callback: grpc.sendUnaryData<unknown>,
    options: StubServerOptions,
  ): Promise<void> {
    const peerCert = call.getAuthContext()?.sslPeerCertificate;
    const recorded: RecordedCall = {
      service: serviceName,
      method: methodName,
      request: call.request,
      metadata: call.metadata,
      peerCertificateSubject: [peerCert?.subject?.CN].flat()[0],
    };
    this.calls.push(recorded);
    if (options.requiredApiKey !== undefined) {
      const auth = call.metadata.get('authorization');
      if (auth.length !== 1 || auth[0] !== `Bearer ${options.requiredApiKey}`) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong API key' });
        return;
      }
    }
    const handler = this.handlers.get(methodName);
    if (handler === undefined) {
      callback(null, defaultReply(methodName));
      return;
    }
    try {
      const reply = await handler(recorded);
      if (reply === 'never') {
        // Answer only when the client gives up, so the call stays pending until its deadline or cancel.
        const release = () => {
          this.pending.delete(release);
          callback({ code: grpc.status.CANCELLED, details: 'released by stub' });
        };
        this.pending.add(release);
        call.on('cancelled', release);
        return;
      }
      if (reply instanceof StubError) {
        callback({ code: reply.code, details: reply.details, metadata: reply.metadata });
        return;
      }
      callback(null, reply);
    } catch (err) {
      callback({ code: grpc.status.INTERNAL, details: `stub handler threw: ${(err as Error).message}` });
    }
  }

  async stop(): Promise<void> {
    for (const release of [...this.pending]) release();
    this.server.forceShutdown();
  }
}

function defaultReply(method: string): Record<string, unknown> {
  if (method === 'Check') return { status: 1 /* SERVING */ };
  if (method === 'GetSystemInfo') return { serverVersion: 'stub', capabilities: { supportsSchedules: true } };
  return {};
}
