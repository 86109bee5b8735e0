// A raw gRPC client for the tests: calls any method of the services in @kairos/proto by name and decodes
// errors, including the temporal.api.errordetails.v1 details from the grpc-status-details-bin trailer.
import * as grpc from '@grpc/grpc-js';
import { descriptorRoot, google, staticClassFor } from '@kairos/proto';

interface Codec {
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
}

export interface RawError extends Error {
  code: grpc.status;
  details: string;
  /** Decoded status details: type name and message. */
  statusDetails: Array<{ typeName: string; message: Record<string, unknown> }>;
}

const SERVICES: Record<string, string> = {
  WorkflowService: 'temporal.api.workflowservice.v1.WorkflowService',
  OperatorService: 'temporal.api.operatorservice.v1.OperatorService',
  TestService: 'temporal.api.testservice.v1.TestService',
  Health: 'grpc.health.v1.Health',
};

export class RawClient {
  private readonly client: grpc.Client;

  constructor(address: string) {
    // No client-side size limit, so that the server's is what a test sees.
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
    });
  }

  close(): void {
    this.client.close();
  }

  /** Calls `Service/Method` (service short name: WorkflowService, OperatorService, TestService, Health). */
  call<T = any>(service: string, method: string, request: object, deadlineMs = 30_000): Promise<T> {
    const full = SERVICES[service];
    const m = descriptorRoot().lookupService(full).methods[method];
    if (!m) throw new Error(`unknown method ${service}/${method}`);
    m.resolve();
    const req = staticClassFor(m.resolvedRequestType!.fullName) as unknown as Codec;
    const res = staticClassFor(m.resolvedResponseType!.fullName) as unknown as Codec;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/${full}/${method}`,
        (x: object) => Buffer.from(req.encode(x).finish()),
        (b: Buffer) => res.decode(b),
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (err, value) => {
          if (err) reject(toRawError(err));
          else resolve(value as T);
        },
      );
    });
  }

  /** Sends `bytes` as the request of `Service/Method` unchanged (for requests that are not valid protobuf). */
  callBytes(service: string, method: string, bytes: Uint8Array, deadlineMs = 30_000): Promise<unknown> {
    const full = SERVICES[service];
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/${full}/${method}`,
        (x: Uint8Array) => Buffer.from(x),
        (b: Buffer) => b,
        bytes,
        new grpc.Metadata(),
        { deadline: Date.now() + deadlineMs },
        (err, value) => {
          if (err) reject(toRawError(err));
          else resolve(value);
        },
      );
    });
  }

  wf<T = any>(method: string, request: object, deadlineMs?: number): Promise<T> {
    return this.call<T>('WorkflowService', method, { namespace: 'default', ...request }, deadlineMs);
  }
}

function toRawError(err: grpc.ServiceError): RawError {
  const e = err as unknown as RawError;
  e.statusDetails = [];
  const bin = err.metadata?.get('grpc-status-details-bin')?.[0];
  if (bin) {
    const status = google.rpc.Status.decode(bin as Buffer);
    for (const any of status.details) {
      const typeName = (any.type_url ?? '').replace('type.googleapis.com/', '');
      const cls = staticClassFor(typeName) as unknown as Codec & { toObject(m: unknown): Record<string, unknown> };
      e.statusDetails.push({ typeName, message: cls.toObject(cls.decode(any.value ?? new Uint8Array())) });
    }
  }
  return e;
}

/** Awaits a call that must fail and returns the decoded error. */
export async function rejection(p: Promise<unknown>): Promise<RawError> {
  try {
    await p;
  } catch (err) {
    return err as RawError;
  }
  throw new Error('expected the call to fail');
}
