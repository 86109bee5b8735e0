/**
 * The TOML side of the configuration: reading the file, checking it against the shared format (the same file
 * serves the Temporal CLI and every SDK), and applying the `TEMPORAL_*` environment variables on top of a profile.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as SmolToml from 'smol-toml' with { 'resolution-mode': 'import' };
import { decode, encode } from '@kairos/common/lib/encoding';
import { ClientConfigError } from './config-error';
import { lineOfKey } from './internal/key-locator';
import type { ConfigDataSource, LoadClientConfigOptions, LoadClientProfileOptions } from './types';

// smol-toml is an ES module that also ships a CommonJS build; this package is CommonJS, so it takes that build.
const { parse, stringify, TomlError } = require('smol-toml') as typeof SmolToml;

/** Profile used when none is named (by option or `TEMPORAL_PROFILE`). */
export const DEFAULT_CONFIG_FILE_PROFILE = 'default';
/** File name of the configuration in the per-OS config directory (under `temporalio/`). */
export const DEFAULT_CONFIG_FILE = 'temporal.toml';

/** Raw TOML structure of a configuration file (snake_case keys, as written in the file). */
export interface TomlClientConfig {
  profile: Record<string, TomlClientConfigProfile>;
}

/** Raw TOML structure of one profile. */
export interface TomlClientConfigProfile {
  address?: string;
  namespace?: string;
  api_key?: string;
  tls?: TomlClientConfigTLS;
  codec?: TomlClientConfigCodec;
  grpc_meta?: Record<string, string>;
}

/** Raw TOML structure of a profile's TLS settings. */
export interface TomlClientConfigTLS {
  disabled?: boolean;
  client_cert_path?: string;
  client_cert_data?: string;
  client_key_path?: string;
  client_key_data?: string;
  server_ca_cert_path?: string;
  server_ca_cert_data?: string;
  server_name?: string;
  disable_host_verification?: boolean;
}

/** Raw TOML structure of a profile's codec server settings (used by the CLI and the UI, not by SDK clients). */
export interface TomlClientConfigCodec {
  endpoint?: string;
  auth?: string;
}

type FieldType = 'string' | 'boolean' | 'table' | 'string-table';

const PROFILE_FIELDS: Record<string, FieldType> = {
  address: 'string',
  namespace: 'string',
  api_key: 'string',
  tls: 'table',
  codec: 'table',
  grpc_meta: 'string-table',
};
const TLS_FIELDS: Record<string, FieldType> = {
  disabled: 'boolean',
  client_cert_path: 'string',
  client_cert_data: 'string',
  client_key_path: 'string',
  client_key_data: 'string',
  server_ca_cert_path: 'string',
  server_ca_cert_data: 'string',
  server_name: 'string',
  disable_host_verification: 'boolean',
};
const CODEC_FIELDS: Record<string, FieldType> = { endpoint: 'string', auth: 'string' };
const PATH_DATA_PAIRS = ['client_cert', 'client_key', 'server_ca_cert'];

/** gRPC metadata keys are lower case with `-` in place of `_` (`TEMPORAL_GRPC_META_MY_HEADER` → `my-header`). */
export function normalizeGrpcMetaKey(key: string): string {
  return key.toLowerCase().replace(/_/g, '-');
}

/** Text of the configuration and the file it came from (undefined for data). */
interface ConfigText {
  text: string;
  file?: string;
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function readConfigFile(file: string, required: boolean): ConfigText | undefined {
  try {
    return { text: readFileSync(file, 'utf8'), file };
  } catch (error) {
    if (isMissingFile(error) && !required) return undefined;
    const reason = isMissingFile(error) ? 'the file does not exist' : `cannot read the file: ${String(error)}`;
    throw new ClientConfigError(reason, { file }, { cause: error });
  }
}

function sourceText(source: ConfigDataSource): ConfigText {
  if ('path' in source) return readConfigFile(source.path, true) as ConfigText;
  return { text: typeof source.data === 'string' ? source.data : decode(source.data) };
}

/** The per-OS directory for user configuration, or undefined when the variables it derives from are unset. */
function userConfigDir(env: Record<string, string | undefined>): string | undefined {
  switch (os.platform()) {
    case 'win32':
      return env.APPDATA || undefined;
    case 'darwin':
      return env.HOME ? path.join(env.HOME, 'Library', 'Application Support') : undefined;
    default: {
      const xdg = env.XDG_CONFIG_HOME;
      if (xdg) return path.isAbsolute(xdg) ? xdg : undefined;
      return env.HOME ? path.join(env.HOME, '.config') : undefined;
    }
  }
}

/** The default configuration file for these variables: `<user config dir>/temporalio/temporal.toml`. */
export function defaultConfigFilePath(env: Record<string, string | undefined> = process.env): string | undefined {
  const dir = userConfigDir(env);
  return dir === undefined ? undefined : path.join(dir, 'temporalio', DEFAULT_CONFIG_FILE);
}

/**
 * The configuration text to use: `configSource`, else the file named by `TEMPORAL_CONFIG_FILE` (which must
 * exist), else the default file (which may be missing).
 */
function configText(options: LoadClientConfigOptions): ConfigText | undefined {
  if (options.configSource !== undefined) return sourceText(options.configSource);
  const env = options.overrideEnvVars ?? process.env;
  const named = env.TEMPORAL_CONFIG_FILE;
  if (named) return readConfigFile(named, true);
  const fallback = defaultConfigFilePath(env);
  return fallback === undefined ? undefined : readConfigFile(fallback, false);
}

/** Reads and checks the whole configuration (no environment overrides apart from locating the file). */
export function tomlLoadClientConfig(options: LoadClientConfigOptions): TomlClientConfig {
  const source = configText(options);
  if (source === undefined) return { profile: {} };
  return parseTomlConfig(source.text, options.configFileStrict ?? false, source.file);
}

/** Parses configuration text; `file` only names the origin in errors. */
export function loadFromTomlData(tomlData: string, isStrict: boolean): TomlClientConfig {
  return parseTomlConfig(tomlData, isStrict, undefined);
}

function parseTomlConfig(text: string, strict: boolean, file: string | undefined): TomlClientConfig {
  let parsed: Record<string, unknown>;
  try {
    parsed = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = error.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
      throw new ClientConfigError(
        `invalid TOML: ${reason}`,
        { file, line: error.line, column: error.column },
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  new Checker(text, file, strict).config(parsed);
  return { profile: {}, ...(parsed as Partial<TomlClientConfig>) } as TomlClientConfig;
}

/** Checks parsed TOML against the format, raising errors that point at the offending line. */
class Checker {
  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
    private readonly strict: boolean,
  ) {}

  private fail(keyPath: string[], message: string): never {
    throw new ClientConfigError(message, {
      file: this.file,
      line: lineOfKey(this.text, keyPath),
      key: keyPath.join('.'),
    });
  }

  config(parsed: Record<string, unknown>): void {
    for (const key of Object.keys(parsed)) {
      if (key !== 'profile' && this.strict) this.fail([key], 'unknown key (only [profile.<name>] tables are allowed)');
    }
    const profiles = parsed.profile;
    if (profiles === undefined) return;
    if (!isTable(profiles)) this.fail(['profile'], `expected a table of profiles, got ${describe(profiles)}`);
    for (const [name, profile] of Object.entries(profiles)) {
      const at = ['profile', name];
      if (!isTable(profile)) this.fail(at, `expected a table (a profile), got ${describe(profile)}`);
      this.fields(at, profile, PROFILE_FIELDS);
      if (profile.tls !== undefined) {
        const tls = profile.tls as Record<string, unknown>;
        this.fields([...at, 'tls'], tls, TLS_FIELDS);
        for (const pair of PATH_DATA_PAIRS) {
          if (tls[`${pair}_path`] !== undefined && tls[`${pair}_data`] !== undefined) {
            this.fail([...at, 'tls', `${pair}_data`], `give either ${pair}_path or ${pair}_data, not both`);
          }
        }
      }
      if (profile.codec !== undefined)
        this.fields([...at, 'codec'], profile.codec as Record<string, unknown>, CODEC_FIELDS);
    }
  }

  private fields(at: string[], table: Record<string, unknown>, schema: Record<string, FieldType>): void {
    for (const [key, value] of Object.entries(table)) {
      const type = schema[key];
      if (type === undefined) {
        if (this.strict) this.fail([...at, key], `unknown key (allowed: ${Object.keys(schema).join(', ')})`);
        continue;
      }
      this.value([...at, key], value, type);
    }
  }

  private value(at: string[], value: unknown, type: FieldType): void {
    switch (type) {
      case 'string':
        if (typeof value !== 'string') this.fail(at, `expected a string, got ${describe(value)}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.fail(at, `expected true or false, got ${describe(value)}`);
        return;
      case 'table':
        if (!isTable(value)) this.fail(at, `expected a table, got ${describe(value)}`);
        return;
      case 'string-table':
        if (!isTable(value)) this.fail(at, `expected a table of strings, got ${describe(value)}`);
        for (const [key, entry] of Object.entries(value)) this.value([...at, key], entry, 'string');
    }
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (isTable(value)) return 'a table';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** TOML text of a configuration. */
export function configToTomlData(config: TomlClientConfig): Uint8Array {
  return encode(stringify(config));
}

/**
 * One profile, as the file gives it with the environment variables applied on top: the profile named by the
 * option, else `TEMPORAL_PROFILE`, else `default`. A profile named explicitly must exist; `default` may be
 * missing (variables alone can configure a client).
 */
export function tomlLoadClientConfigProfile(options: LoadClientProfileOptions): TomlClientConfigProfile {
  if (options.disableEnv && options.disableFile) {
    throw new ClientConfigError('Cannot disable both file and environment loading (disableFile and disableEnv)');
  }
  const env = options.overrideEnvVars ?? process.env;
  let profile: TomlClientConfigProfile = {};
  if (!options.disableFile) {
    const config = tomlLoadClientConfig({
      configSource: options.configSource,
      configFileStrict: options.configFileStrict,
      overrideEnvVars: options.overrideEnvVars,
    });
    const name = options.profile ?? (env.TEMPORAL_PROFILE || undefined);
    const found = config.profile[name ?? DEFAULT_CONFIG_FILE_PROFILE];
    if (found === undefined && name !== undefined) {
      const known = Object.keys(config.profile);
      throw new ClientConfigError(
        `Profile '${name}' not found in config data` + (known.length > 0 ? ` (profiles: ${known.join(', ')})` : ''),
      );
    }
    profile = structuredClone(found ?? {});
  }
  if (!options.disableEnv) applyProfileEnvVars(profile, env);
  return profile;
}

/** Environment variables win over the file. */
function applyProfileEnvVars(profile: TomlClientConfigProfile, env: Record<string, string | undefined>): void {
  if (env.TEMPORAL_ADDRESS !== undefined) profile.address = env.TEMPORAL_ADDRESS;
  if (env.TEMPORAL_NAMESPACE !== undefined) profile.namespace = env.TEMPORAL_NAMESPACE;
  if (env.TEMPORAL_API_KEY !== undefined) profile.api_key = env.TEMPORAL_API_KEY;
  const tls = tlsFromEnv(env);
  if (tls !== undefined) {
    const merged: Record<string, unknown> = { ...profile.tls };
    // A variable giving a certificate as a path or as data replaces the file's other form of it.
    for (const pair of PATH_DATA_PAIRS) {
      const fromEnv = tls as Record<string, unknown>;
      if (fromEnv[`${pair}_path`] !== undefined) delete merged[`${pair}_data`];
      if (fromEnv[`${pair}_data`] !== undefined) delete merged[`${pair}_path`];
    }
    profile.tls = { ...merged, ...tls };
  }
  const codec = definedOnly({ endpoint: env.TEMPORAL_CODEC_ENDPOINT, auth: env.TEMPORAL_CODEC_AUTH });
  if (codec !== undefined) profile.codec = { ...profile.codec, ...codec };
  const prefix = 'TEMPORAL_GRPC_META_';
  if (profile.grpc_meta !== undefined) {
    // Normalised first, so that a variable replaces or removes the file's header however the file spells it.
    profile.grpc_meta = Object.fromEntries(
      Object.entries(profile.grpc_meta).map(([key, value]) => [normalizeGrpcMetaKey(key), value]),
    );
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix)) continue;
    const key = normalizeGrpcMetaKey(name.slice(prefix.length));
    profile.grpc_meta ??= {};
    // An empty variable removes a header the file sets.
    if (value === undefined || value === '') delete profile.grpc_meta[key];
    else profile.grpc_meta[key] = value;
  }
}

function tlsFromEnv(env: Record<string, string | undefined>): TomlClientConfigTLS | undefined {
  const enabled = envBool(env.TEMPORAL_TLS);
  const fromEnv = definedOnly<TomlClientConfigTLS>({
    disabled: enabled === undefined ? undefined : !enabled,
    client_cert_path: env.TEMPORAL_TLS_CLIENT_CERT_PATH,
    client_cert_data: env.TEMPORAL_TLS_CLIENT_CERT_DATA,
    client_key_path: env.TEMPORAL_TLS_CLIENT_KEY_PATH,
    client_key_data: env.TEMPORAL_TLS_CLIENT_KEY_DATA,
    server_ca_cert_path: env.TEMPORAL_TLS_SERVER_CA_CERT_PATH,
    server_ca_cert_data: env.TEMPORAL_TLS_SERVER_CA_CERT_DATA,
    server_name: env.TEMPORAL_TLS_SERVER_NAME,
    disable_host_verification: envBool(env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION),
  });
  return fromEnv;
}

/** `1` and `true` are true, anything else false; unset is undefined. */
function envBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return value === '1' || value.toLowerCase() === 'true';
}

function definedOnly<T extends object>(obj: T): T | undefined {
  const entries = Object.entries(obj).filter(([, v]) => v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as T) : undefined;
}
