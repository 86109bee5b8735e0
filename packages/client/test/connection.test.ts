import * as grpc from '@grpc/grpc-js';
import { unusedPort } from '@kairos/test-support';
import { Connection, InternalConnectionOptionsSymbol, type ConnectionPlugin } from '../src/connection';
import { ServiceError, isGrpcCancelledError, isGrpcDeadlineError, isGrpcServiceError } from '../src/errors';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '../src/grpc-retry';
import pkg from '../src/pkg';
import { StubError, StubServer } from './helpers/stub-server';
import { generateTestCertificates, type TestCertificates } from './helpers/tls';
import { waitFor } from './helpers/wait';

const header = (call: { metadata: grpc.Metadata }, name: string) => call.metadata.get(name).map(String);

describe('Connection over plaintext', () => {
  let server: StubServer;
  const connections: Connection[] = [];
  const track = (c: Connection) => (connections.push(c), c);

  beforeEach(async () => {
    server = await StubServer.start();
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await server.stop();
  });

  it('connect() checks the server with GetSystemInfo and sends client-name and client-version', async () => {
    track(await Connection.connect({ address: server.address }));
    const [call] = server.callsOf('GetSystemInfo');
    expect(call).toBeDefined();
    expect(header(call, 'client-name')).toEqual(['kairos-typescript']);
    expect(header(call, 'client-version')).toEqual([pkg.version]);
  });

  it('lazy() makes no call until the first request', async () => {
    const conn = track(Connection.lazy({ address: server.address }));
    expect(server.calls).toHaveLength(0);
    await conn.workflowService.getSystemInfo({});
    expect(server.callsOf('GetSystemInfo')).toHaveLength(1);
  });

  it('defaults the port to 7233 and applies the documented defaults', () => {
    const conn = track(Connection.lazy({ address: '127.0.0.1' }));
    expect(conn.options.address).toBe('127.0.0.1:7233');
    expect(conn.options.connectTimeoutMs).toBe(10_000);
    expect(conn.options.channelArgs['grpc.keepalive_time_ms']).toBe(30_000);
    expect(conn.options.interceptors).toHaveLength(1);
    expect(track(Connection.lazy()).options.address).toBe('localhost:7233');
  });

  it('accepts a duration string as connectTimeout and rejects a malformed one before connecting', () => {
    expect(track(Connection.lazy({ address: server.address, connectTimeout: '2s' })).options.connectTimeoutMs).toBe(
      2000,
    );
    expect(() => Connection.lazy({ address: server.address, connectTimeout: 'two seconds' as '2s' })).toThrow();
    expect(server.calls).toHaveLength(0);
  });

  it('rejects an empty address before any call', () => {
    expect(() => Connection.lazy({ address: '' })).toThrow(TypeError);
    expect(() => Connection.lazy({ address: '  ' })).toThrow(/address/);
  });

  it('sends static metadata, and withMetadata adds to it in nested scopes', async () => {
    const conn = track(
      await Connection.connect({ address: server.address, metadata: { 'x-static': 'a', 'x-over': 'static' } }),
    );
    await conn.withMetadata({ 'x-outer': 'b', 'x-over': 'outer' }, () =>
      conn.withMetadata({ 'x-inner': 'c' }, () => conn.workflowService.getClusterInfo({})),
    );
    await conn.workflowService.getClusterInfo({});
    const [inScope, outOfScope] = server.callsOf('GetClusterInfo');
    expect(header(inScope, 'x-static')).toEqual(['a']);
    expect(header(inScope, 'x-outer')).toEqual(['b']);
    expect(header(inScope, 'x-inner')).toEqual(['c']);
    expect(header(inScope, 'x-over')).toEqual(['outer']);
    expect(header(outOfScope, 'x-outer')).toEqual([]);
    expect(header(outOfScope, 'x-over')).toEqual(['static']);
  });

  it('rejects malformed metadata with a TypeError', async () => {
    expect(() => Connection.lazy({ address: server.address, metadata: { 'bad key!': 'x' } })).toThrow(TypeError);
    const conn = track(Connection.lazy({ address: server.address }));
    await expect(conn.withMetadata({ 'x-bin': 'not a buffer' }, async () => 1)).rejects.toThrow(/x-bin/);
  });

  it('sends the request namespace in the temporal-namespace header', async () => {
    const conn = track(Connection.lazy({ address: server.address }));
    await conn.workflowService.describeNamespace({ namespace: 'orders' });
    await conn.operatorService.listSearchAttributes({ namespace: 'billing' });
    await conn.workflowService.getSystemInfo({});
    expect(header(server.callsOf('DescribeNamespace')[0], 'temporal-namespace')).toEqual(['orders']);
    expect(server.callsOf('DescribeNamespace')[0].request).toEqual({ namespace: 'orders' });
    expect(header(server.callsOf('ListSearchAttributes')[0], 'temporal-namespace')).toEqual(['billing']);
    expect(header(server.callsOf('GetSystemInfo')[0], 'temporal-namespace')).toEqual([]);
  });

  it('sends the API key as authorization: Bearer, from a string, a function, setApiKey and withApiKey', async () => {
    let counter = 0;
    const conn = track(Connection.lazy({ address: server.address, tls: false, apiKey: () => `dynamic-${++counter}` }));
    await conn.workflowService.getSystemInfo({});
    await conn.workflowService.getSystemInfo({});
    conn.setApiKey('static-key');
    await conn.workflowService.getSystemInfo({});
    await conn.withApiKey('scoped-key', () => conn.workflowService.getSystemInfo({}));
    await conn.workflowService.getSystemInfo({});
    expect(server.callsOf('GetSystemInfo').map((c) => header(c, 'authorization'))).toEqual([
      ['Bearer dynamic-1'],
      ['Bearer dynamic-2'],
      ['Bearer static-key'],
      ['Bearer scoped-key'],
      ['Bearer static-key'],
    ]);
    expect(() => conn.setApiKey('')).toThrow(TypeError);
  });

  it('refuses an API key together with an Authorization header or prebuilt credentials', () => {
    expect(() => Connection.lazy({ address: server.address, apiKey: 'k', metadata: { Authorization: 'x' } })).toThrow(
      /Both `apiKey` option and `Authorization` header/,
    );
    expect(() =>
      Connection.lazy({ address: server.address, apiKey: 'k', credentials: grpc.credentials.createInsecure() }),
    ).toThrow(/Both `apiKey` and `credentials`/);
    expect(() => Connection.lazy({ address: server.address, apiKey: '' })).toThrow(/empty/);
  });

  it('turns TLS on when an API key is set, unless tls is false', () => {
    expect(track(Connection.lazy({ address: server.address, apiKey: 'k' })).options.credentials._isSecure()).toBe(true);
    expect(
      track(Connection.lazy({ address: server.address, apiKey: 'k', tls: false })).options.credentials._isSecure(),
    ).toBe(false);
  });

  it('fails a call that outlives withDeadline with DEADLINE_EXCEEDED', async () => {
    server.on('DescribeNamespace', () => 'never');
    const conn = track(Connection.lazy({ address: server.address }));
    const err = await conn
      .withDeadline(Date.now() + 300, () => conn.workflowService.describeNamespace({ namespace: 'default' }))
      .catch((e: unknown) => e);
    expect(isGrpcServiceError(err)).toBe(true);
    expect(isGrpcDeadlineError(err)).toBe(true);
    expect(isGrpcDeadlineError(new ServiceError('wrapped', { cause: err as Error }))).toBe(true);
  });

  it('cancels calls when the signal of withAbortSignal aborts, including signals of outer scopes', async () => {
    server.on('DescribeNamespace', () => 'never');
    const conn = track(Connection.lazy({ address: server.address }));
    const outer = new AbortController();
    const inner = new AbortController();
    const pending = conn.withAbortSignal(outer.signal, () =>
      conn.withAbortSignal(inner.signal, () => conn.workflowService.describeNamespace({ namespace: 'default' })),
    );
    await waitFor(() => server.callsOf('DescribeNamespace').length === 1, 'the call to reach the server');
    outer.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(isGrpcCancelledError(err)).toBe(true);

    const already = new AbortController();
    already.abort();
    const err2 = await conn
      .withAbortSignal(already.signal, () => conn.workflowService.getSystemInfo({}))
      .catch((e: unknown) => e);
    expect(isGrpcCancelledError(err2)).toBe(true);
    expect(server.callsOf('GetSystemInfo')).toHaveLength(0);
  });

  it('serves the health, operator and (when enabled) test services', async () => {
    const conn = track(Connection.lazy({ address: server.address }));
    const health = await conn.healthService.check({});
    expect(health.status).toBe(1);
    expect(conn.testService).toBeUndefined();
    const withTest = track(
      Connection.lazy({
        address: server.address,
        [InternalConnectionOptionsSymbol]: { supportsTestService: true },
      } as never),
    );
    server.on('GetCurrentTime', () => ({ time: { seconds: '1700000000' } }));
    const now = await withTest.testService!.getCurrentTime({});
    expect(Number(now.time?.seconds)).toBe(1700000000);
    expect(server.callsOf('Check')[0].service).toBe('grpc.health.v1.Health');
    expect(server.callsOf('GetCurrentTime')[0].service).toBe('temporal.api.testservice.v1.TestService');
  });

  it('ensureConnected accepts a server without GetSystemInfo and wraps other failures in ServiceError', async () => {
    server.on('GetSystemInfo', () => new StubError(grpc.status.UNIMPLEMENTED, 'unknown method'));
    track(await Connection.connect({ address: server.address }));

    server.on('GetSystemInfo', () => new StubError(grpc.status.PERMISSION_DENIED, 'nope'));
    const err = await Connection.connect({ address: server.address }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).message).toBe('Failed to connect to Temporal server');
    expect((err as ServiceError).cause).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
  });

  it('ensureConnected fails with ServiceError within connectTimeout when nothing listens', async () => {
    const port = await unusedPort();
    const started = Date.now();
    const err = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 500 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as Error).message).toMatch(/Failed to connect to Temporal server at 127\.0\.0\.1:\d+ within 500ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('runs connection plugins in order before connecting', async () => {
    const seen: string[] = [];
    const plugin = (name: string, value: string): ConnectionPlugin => ({
      name,
      configureConnection(options) {
        seen.push(name);
        return { ...options, metadata: { ...options.metadata, 'x-plugin': value } };
      },
    });
    const conn = track(
      await Connection.connect({ address: server.address, plugins: [plugin('a', '1'), plugin('b', '2')] }),
    );
    expect(seen).toEqual(['a', 'b']);
    expect(conn.plugins.map((p) => p.name)).toEqual(['a', 'b']);
    expect(header(server.callsOf('GetSystemInfo')[0], 'x-plugin')).toEqual(['2']);
  });

  it('fails calls made after close()', async () => {
    const conn = Connection.lazy({ address: server.address });
    await conn.workflowService.getSystemInfo({});
    await conn.close();
    await expect(conn.workflowService.getSystemInfo({})).rejects.toThrow();
  });
});

describe('retries of the default retry interceptor', () => {
  let server: StubServer;
  let conn: Connection | undefined;
  beforeEach(async () => {
    server = await StubServer.start();
  });
  afterEach(async () => {
    await conn?.close();
    await server.stop();
  });

  const failTimes = (times: number, code: grpc.status, details = 'transient') => {
    let n = 0;
    return () => (++n <= times ? new StubError(code, details) : { namespaceInfo: { name: 'default' } });
  };

  it('retries UNAVAILABLE with backoff until the call succeeds', async () => {
    server.on('DescribeNamespace', failTimes(2, grpc.status.UNAVAILABLE));
    conn = Connection.lazy({ address: server.address });
    const res = await conn.workflowService.describeNamespace({ namespace: 'default' });
    expect(res.namespaceInfo?.name).toBe('default');
    expect(server.callsOf('DescribeNamespace')).toHaveLength(3);
    // Each attempt carries the same metadata and request.
    expect(server.callsOf('DescribeNamespace').map((c) => header(c, 'temporal-namespace'))).toEqual([
      ['default'],
      ['default'],
      ['default'],
    ]);
  });

  it('does not retry non-transient codes', async () => {
    server.on('DescribeNamespace', failTimes(1, grpc.status.NOT_FOUND, 'no such namespace'));
    conn = Connection.lazy({ address: server.address });
    const err = await conn.workflowService.describeNamespace({ namespace: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such namespace' });
    expect(server.callsOf('DescribeNamespace')).toHaveLength(1);
  });

  it('retries INTERNAL only when it looks like a transient stream reset', async () => {
    server.on('DescribeNamespace', failTimes(1, grpc.status.INTERNAL, 'Received RST_STREAM with code 2'));
    server.on('GetClusterInfo', failTimes(1, grpc.status.INTERNAL, 'bad request'));
    conn = Connection.lazy({ address: server.address });
    await conn.workflowService.describeNamespace({ namespace: 'x' });
    expect(server.callsOf('DescribeNamespace')).toHaveLength(2);
    await expect(conn.workflowService.getClusterInfo({})).rejects.toMatchObject({ code: grpc.status.INTERNAL });
    expect(server.callsOf('GetClusterInfo')).toHaveLength(1);
  });

  it('gives up after maxAttempts and reports the last error', async () => {
    server.on('DescribeNamespace', failTimes(100, grpc.status.RESOURCE_EXHAUSTED, 'slow down'));
    conn = Connection.lazy({
      address: server.address,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3, initialIntervalMs: () => 5 }))],
    });
    await expect(conn.workflowService.describeNamespace({ namespace: 'x' })).rejects.toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: 'slow down',
    });
    expect(server.callsOf('DescribeNamespace')).toHaveLength(3);
  });

  it('does not retry when interceptors is an empty list', async () => {
    server.on('DescribeNamespace', failTimes(1, grpc.status.UNAVAILABLE));
    conn = Connection.lazy({ address: server.address, interceptors: [] });
    await expect(conn.workflowService.describeNamespace({ namespace: 'x' })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
    expect(server.callsOf('DescribeNamespace')).toHaveLength(1);
  });

  it('stops waiting between attempts when the call is aborted', async () => {
    server.on('DescribeNamespace', failTimes(100, grpc.status.UNAVAILABLE));
    conn = Connection.lazy({
      address: server.address,
      interceptors: [makeGrpcRetryInterceptor({ delayFunction: () => 60_000, retryableDecider: () => true })],
    });
    const controller = new AbortController();
    const c = conn;
    const pending = c.withAbortSignal(controller.signal, () => c.workflowService.describeNamespace({ namespace: 'x' }));
    await waitFor(() => server.callsOf('DescribeNamespace').length === 1, 'the first attempt');
    const started = Date.now();
    controller.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(isGrpcCancelledError(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.callsOf('DescribeNamespace')).toHaveLength(1);
  });

  it('does not wait past the deadline between attempts', async () => {
    server.on('DescribeNamespace', failTimes(100, grpc.status.UNAVAILABLE));
    conn = Connection.lazy({
      address: server.address,
      interceptors: [makeGrpcRetryInterceptor({ delayFunction: () => 60_000, retryableDecider: () => true })],
    });
    const c = conn;
    const started = Date.now();
    const err = await c
      .withDeadline(Date.now() + 300, () => c.workflowService.describeNamespace({ namespace: 'x' }))
      .catch((e: unknown) => e);
    expect(isGrpcDeadlineError(err)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('Connection over TLS', () => {
  let certs: TestCertificates;
  beforeAll(() => {
    certs = generateTestCertificates();
  });

  it('connects with a custom root CA and a server name override', async () => {
    const server = await StubServer.start({
      tls: { rootCa: certs.caCert, cert: certs.serverCert, key: certs.serverKey, requireClientCert: false },
    });
    try {
      const conn = await Connection.connect({
        address: server.address,
        tls: { serverRootCACertificate: certs.caCert, serverNameOverride: certs.serverName },
      });
      await conn.close();
      expect(server.callsOf('GetSystemInfo')).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it('refuses a server whose certificate is not signed by the given root CA', async () => {
    const server = await StubServer.start({
      tls: { rootCa: certs.caCert, cert: certs.serverCert, key: certs.serverKey, requireClientCert: false },
    });
    try {
      const err = await Connection.connect({
        address: server.address,
        connectTimeout: 1000,
        tls: { serverRootCACertificate: certs.otherCaCert, serverNameOverride: certs.serverName },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect(server.calls).toHaveLength(0);
    } finally {
      await server.stop();
    }
  });

  it('presents the client certificate for mTLS, and the server rejects a client without one', async () => {
    const server = await StubServer.start({
      tls: { rootCa: certs.caCert, cert: certs.serverCert, key: certs.serverKey, requireClientCert: true },
    });
    try {
      const conn = await Connection.connect({
        address: server.address,
        tls: {
          serverRootCACertificate: certs.caCert,
          serverNameOverride: certs.serverName,
          clientCertPair: { crt: certs.clientCert, key: certs.clientKey },
        },
      });
      await conn.close();
      expect(server.callsOf('GetSystemInfo')[0].peerCertificateSubject).toBe('kairos-test-client');

      const err = await Connection.connect({
        address: server.address,
        connectTimeout: 1000,
        tls: { serverRootCACertificate: certs.caCert, serverNameOverride: certs.serverName },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect(server.calls).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it('sends the API key over TLS and the server verifies it', async () => {
    const server = await StubServer.start({
      tls: { rootCa: certs.caCert, cert: certs.serverCert, key: certs.serverKey, requireClientCert: false },
      requiredApiKey: 'secret-key',
    });
    try {
      const tls = { serverRootCACertificate: certs.caCert, serverNameOverride: certs.serverName };
      const conn = await Connection.connect({ address: server.address, tls, apiKey: 'secret-key' });
      await conn.workflowService.describeNamespace({ namespace: 'default' });
      conn.setApiKey('wrong-key');
      const err = await conn.workflowService.describeNamespace({ namespace: 'default' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      await conn.close();

      const wrong = await Connection.connect({ address: server.address, tls, apiKey: 'other' }).catch(
        (e: unknown) => e,
      );
      expect(wrong).toBeInstanceOf(ServiceError);
      expect((wrong as ServiceError).cause).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    } finally {
      await server.stop();
    }
  });

  it('composes callCredentials with TLS and applies channelArgs', async () => {
    const server = await StubServer.start({
      tls: { rootCa: certs.caCert, cert: certs.serverCert, key: certs.serverKey, requireClientCert: false },
    });
    try {
      const callCredentials = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
        const md = new grpc.Metadata();
        md.set('x-call-credential', 'token-from-generator');
        callback(null, md);
      });
      const conn = await Connection.connect({
        address: server.address,
        tls: { serverRootCACertificate: certs.caCert, serverNameOverride: certs.serverName },
        callCredentials: [callCredentials],
        channelArgs: { 'grpc.primary_user_agent': 'kairos-test-agent' },
      });
      await conn.close();
      const [call] = server.callsOf('GetSystemInfo');
      expect(header(call, 'x-call-credential')).toEqual(['token-from-generator']);
      expect(header(call, 'user-agent')[0]).toMatch(/^kairos-test-agent /);
    } finally {
      await server.stop();
    }
  });

  it('rejects malformed TLS settings with a TypeError before connecting', () => {
    const address = '127.0.0.1:1';
    expect(() => Connection.lazy({ address, tls: 'yes' as unknown as boolean })).toThrow(/`tls` must be a boolean/);
    expect(() => Connection.lazy({ address, tls: { clientCertPair: { crt: certs.clientCert } as never } })).toThrow(
      /needs both `crt`.*and `key`/,
    );
    expect(() =>
      Connection.lazy({ address, tls: { clientCertPair: { crt: Buffer.from('not a cert'), key: certs.clientKey } } }),
    ).toThrow(/tls.clientCertPair.crt` is not a valid PEM certificate/);
    expect(() =>
      Connection.lazy({ address, tls: { clientCertPair: { crt: certs.clientCert, key: Buffer.from('nope') } } }),
    ).toThrow(/tls.clientCertPair.key` is not a valid PEM private key/);
    expect(() => Connection.lazy({ address, tls: { serverRootCACertificate: 'pem text' as never } })).toThrow(
      /serverRootCACertificate` must be a Buffer/,
    );
    expect(() => Connection.lazy({ address, tls: { serverNameOverrid: 'x' } as never })).toThrow(/Unknown TLS option/);
    expect(() => Connection.lazy({ address, tls: true, credentials: grpc.credentials.createInsecure() })).toThrow(
      /Both `tls` and `credentials`/,
    );
  });
});
