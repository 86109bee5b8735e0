import * as grpc from '@grpc/grpc-js';
import type { rpc } from 'protobufjs';
import { grpc as grpcProto, staticClassFor, temporal } from '../internal/proto';
import { ServiceError } from '../errors';
import { serviceMethods, wireType, WireType } from './wire-schema';
import { decodeRequest, UnreadableRequest } from './request-decoding';

interface Codec {
  encode(message: unknown): { finish(): Uint8Array };
  decode(buf: Uint8Array): unknown;
}

/** A unary handler: gets the decoded request (and the call, for cancellation) and resolves to a response object. */
/** Typed as taking `never` so that handlers for every request type fit; the service passes the decoded request. */
export type UnaryHandler = (request: never, call: grpc.ServerUnaryCall<unknown, unknown>) => Promise<object> | object;

export interface ServiceHandlers {
  [method: string]: UnaryHandler | undefined;
}

/**
 * The handlers of a generated service class (`temporal.api.workflowservice.v1.WorkflowService`, say): at most one
 * per RPC, keyed by the method's name in the schema, so that a misspelled method fails to compile instead of
 * answering UNIMPLEMENTED.
 */
export type HandlersOf<Service> = {
  [Method in Exclude<keyof Service, keyof rpc.Service> & string as Capitalize<Method>]?: UnaryHandler;
};

/** Handlers of `temporal.api.workflowservice.v1.WorkflowService`. */
export type WorkflowServiceHandlers = HandlersOf<temporal.api.workflowservice.v1.WorkflowService>;
/** Handlers of `temporal.api.operatorservice.v1.OperatorService`. */
export type OperatorServiceHandlers = HandlersOf<temporal.api.operatorservice.v1.OperatorService>;
/** Handlers of `temporal.api.testservice.v1.TestService`. */
export type TestServiceHandlers = HandlersOf<temporal.api.testservice.v1.TestService>;
/** Handlers of `grpc.health.v1.Health`. */
export type HealthServiceHandlers = HandlersOf<grpcProto.health.v1.Health>;

/** Logs a failed call; the server passes its logger in. */
export type ErrorLogger = (method: string, err: unknown) => void;

/**
 * Builds a grpc-js service definition and its handler map for a service of the schema in `@kairos/proto`
 * (e.g. `temporal.api.workflowservice.v1.WorkflowService`). Methods without a handler answer UNIMPLEMENTED
 * with a message naming the method.
 */
export function buildService(
  serviceName: string,
  handlers: ServiceHandlers,
  logError: ErrorLogger,
): { definition: grpc.ServiceDefinition; implementation: grpc.UntypedServiceImplementation } {
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of serviceMethods(serviceName)) {
    const { requestType, responseType } = method;
    // Server streaming (health's Watch): the handler writes to its call.
    const streaming = method.responseStream;
    // The generated classes and the wire view of the request, looked up on the method's first call: a server
    // starts without defining the hundreds of message types its services mention.
    let req: Codec | undefined;
    let res: Codec | undefined;
    let wire: WireType | undefined;
    const request = () => (req ??= staticClassFor(requestType) as Codec);
    const response = () => (res ??= staticClassFor(responseType) as Codec);
    const decode = (b: Uint8Array) => request().decode(b);
    definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: false,
      responseStream: streaming,
      requestSerialize: (m: unknown) => Buffer.from(request().encode(m).finish()),
      // An empty request is a valid message of any type: nothing to check (a client's first call, GetSystemInfo,
      // is one, so a server answers it without reading the schema).
      requestDeserialize: (b: Buffer) =>
        b.length === 0 ? decode(b) : decodeRequest((wire ??= wireType(requestType)), decode, b),
      responseSerialize: (m: unknown) => Buffer.from(response().encode(m).finish()),
      responseDeserialize: (b: Buffer) => response().decode(b),
    };
    const handler = handlers[method.name];
    if (streaming) {
      implementation[method.name] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const fail = (err: unknown) => {
          const e = err instanceof ServiceError ? err : undefined;
          if (!e) logError(method.name, err);
          call.emit('error', {
            code: e?.code ?? grpc.status.INTERNAL,
            details: e?.message ?? (err instanceof Error ? err.message : String(err)),
          });
        };
        if (call.request instanceof UnreadableRequest)
          return fail(new ServiceError(grpc.status.INTERNAL, call.request.message));
        if (!handler)
          return fail(
            new ServiceError(grpc.status.UNIMPLEMENTED, `${method.name} is not implemented by the Kairos dev server`),
          );
        try {
          handler(call.request as never, call as unknown as grpc.ServerUnaryCall<unknown, unknown>);
        } catch (err) {
          fail(err);
        }
      };
      continue;
    }
    implementation[method.name] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      if (call.request instanceof UnreadableRequest) {
        callback({ code: grpc.status.INTERNAL, details: call.request.message });
        return;
      }
      if (!handler) {
        callback({
          code: grpc.status.UNIMPLEMENTED,
          details: `${method.name} is not implemented by the Kairos dev server`,
        });
        return;
      }
      let result: Promise<object> | object;
      try {
        result = handler(call.request as never, call);
      } catch (err) {
        reply(method.name, err, callback, logError);
        return;
      }
      if (result instanceof Promise) {
        result.then(
          (value) => callback(null, value),
          (err) => reply(method.name, err, callback, logError),
        );
      } else {
        callback(null, result);
      }
    };
  }
  return { definition: definition as grpc.ServiceDefinition, implementation };
}

function reply(method: string, err: unknown, callback: grpc.sendUnaryData<unknown>, logError: ErrorLogger): void {
  if (err instanceof ServiceError) {
    callback({ code: err.code, details: err.message, metadata: err.metadata() });
    return;
  }
  logError(method, err);
  callback({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
}
