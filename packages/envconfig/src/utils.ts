/**
 * Conversions between the raw TOML structures (snake_case, as in the file) and the SDK's configuration objects.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { decode, encode } from '@kairos/common/lib/encoding';
import { ClientConfigError } from './config-error';
import {
  normalizeGrpcMetaKey,
  type TomlClientConfig,
  type TomlClientConfigProfile,
  type TomlClientConfigTLS,
} from './envconfig-toml';
import type { ClientConfig, ClientConfigProfile, ClientConfigTLS, ConfigDataSource } from './types';

/** The bytes a {@link ConfigDataSource} holds or names (undefined without a source). */
export function loadConfigData(source?: ConfigDataSource): Uint8Array | undefined {
  if (source === undefined) return undefined;
  if ('path' in source) {
    try {
      return Uint8Array.from(readFileSync(source.path));
    } catch (error) {
      throw new ClientConfigError(`cannot read the file: ${String(error)}`, { file: source.path }, { cause: error });
    }
  }
  return typeof source.data === 'string' ? encode(source.data) : source.data;
}

function withoutUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function normalizedMeta(meta: Record<string, string> | undefined): Record<string, string> | undefined {
  if (meta === undefined) return undefined;
  return Object.fromEntries(Object.entries(meta).map(([key, value]) => [normalizeGrpcMetaKey(key), value]));
}

function dataSource(path: string | undefined, data: string | undefined, field: string): ConfigDataSource | undefined {
  if (path !== undefined && data !== undefined) {
    throw new ClientConfigError(`Cannot specify both ${field}_path and ${field}_data`);
  }
  if (data !== undefined) return { data: encode(data) };
  if (path !== undefined) return { path };
  return undefined;
}

function pathAndData(source?: ConfigDataSource): { path?: string; data?: string } {
  if (source === undefined) return {};
  if ('path' in source) return { path: source.path };
  return { data: typeof source.data === 'string' ? source.data : decode(source.data) };
}

/** A profile from its TOML structure (the codec table is for the CLI and UI and is left out). */
export function fromTomlProfile(tomlProfile: TomlClientConfigProfile): ClientConfigProfile {
  return withoutUndefined<ClientConfigProfile>({
    address: tomlProfile.address,
    namespace: tomlProfile.namespace,
    apiKey: tomlProfile.api_key,
    tls: fromTomlTLS(tomlProfile.tls),
    grpcMeta: normalizedMeta(tomlProfile.grpc_meta),
  });
}

/** The TOML structure of a profile. */
export function toTomlProfile(profile: ClientConfigProfile): TomlClientConfigProfile {
  return withoutUndefined<TomlClientConfigProfile>({
    address: profile.address,
    namespace: profile.namespace,
    api_key: profile.apiKey,
    tls: toTomlTLS(profile.tls),
    grpc_meta: normalizedMeta(profile.grpcMeta),
  });
}

/** TLS settings from their TOML structure. */
export function fromTomlTLS(tomlTLS?: TomlClientConfigTLS): ClientConfigTLS | undefined {
  if (tomlTLS === undefined) return undefined;
  return withoutUndefined<ClientConfigTLS>({
    disabled: tomlTLS.disabled,
    serverName: tomlTLS.server_name,
    clientCert: dataSource(tomlTLS.client_cert_path, tomlTLS.client_cert_data, 'client_cert'),
    clientKey: dataSource(tomlTLS.client_key_path, tomlTLS.client_key_data, 'client_key'),
    serverCACert: dataSource(tomlTLS.server_ca_cert_path, tomlTLS.server_ca_cert_data, 'server_ca_cert'),
    disableHostVerification: tomlTLS.disable_host_verification,
  });
}

/** The TOML structure of TLS settings. */
export function toTomlTLS(tlsConfig?: ClientConfigTLS): TomlClientConfigTLS | undefined {
  if (tlsConfig === undefined) return undefined;
  const cert = pathAndData(tlsConfig.clientCert);
  const key = pathAndData(tlsConfig.clientKey);
  const ca = pathAndData(tlsConfig.serverCACert);
  return withoutUndefined<TomlClientConfigTLS>({
    disabled: tlsConfig.disabled,
    server_name: tlsConfig.serverName,
    client_cert_path: cert.path,
    client_cert_data: cert.data,
    client_key_path: key.path,
    client_key_data: key.data,
    server_ca_cert_path: ca.path,
    server_ca_cert_data: ca.data,
    disable_host_verification: tlsConfig.disableHostVerification,
  });
}

/** A whole configuration from its TOML structure. */
export function fromTomlConfig(tomlConfig: TomlClientConfig): ClientConfig {
  const profiles: Record<string, ClientConfigProfile> = {};
  for (const [name, profile] of Object.entries(tomlConfig.profile)) profiles[name] = fromTomlProfile(profile);
  return { profiles };
}

/** The TOML structure of a whole configuration. */
export function toTomlConfig(config: ClientConfig): TomlClientConfig {
  const profile: Record<string, TomlClientConfigProfile> = {};
  for (const [name, p] of Object.entries(config.profiles)) profile[name] = toTomlProfile(p);
  return { profile };
}

/** A data source as a path or bytes (strings become bytes). */
export function toPathAndData(source?: ConfigDataSource): { path?: string; data?: Uint8Array } | undefined {
  if (source === undefined) return undefined;
  if ('path' in source) return { path: source.path };
  return { data: typeof source.data === 'string' ? encode(source.data) : source.data };
}
