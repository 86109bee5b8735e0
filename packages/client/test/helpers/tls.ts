/**
 * Generates a throwaway certificate authority with a server and a client certificate, using the
 * `openssl` command line tool, for TLS and mTLS tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificates {
  caCert: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  /** A second, unrelated CA, to check that the server's certificate is really verified. */
  otherCaCert: Buffer;
  /** DNS name the server certificate is issued for (not resolvable; use it as `serverNameOverride`). */
  serverName: string;
}

export function generateTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'kairos-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  try {
    const serverName = 'kairos-test-server.internal';
    const makeCa = (name: string) => {
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.crt`),
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      );
    };
    makeCa('kairos-test-ca');
    makeCa('kairos-other-ca');
    const issue = (name: string, cn: string, ext: string) => {
      writeFileSync(file(`${name}.ext`), ext);
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.csr`),
      );
      openssl(
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        file('kairos-test-ca.crt'),
        '-CAkey',
        file('kairos-test-ca.key'),
        '-CAcreateserial',
        '-days',
        '2',
        '-out',
        file(`${name}.crt`),
        '-extfile',
        file(`${name}.ext`),
      );
    };
    issue(
      'server',
      serverName,
      `subjectAltName=DNS:${serverName},DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`,
    );
    issue('client', 'kairos-test-client', 'extendedKeyUsage=clientAuth\n');
    return {
      caCert: readFileSync(file('kairos-test-ca.crt')),
      otherCaCert: readFileSync(file('kairos-other-ca.crt')),
      serverCert: readFileSync(file('server.crt')),
      serverKey: readFileSync(file('server.key')),
      clientCert: readFileSync(file('client.crt')),
      clientKey: readFileSync(file('client.key')),
      serverName,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
