/**
 * Entry point of the runtime script the worker evaluates in each isolate context: the workflow runtime, the
 * shared modules that user bundles import (`@kairos/workflow`, `@kairos/common` and their deep paths), and
 * the entry points the worker calls, all on `globalThis.__KAIROS__`.
 *
 * @module
 */
import * as nexusRpc from 'nexus-rpc';
import * as common from '@kairos/common';
import * as commonActivityOptions from '@kairos/common/lib/activity-options';
import * as commonDataConverter from '@kairos/common/lib/converter/data-converter';
import * as commonFailureConverter from '@kairos/common/lib/converter/failure-converter';
import * as commonPayloadCodec from '@kairos/common/lib/converter/payload-codec';
import * as commonPayloadConverter from '@kairos/common/lib/converter/payload-converter';
import * as commonPayloadSearchAttributes from '@kairos/common/lib/converter/payload-search-attributes';
import * as commonEncoding from '@kairos/common/lib/encoding';
import * as commonErrors from '@kairos/common/lib/errors';
import * as commonFailure from '@kairos/common/lib/failure';
import * as commonInterceptors from '@kairos/common/lib/interceptors';
import * as commonInterfaces from '@kairos/common/lib/interfaces';
import * as commonInternalWorkflow from '@kairos/common/lib/internal-workflow';
import * as commonLogger from '@kairos/common/lib/logger';
import * as commonMetrics from '@kairos/common/lib/metrics';
import * as commonReserved from '@kairos/common/lib/reserved';
import * as commonRetryPolicy from '@kairos/common/lib/retry-policy';
import * as commonSearchAttributes from '@kairos/common/lib/search-attributes';
import * as commonTime from '@kairos/common/lib/time';
import * as commonTypeHelpers from '@kairos/common/lib/type-helpers';
import * as commonWorkflowHandle from '@kairos/common/lib/workflow-handle';
import * as commonWorkflowOptions from '@kairos/common/lib/workflow-options';
import * as workflow from './index';
import * as activities from './activities';
import * as cancellationScope from './cancellation-scope';
import * as errors from './errors';
import * as flags from './flags';
import * as globalAttributes from './global-attributes';
import * as interceptors from './interceptors';
import * as interfaces from './interfaces';
import * as internals from './internals';
import * as logs from './logs';
import * as metrics from './metrics';
import * as nexus from './nexus';
import * as sinks from './sinks';
import * as stackHelpers from './stack-helpers';
import * as trigger from './trigger';
import * as updateScope from './update-scope';
import * as workerInterface from './worker-interface';
import * as workflowApi from './workflow';
import { assert } from './sandbox/assert';
import { URL, URLSearchParams } from './sandbox/url';
import { SHARED_MODULES } from './shared-modules';
import { TextDecoder, TextEncoder } from '@kairos/common/lib/encoding';

/** Modules shared by every run, by the import path user code uses. */
const modules: Record<string, unknown> = {
  'nexus-rpc': nexusRpc,
  '@kairos/common': common,
  '@kairos/common/lib/activity-options': commonActivityOptions,
  '@kairos/common/lib/converter/data-converter': commonDataConverter,
  '@kairos/common/lib/converter/failure-converter': commonFailureConverter,
  '@kairos/common/lib/converter/payload-codec': commonPayloadCodec,
  '@kairos/common/lib/converter/payload-converter': commonPayloadConverter,
  '@kairos/common/lib/converter/payload-search-attributes': commonPayloadSearchAttributes,
  '@kairos/common/lib/encoding': commonEncoding,
  '@kairos/common/lib/errors': commonErrors,
  '@kairos/common/lib/failure': commonFailure,
  '@kairos/common/lib/interceptors': commonInterceptors,
  '@kairos/common/lib/interfaces': commonInterfaces,
  '@kairos/common/lib/internal-workflow': commonInternalWorkflow,
  '@kairos/common/lib/logger': commonLogger,
  '@kairos/common/lib/metrics': commonMetrics,
  '@kairos/common/lib/reserved': commonReserved,
  '@kairos/common/lib/retry-policy': commonRetryPolicy,
  '@kairos/common/lib/search-attributes': commonSearchAttributes,
  '@kairos/common/lib/time': commonTime,
  '@kairos/common/lib/type-helpers': commonTypeHelpers,
  '@kairos/common/lib/workflow-handle': commonWorkflowHandle,
  '@kairos/common/lib/workflow-options': commonWorkflowOptions,
  '@kairos/workflow': workflow,
  '@kairos/workflow/lib/activities': activities,
  '@kairos/workflow/lib/cancellation-scope': cancellationScope,
  '@kairos/workflow/lib/errors': errors,
  '@kairos/workflow/lib/flags': flags,
  '@kairos/workflow/lib/global-attributes': globalAttributes,
  '@kairos/workflow/lib/interceptors': interceptors,
  '@kairos/workflow/lib/interfaces': interfaces,
  '@kairos/workflow/lib/internals': internals,
  '@kairos/workflow/lib/logs': logs,
  '@kairos/workflow/lib/metrics': metrics,
  '@kairos/workflow/lib/nexus': nexus,
  '@kairos/workflow/lib/sinks': sinks,
  '@kairos/workflow/lib/stack-helpers': stackHelpers,
  '@kairos/workflow/lib/trigger': trigger,
  '@kairos/workflow/lib/update-scope': updateScope,
  '@kairos/workflow/lib/worker-interface': workerInterface,
  '@kairos/workflow/lib/workflow': workflowApi,
  // Node's `assert`, `url` and `util` are replaced by the isolate's own.
  assert: Object.assign(assert, { default: assert }),
  url: { URL, URLSearchParams },
  util: { TextEncoder, TextDecoder },
};

for (const name of SHARED_MODULES) {
  if (!(name in modules)) throw new Error(`Shared module '${name}' is missing from the runtime`);
}

/** Returns a shared module; the user bundle's `require` for the paths above. */
function requireShared(path: string): unknown {
  const normalized = path.replace(/\.js$/, '').replace(/^node:/, '');
  const mod = modules[normalized];
  if (mod === undefined) throw new Error(`Module '${path}' is not available inside the workflow isolate`);
  return mod;
}

/** Namespace views of required modules, by module and import mode (see `toESM`). */
const namespaceViews = [new WeakMap<object, object>(), new WeakMap<object, object>()];

/**
 * The CommonJS interop of the user bundles (esbuild's `__toESM`), memoised per module object: a view whose
 * getters read the module's exports, with `default` set to the module itself unless it says it is an ES
 * module. Views of the shared modules are then built once per context rather than once per run.
 */
function toESM(mod: unknown, isNodeMode?: number | boolean): unknown {
  if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return mod;
  const cache = namespaceViews[isNodeMode ? 1 : 0];
  let view = cache.get(mod as object);
  if (view === undefined) {
    view = Object.create(Object.getPrototypeOf(mod)) as object;
    if (isNodeMode || !(mod as { __esModule?: unknown }).__esModule) {
      Object.defineProperty(view, 'default', { value: mod, enumerable: true });
    }
    for (const key of Object.getOwnPropertyNames(mod)) {
      if (Object.prototype.hasOwnProperty.call(view, key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(mod, key);
      Object.defineProperty(view, key, {
        get: () => (mod as Record<string, unknown>)[key],
        enumerable: descriptor === undefined || descriptor.enumerable === true,
      });
    }
    cache.set(mod as object, view);
  }
  return view;
}

/** A CommonJS module as esbuild's `__commonJS` helper receives it: one method named after the module's path. */
type CommonJsDefinition = Record<string, (exports: unknown, module: { exports: unknown }) => void>;

/** Exports of the isolate-shared modules evaluated in this context, by module path. */
const isolateModules = new Map<string, { exports: unknown }>();

/**
 * The user bundle's `__commonJS` for modules their package declares free of per-run state
 * (`kairos.sharedWorkflowModules` in its package.json, checked by the bundler): the module is evaluated the first
 * time a run requires it and its exports, frozen, are shared by every later run of this context, instead of being
 * evaluated again for each run like the rest of the bundle.
 */
function isolateModule(definition: CommonJsDefinition): () => unknown {
  const key = Object.getOwnPropertyNames(definition)[0];
  return function requireIsolateModule() {
    let mod = isolateModules.get(key);
    if (mod === undefined) {
      // Registered before evaluation so that a require cycle sees the partial exports, as in CommonJS.
      mod = { exports: {} };
      isolateModules.set(key, mod);
      try {
        definition[key](mod.exports, mod);
      } catch (err) {
        isolateModules.delete(key);
        throw err;
      }
      // A run must not change what the next runs see.
      if (mod.exports !== null && typeof mod.exports === 'object') Object.freeze(mod.exports);
    }
    return mod.exports;
  };
}

(globalThis as Record<string, unknown>).__KAIROS__ = {
  api: workerInterface,
  modules,
  require: requireShared,
  toESM,
  isolateModule,
  sharedModuleNames: Object.keys(modules),
};
