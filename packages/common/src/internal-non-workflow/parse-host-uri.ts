/**
 * Parsing of the small URI forms used for server and proxy addresses: `host`, `host:port`, `scheme://host:port`,
 * with IPv6 hosts in brackets. The standard `URL` class does not fit: it needs a scheme and normalises paths.
 */

/** A parsed `[scheme://]host[:port]`. */
export interface ProtoHostPort {
  /** The scheme, if any (`http`). */
  scheme?: string;
  /** The host name or IP address (IPv6 without brackets). */
  hostname: string;
  /** The port, if any. */
  port?: number;
}

const SCHEME = '(?:(?<scheme>[a-z][a-z0-9]+):(?://)?)';
const IPV4 = '(?:\\d{1,3}(?:\\.\\d{1,3}){3})';
const IPV6 = '(?:\\[(?<ipv6>[0-9a-fA-F.:]+)\\])';
const DNS_NAME = '(?:[^:/]+)';
const HOST_PORT = new RegExp(`^${SCHEME}??(?<hostname>${IPV4}|${IPV6}|${DNS_NAME})(?::(?<port>\\d+))?$`);

/**
 * Splits `[scheme://]host[:port]` into its parts; `undefined` if `uri` has another form (a path, a user...).
 *
 * For example `http://test.com:8080`, `192.168.0.1:8080` and `[::1]:8080` are accepted.
 */
export function splitProtoHostPort(uri: string): ProtoHostPort | undefined {
  const groups = HOST_PORT.exec(uri)?.groups;
  if (!groups || groups.hostname === undefined) return undefined;
  return {
    scheme: groups.scheme,
    hostname: groups.ipv6 ?? groups.hostname,
    port: groups.port !== undefined ? Number(groups.port) : undefined,
  };
}

/** Joins the parts of a {@link ProtoHostPort} back into a string (IPv6 hosts in brackets). */
export function joinProtoHostPort(components: ProtoHostPort): string {
  const { scheme, hostname, port } = components;
  return `${scheme ? `${scheme}:` : ''}${hostname.includes(':') ? `[${hostname}]` : hostname}${
    port !== undefined ? `:${port}` : ''
  }`;
}

/**
 * Normalises the address of a Temporal gRPC endpoint to `host:port`, adding `defaultPort` when there is no port.
 *
 * @throws `TypeError` naming the address if it has a scheme or another form than `host[:port]`.
 */
export function normalizeGrpcEndpointAddress(uri: string, defaultPort: number): string {
  const parts = splitProtoHostPort(uri);
  if (!parts || parts.scheme !== undefined) {
    throw new TypeError(
      `Invalid address for Temporal gRPC endpoint: expected URI of the form 'hostname' or 'hostname:port'; got '${uri}'`,
    );
  }
  return joinProtoHostPort({ ...parts, port: parts.port ?? defaultPort });
}
