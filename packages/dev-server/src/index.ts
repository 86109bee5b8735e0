/** `@kairos/dev-server`: an embedded Temporal-API server for development and tests. */
export { startDevServer, ServerBindError, type DevServer, type DevServerOptions } from './server';
export { DatabaseOpenError } from './persistence/persistence';
export { SqliteDriverMissingError } from './persistence/sqlite-driver';
export type { LogLevel } from './logger';
