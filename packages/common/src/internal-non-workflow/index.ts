/**
 * Internal helpers for code that runs outside the workflow isolate (client, worker): payload codecs, data converter
 * loading, TLS and proxy settings. Not for workflow code: some helpers use Node APIs.
 *
 * @module
 */
export * from './codec-helpers';
export * from './codec-types';
export * from './data-converter-helpers';
export * from './parse-host-uri';
export * from './proxy-config';
export * from './tls-config';
