import type { TLSConfig } from '@kairos/common/lib/internal-non-workflow';
import { decode } from '@kairos/common/lib/encoding';
import { ClientConfigError } from './config-error';
import {
  configToTomlData,
  loadFromTomlData,
  tomlLoadClientConfig,
  tomlLoadClientConfigProfile,
} from './envconfig-toml';
import type {
  ClientConfig,
  ClientConfigFromTomlOptions,
  ClientConfigProfile,
  ClientConfigTLS,
  ClientConnectConfig,
  LoadClientConfigOptions,
  LoadClientProfileOptions,
} from './types';
import { fromTomlConfig, fromTomlProfile, loadConfigData, toTomlConfig } from './utils';

/** Every profile of the configuration file (`configSource`, `TEMPORAL_CONFIG_FILE` or the default path). */
export function loadClientConfig(options: LoadClientConfigOptions = {}): ClientConfig {
  return fromTomlConfig(tomlLoadClientConfig(options));
}

/** Every profile of TOML text given as bytes. */
export function loadClientConfigFromToml(tomlData: Uint8Array, options: ClientConfigFromTomlOptions): ClientConfig {
  return fromTomlConfig(loadFromTomlData(decode(tomlData), options.strict));
}

/** The TOML text (as bytes) of a configuration; the result loads back with {@link loadClientConfigFromToml}. */
export function clientConfigToToml(config: ClientConfig): Uint8Array {
  return configToTomlData(toTomlConfig(config));
}

/**
 * One profile: from the file (the profile named by `profile`, else `TEMPORAL_PROFILE`, else `default`) with the
 * `TEMPORAL_*` environment variables applied on top.
 */
export function loadClientConfigProfile(options: LoadClientProfileOptions = {}): ClientConfigProfile {
  return fromTomlProfile(tomlLoadClientConfigProfile(options));
}

/**
 * What `Connection.connect` / `NativeConnection.connect` and `new Client` need, from the file and the
 * environment:
 *
 * ```ts
 * const { connectionOptions, namespace } = loadClientConnectConfig();
 * const client = new Client({ connection: await Connection.connect(connectionOptions), namespace });
 * ```
 */
export function loadClientConnectConfig(options: LoadClientProfileOptions = {}): ClientConnectConfig {
  return toClientOptions(loadClientConfigProfile(options));
}

/** Connection options and namespace of a profile. TLS is on with an API key unless the profile disables it. */
export function toClientOptions(profile: ClientConfigProfile): ClientConnectConfig {
  const tls = toTLSConfig(profile.tls) ?? (profile.apiKey !== undefined ? true : undefined);
  const connectionOptions = Object.fromEntries(
    Object.entries({ address: profile.address, apiKey: profile.apiKey, tls, metadata: profile.grpcMeta }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  return { namespace: profile.namespace, connectionOptions };
}

/** The connection TLS option of a profile's TLS settings: `false` when disabled, undefined without settings. */
export function toTLSConfig(config?: ClientConfigTLS): TLSConfig | boolean | undefined {
  if (config === undefined) return undefined;
  if (config.disabled === true) return false;
  if (config.disableHostVerification === true) {
    throw new ClientConfigError(
      'not implemented: TLS disable_host_verification (TEMPORAL_TLS_DISABLE_HOST_VERIFICATION); Kairos connections ' +
        'always verify the server host name: set server_name to the name in the certificate instead',
    );
  }
  const crt = loadConfigData(config.clientCert);
  const key = loadConfigData(config.clientKey);
  if ((crt === undefined) !== (key === undefined)) {
    throw new ClientConfigError(
      `TLS ${crt === undefined ? 'client_key' : 'client_cert'} is set without ` +
        `${crt === undefined ? 'client_cert' : 'client_key'}: mutual TLS needs both`,
    );
  }
  return Object.fromEntries(
    Object.entries({
      serverNameOverride: config.serverName,
      serverRootCACertificate: loadConfigData(config.serverCACert),
      clientCertPair: crt && key ? { crt, key } : undefined,
    }).filter(([, value]) => value !== undefined),
  ) as TLSConfig;
}
