/** TLS options of a connection. */
export interface TLSConfig {
  /**
   * The server name used for SNI and certificate host name checks, instead of the host of the address (useful
   * behind a reverse proxy).
   */
  serverNameOverride?: string;
  /**
   * The CA certificate of the server. Not needed when the server's certificate is signed by a CA the system trusts.
   */
  serverRootCACertificate?: Uint8Array;
  /** The client certificate and key, for mutual TLS. */
  clientCertPair?: {
    /** The client certificate. */
    crt: Uint8Array;
    /** The client private key. */
    key: Uint8Array;
  };
}

/** TLS setting: a falsy value for no TLS, `true` or `{}` for TLS with defaults, or a {@link TLSConfig}. */
export type TLSConfigOption = TLSConfig | boolean | undefined | null;

/**
 * Normalises a {@link TLSConfigOption}: `false` and `null` give `undefined`, `true` gives `{}`. When the option is
 * unset and an API key is given, TLS is turned on.
 */
export function normalizeTlsConfig(
  tls: TLSConfigOption,
  apiKey?: string | (() => string) | undefined,
): TLSConfig | undefined {
  const option = tls ?? (apiKey !== undefined ? true : undefined);
  if (typeof option === 'object') return option === null ? undefined : option;
  return option ? {} : undefined;
}
