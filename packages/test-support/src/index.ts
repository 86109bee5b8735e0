export {
  selectedServer,
  selectedServers,
  TEST_SERVER_VARIABLE,
  TestServerSelectionError,
  type TestServerDefault,
  type TestServerKind,
} from './server-kind';
export { unusedPort } from './ports';
export {
  findTemporalCli,
  startTemporalCliServer,
  temporalCliArgs,
  type DynamicConfigValue,
  type TemporalCliPorts,
  type TemporalCliServer,
  type TemporalCliSetup,
} from './temporal-cli';
export {
  startTestServer,
  type KairosServer,
  type KairosServerOptions,
  type StartKairosServer,
  type TestServer,
  type TestServerSetup,
} from './test-server';
export { RecordingLogger, type LogLine, type LogLevel, type LogMetadata } from './recording-logger';
