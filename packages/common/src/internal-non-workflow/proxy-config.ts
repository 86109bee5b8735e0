import { type ProtoHostPort, splitProtoHostPort } from './parse-host-uri';

/** Connect through an HTTP CONNECT proxy. */
export interface HttpConnectProxyConfig {
  /** Always `'http-connect'`. */
  type: 'http-connect';
  /**
   * The proxy address, `host:port` or `http://host:port` (the port is required; IPv6 hosts in brackets).
   */
  targetHost: string;
  /**
   * Basic authentication for the proxy; neither value may contain `:` or `@`. They travel unencrypted to the
   * proxy.
   */
  basicAuth?: {
    /** The user name. */
    username: string;
    /** The password. */
    password: string;
  };
}

/** Proxy configuration. */
export type ProxyConfig = HttpConnectProxyConfig;

/**
 * Parses the address of an HTTP CONNECT proxy: `host:port` or `http://host:port`.
 *
 * @throws `TypeError` naming the address when it has another form, another scheme, or no port.
 */
export function parseHttpConnectProxyAddress(target: string): ProtoHostPort {
  const parts = splitProtoHostPort(target);
  if (!parts) {
    throw new TypeError(
      `Invalid address for HTTP CONNECT proxy: expected 'hostname:port' or '[ipv6 address]:port'; got '${target}'`,
    );
  }
  const { scheme = 'http', hostname, port } = parts;
  if (scheme !== 'http') {
    throw new TypeError(`Invalid address for HTTP CONNECT proxy: scheme must be 'http'; got '${target}'`);
  }
  if (port === undefined) {
    throw new TypeError(`Invalid address for HTTP CONNECT proxy: port is required; got '${target}'`);
  }
  return { scheme, hostname, port };
}
