/**
 * Checks of the connection options that are best done before anything is sent: TLS certificates and keys,
 * gRPC metadata. The messages name the option at fault.
 *
 * @module
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';

/**
 * Checks the shape of a TLS option before anything is sent, so that a malformed certificate is reported
 * with the option's name instead of as an obscure handshake failure later.
 */
export function validateTlsOption(tls: unknown): void {
  if (tls === undefined || tls === null || typeof tls === 'boolean') return;
  if (typeof tls !== 'object' || Array.isArray(tls)) {
    throw new TypeError(`\`tls\` must be a boolean or a TLSConfig object, got ${describe(tls)}`);
  }
  const config = tls as Record<string, unknown>;
  const known = new Set(['serverNameOverride', 'serverRootCACertificate', 'clientCertPair']);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) {
      throw new TypeError(
        `Unknown TLS option \`tls.${key}\`; expected serverNameOverride, serverRootCACertificate or clientCertPair`,
      );
    }
  }
  if (config.serverNameOverride !== undefined && typeof config.serverNameOverride !== 'string') {
    throw new TypeError(`\`tls.serverNameOverride\` must be a string, got ${describe(config.serverNameOverride)}`);
  }
  if (config.serverRootCACertificate !== undefined && config.serverRootCACertificate !== null) {
    checkCertificate(config.serverRootCACertificate, 'tls.serverRootCACertificate');
  }
  const pair = config.clientCertPair;
  if (pair !== undefined && pair !== null) {
    if (typeof pair !== 'object') {
      throw new TypeError(`\`tls.clientCertPair\` must be an object { crt, key }, got ${describe(pair)}`);
    }
    const { crt, key } = pair as Record<string, unknown>;
    if (crt === undefined || key === undefined) {
      throw new TypeError('`tls.clientCertPair` needs both `crt` (the client certificate) and `key` (its private key)');
    }
    checkCertificate(crt, 'tls.clientCertPair.crt');
    checkPrivateKey(key, 'tls.clientCertPair.key');
  }
}

function checkCertificate(value: unknown, name: string): void {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`\`${name}\` must be a Buffer or Uint8Array holding a PEM certificate, got ${describe(value)}`);
  }
  try {
    new X509Certificate(Buffer.from(value));
  } catch (err) {
    throw new TypeError(`\`${name}\` is not a valid PEM certificate: ${(err as Error).message}`);
  }
}

function checkPrivateKey(value: unknown, name: string): void {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`\`${name}\` must be a Buffer or Uint8Array holding a PEM private key, got ${describe(value)}`);
  }
  try {
    createPrivateKey(Buffer.from(value));
  } catch (err) {
    throw new TypeError(`\`${name}\` is not a valid PEM private key: ${(err as Error).message}`);
  }
}

export function validateMetadata(metadata: unknown, name: string): void {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new TypeError(`\`${name}\` must be an object mapping header names to values, got ${describe(metadata)}`);
  }
  const probe = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
    try {
      probe.set(key, value as grpc.MetadataValue);
    } catch (err) {
      throw new TypeError(`Invalid gRPC metadata entry \`${key}\` in \`${name}\`: ${(err as Error).message}`);
    }
  }
}

/** How a bad option value reads in an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'a byte array';
  return typeof value === 'string' ? `the string '${value}'` : typeof value;
}
