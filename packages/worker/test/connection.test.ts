/**
 * NativeConnection against a stub gRPC server that records every call: TLS and mTLS, API keys and metadata,
 * and their updates while a worker polls.
 */
import { StubServer } from '../../client/test/helpers/stub-server';
import { generateTestCertificates, type TestCertificates } from '../../client/test/helpers/tls';
import { NativeConnection, TransportError, Worker } from '../src';

jest.setTimeout(30_000);

let certs: TestCertificates;
beforeAll(() => {
  certs = generateTestCertificates();
});

function header(call: { metadata: { get(k: string): unknown[] } }, key: string): string | undefined {
  const value = call.metadata.get(key)[0];
  return value === undefined ? undefined : String(value);
}

test('connects with mutual TLS, an API key and metadata', async () => {
  const server = await StubServer.start({
    tls: { rootCa: certs.caCert, cert: certs.serverCert, key: certs.serverKey, requireClientCert: true },
  });
  try {
    const connection = await NativeConnection.connect({
      address: server.address,
      tls: {
        serverNameOverride: certs.serverName,
        serverRootCACertificate: certs.caCert,
        clientCertPair: { crt: certs.clientCert, key: certs.clientKey },
      },
      apiKey: 'secret-key',
      metadata: { 'x-team': 'kairos' },
    });
    const [call] = server.callsOf('GetSystemInfo');
    expect(header(call, 'authorization')).toBe('Bearer secret-key');
    expect(header(call, 'x-team')).toBe('kairos');
    expect(call.peerCertificateSubject).toContain('kairos-test-client');
    // Calls made through the connection's services use the same settings.
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    const [describe] = server.callsOf('DescribeNamespace');
    expect(header(describe, 'authorization')).toBe('Bearer secret-key');
    await connection.close();
  } finally {
    await server.stop();
  }
});

test('a server certificate from another CA is refused', async () => {
  const server = await StubServer.start({
    tls: { rootCa: certs.caCert, cert: certs.serverCert, key: certs.serverKey, requireClientCert: false },
  });
  try {
    await expect(
      NativeConnection.connect({
        address: server.address,
        tls: { serverNameOverride: certs.serverName, serverRootCACertificate: certs.otherCaCert },
      }),
    ).rejects.toBeInstanceOf(TransportError);
  } finally {
    await server.stop();
  }
});

test('an API key together with an authorization header is refused', async () => {
  await expect(
    NativeConnection.connect({ address: '127.0.0.1:1', apiKey: 'k', metadata: { Authorization: 'Bearer other' } }),
  ).rejects.toThrow(/apiKey.*Authorization/);
});

test('setApiKey and setMetadata apply to a running worker', async () => {
  const server = await StubServer.start();
  server.on('PollActivityTaskQueue', async () => {
    await new Promise((r) => setTimeout(r, 20));
    return {};
  });
  try {
    const connection = await NativeConnection.connect({ address: server.address, apiKey: 'first', tls: false });
    const worker = await Worker.create({
      connection,
      taskQueue: 'stub',
      activities: { noop: async () => undefined },
    });
    const running = worker.run();
    const waitForPoll = async (predicate: (c: (typeof server.calls)[number]) => boolean) => {
      for (;;) {
        if (server.callsOf('PollActivityTaskQueue').some(predicate)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await waitForPoll((c) => header(c, 'authorization') === 'Bearer first');
    await connection.setApiKey('second');
    await connection.setMetadata({ 'x-phase': 'two' });
    await waitForPoll((c) => header(c, 'authorization') === 'Bearer second' && header(c, 'x-phase') === 'two');
    worker.shutdown();
    await running;
    await connection.close();
  } finally {
    await server.stop();
  }
});
