import type { TLSConfig } from '@kairos/common/lib/internal-non-workflow';

/** Where configuration comes from: a file path, or the contents of a file (text or bytes). */
export type ConfigDataSource = { path: string } | { data: string | Uint8Array };

/** The TLS settings of a profile. */
export interface ClientConfigTLS {
  /** `true` turns TLS off even when an API key is set. */
  disabled?: boolean;
  /** Server name for SNI and certificate checks, instead of the host of the address. */
  serverName?: string;
  /** Client certificate for mutual TLS (with {@link clientKey}). */
  clientCert?: ConfigDataSource;
  /** Client private key for mutual TLS (with {@link clientCert}). */
  clientKey?: ConfigDataSource;
  /** CA certificate that signed the server's certificate; default: the system's trusted CAs. */
  serverCACert?: ConfigDataSource;
  /**
   * Skips the check that the server's certificate matches its host name. Accepted from files and variables;
   * `true` is not implemented by Kairos connections and makes {@link toClientOptions} throw.
   */
  disableHostVerification?: boolean;
}

/**
 * Options for `Connection.connect` (`@kairos/client`) and `NativeConnection.connect` (`@kairos/worker`): both
 * accept this object as it is.
 */
export interface ClientConnectionOptions {
  address?: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  metadata?: Record<string, string>;
}

/** What a client or worker needs to connect: the connection options and the namespace. */
export interface ClientConnectConfig {
  connectionOptions: ClientConnectionOptions;
  /** The namespace of the profile; unset means the SDK's default (`'default'`). */
  namespace?: string;
}

/** Options of {@link loadClientConfigProfile} and {@link loadClientConnectConfig}. */
export interface LoadClientProfileOptions {
  /** The profile to load. Default: `TEMPORAL_PROFILE`, else `'default'`. */
  profile?: string;
  /**
   * The configuration to read instead of the file named by `TEMPORAL_CONFIG_FILE` or the default per-OS path
   * (`$XDG_CONFIG_HOME/temporalio/temporal.toml` or `~/.config/temporalio/temporal.toml` on Linux,
   * `~/Library/Application Support/temporalio/temporal.toml` on macOS, `%APPDATA%\temporalio\temporal.toml` on
   * Windows).
   */
  configSource?: ConfigDataSource;
  /** Ignore configuration files (only used without `configSource`). Default false. */
  disableFile?: boolean;
  /** Ignore `TEMPORAL_*` environment variables. Default false. */
  disableEnv?: boolean;
  /** Reject keys the format does not define. Default false (unknown keys are ignored). */
  configFileStrict?: boolean;
  /** Environment variables to read instead of `process.env`. */
  overrideEnvVars?: Record<string, string>;
}

/** One connection profile. */
export interface ClientConfigProfile {
  /** `host:port` of the server. */
  address?: string;
  namespace?: string;
  /** API key; turns TLS on unless TLS is disabled. */
  apiKey?: string;
  tls?: ClientConfigTLS;
  /** gRPC metadata sent with every call; keys are lower-case with `-` for `_`. */
  grpcMeta?: Record<string, string>;
}

/** Options of {@link loadClientConfig}. */
export interface LoadClientConfigOptions {
  /** The configuration to read instead of `TEMPORAL_CONFIG_FILE` or the default per-OS path. */
  configSource?: ConfigDataSource;
  /** Reject keys the format does not define. Default false. */
  configFileStrict?: boolean;
  /** Environment variables to read instead of `process.env` (only `TEMPORAL_CONFIG_FILE` and the home paths). */
  overrideEnvVars?: Record<string, string>;
}

/** A whole configuration file: its profiles by name. */
export interface ClientConfig {
  profiles: Record<string, ClientConfigProfile>;
}

/** Options of {@link loadClientConfigFromToml}. */
export interface ClientConfigFromTomlOptions {
  /** Reject keys the format does not define. */
  strict: boolean;
}
