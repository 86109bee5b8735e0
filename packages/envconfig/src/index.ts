/**
 * Client connection profiles from a TOML file and `TEMPORAL_*` environment variables, in the format the Temporal
 * CLI and every Temporal SDK share. Compatible with `@temporalio/envconfig`.
 *
 * @module
 */
export {
  loadClientConfig,
  loadClientConfigProfile,
  loadClientConnectConfig,
  loadClientConfigFromToml,
  clientConfigToToml,
  toClientOptions,
} from './envconfig';
export type {
  ClientConfig,
  ClientConfigProfile,
  ClientConfigTLS,
  ClientConnectConfig,
  ClientConnectionOptions,
  LoadClientConfigOptions,
  LoadClientProfileOptions,
  ClientConfigFromTomlOptions,
  ConfigDataSource,
} from './types';
export { fromTomlConfig, fromTomlProfile, toTomlConfig, toTomlProfile, loadConfigData } from './utils';
export { ClientConfigError } from './config-error';
export { defaultConfigFilePath } from './envconfig-toml';
