/**
 * One way for every package's suite to start the server it runs against, whichever it is: the Kairos dev server
 * (started in-process by the function the suite passes, so the dev server's own tests run its sources) or the real
 * Temporal CLI dev server, both set up with the same namespaces, search attributes and dynamic config.
 */
import type { TestServerKind } from './server-kind';
import { startTemporalCliServer, type DynamicConfigValue } from './temporal-cli';

/** What every server of a suite is started with; what one server alone takes goes under `kairos` or `temporal`. */
export interface TestServerSetup<KairosOptions extends object = object> {
  /** Namespaces registered besides `default`. */
  namespaces?: string[];
  /** Custom search attributes, name → type (`Keyword`, `Int`, `KeywordList`, ...). */
  searchAttributes?: Record<string, string>;
  /** Dynamic config for both servers, key → value (Go durations as strings such as `5s`). */
  dynamicConfig?: Record<string, DynamicConfigValue>;
  /** Options of the Kairos dev server alone (the real server has no equivalent). */
  kairos?: KairosOptions;
  /** Settings of the real server alone: dynamic config the Kairos server does not read, further CLI arguments. */
  temporal?: { dynamicConfig?: Record<string, DynamicConfigValue>; args?: string[] };
}

/** The options the helper gives the Kairos dev server; the suite's `kairos` options are spread over them. */
export interface KairosServerOptions {
  port: number;
  namespaces?: string[];
  searchAttributes?: Record<string, string>;
  dynamicConfig?: Record<string, DynamicConfigValue>;
}

/** A running Kairos dev server, as `startDevServer` of `@kairos/dev-server` returns it. */
export interface KairosServer {
  readonly address: string;
  readonly metricsUrl?: string;
  shutdown(): Promise<void>;
}

/** Starts a Kairos dev server: `startDevServer` of `@kairos/dev-server`, or the dev server's own sources. */
export type StartKairosServer<KairosOptions extends object> = (
  options: KairosServerOptions & KairosOptions,
) => Promise<KairosServer>;

/** A running test server of either kind. */
export interface TestServer {
  readonly kind: TestServerKind;
  /** `host:port` of its gRPC frontend. */
  readonly address: string;
  /** Where the server serves Prometheus metrics, when it does (Kairos with `metricsPort`). */
  readonly metricsUrl?: string;
  shutdown(): Promise<void>;
}

/** Starts a server of `kind` with `setup`; `startKairos` starts the Kairos dev server. */
export async function startTestServer<KairosOptions extends object>(
  kind: TestServerKind,
  startKairos: StartKairosServer<KairosOptions>,
  setup: TestServerSetup<KairosOptions> = {},
): Promise<TestServer> {
  if (kind === 'kairos') {
    const options = {
      port: 0,
      namespaces: setup.namespaces,
      searchAttributes: setup.searchAttributes,
      dynamicConfig: setup.dynamicConfig,
      ...setup.kairos,
    } as KairosServerOptions & KairosOptions;
    const server = await startKairos(options);
    return { kind, address: server.address, metricsUrl: server.metricsUrl, shutdown: () => server.shutdown() };
  }
  const server = await startTemporalCliServer({
    namespaces: setup.namespaces,
    searchAttributes: setup.searchAttributes,
    dynamicConfig: { ...setup.dynamicConfig, ...setup.temporal?.dynamicConfig },
    args: setup.temporal?.args,
  });
  return { kind, address: server.address, shutdown: () => server.shutdown() };
}
