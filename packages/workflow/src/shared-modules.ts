/**
 * The import paths that workflow bundles share with the runtime instead of bundling their own copy: the
 * workflow API, the workflow-safe part of `@kairos/common`, `nexus-rpc`, and the Node built-ins the isolate
 * provides (`assert`, `url`, `util`). The bundler leaves these imports to the runtime's `require`.
 *
 * @module
 */
export const SHARED_MODULES: readonly string[] = [
  'nexus-rpc',
  '@kairos/common',
  '@kairos/common/lib/activity-options',
  '@kairos/common/lib/converter/data-converter',
  '@kairos/common/lib/converter/failure-converter',
  '@kairos/common/lib/converter/payload-codec',
  '@kairos/common/lib/converter/payload-converter',
  '@kairos/common/lib/converter/payload-search-attributes',
  '@kairos/common/lib/encoding',
  '@kairos/common/lib/errors',
  '@kairos/common/lib/failure',
  '@kairos/common/lib/interceptors',
  '@kairos/common/lib/interfaces',
  '@kairos/common/lib/internal-workflow',
  '@kairos/common/lib/logger',
  '@kairos/common/lib/metrics',
  '@kairos/common/lib/reserved',
  '@kairos/common/lib/retry-policy',
  '@kairos/common/lib/search-attributes',
  '@kairos/common/lib/time',
  '@kairos/common/lib/type-helpers',
  '@kairos/common/lib/workflow-handle',
  '@kairos/common/lib/workflow-options',
  '@kairos/workflow',
  '@kairos/workflow/lib/activities',
  '@kairos/workflow/lib/cancellation-scope',
  '@kairos/workflow/lib/errors',
  '@kairos/workflow/lib/flags',
  '@kairos/workflow/lib/global-attributes',
  '@kairos/workflow/lib/interceptors',
  '@kairos/workflow/lib/interfaces',
  '@kairos/workflow/lib/internals',
  '@kairos/workflow/lib/logs',
  '@kairos/workflow/lib/metrics',
  '@kairos/workflow/lib/nexus',
  '@kairos/workflow/lib/sinks',
  '@kairos/workflow/lib/stack-helpers',
  '@kairos/workflow/lib/trigger',
  '@kairos/workflow/lib/update-scope',
  '@kairos/workflow/lib/worker-interface',
  '@kairos/workflow/lib/workflow',
  'assert',
  'url',
  'util',
];

/** Node built-ins the isolate provides (also under the `node:` prefix). */
export const PROVIDED_BUILTINS: readonly string[] = ['assert', 'url', 'util'];
