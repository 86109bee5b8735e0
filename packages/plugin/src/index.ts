/**
 * Plugins for Kairos clients and workers: {@link SimplePlugin} and the plugin interfaces it implements.
 * Compatible with `@temporalio/plugin`.
 *
 * @module
 */
export { SimplePlugin, type SimplePluginOptions, type PluginParameter } from './plugin';
export type { ClientPlugin, ConnectionPlugin } from '@kairos/client';
export type { BundlerPlugin, NativeConnectionPlugin, WorkerPlugin } from '@kairos/worker';
