/**
 * Bundles workflow code with esbuild into one script for the worker's isolates.
 *
 * The bundle is a classic script whose only effect is to define `globalThis.__KAIROS_USER_FACTORY__`. The
 * isolate's runtime calls that factory once per workflow run; each call evaluates the user's modules afresh and
 * returns them, except the CommonJS modules that their package declares free of per-run state, which are
 * evaluated once per isolate context (see `bundler/isolate-modules.ts`). Imports of the modules the runtime
 * already holds (`SHARED_MODULES`: the workflow API, the workflow-safe part of `@kairos/common`, `assert`, `url`,
 * `util`) become calls to `globalThis.__KAIROS__.require` instead of being bundled.
 *
 * @module
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Logger } from '@kairos/common';
import { ContentHashCache, withConfigFiles } from './bundler/bundle-cache';
import {
  generateEntrypoint,
  missingConverterExport,
  USER_MODULES_VARIABLE,
  type EntrypointModules,
} from './bundler/entrypoint';
import { disallowedImportsError, formatBuildMessage, WorkflowBundleError } from './bundler/errors';
import { cheapKeepNames, shareIsolateModules, sharedModuleKeys } from './bundler/isolate-modules';
import {
  ENTRY_SPECIFIER,
  VIRTUAL_NAMESPACE,
  workflowResolverPlugin,
  type DisallowedImport,
} from './bundler/resolver-plugin';
import { absoluteSourceMap, type RawSourceMap } from './bundler/source-map';

export {
  allowedBuiltinModules,
  disallowedBuiltinModules,
  disallowedModules,
  moduleMatches,
} from './bundler/module-rules';
export { WorkflowBundleError } from './bundler/errors';
export type { RawSourceMap } from './bundler/source-map';

/** Name of the generated script, as it appears in stack traces and in the source map's `file`. */
const BUNDLE_FILE_NAME = 'kairos-workflow-bundle.js';

/** A workflow bundle: the script to evaluate in the isolate, and its source map. */
export interface WorkflowBundleWithSourceMap {
  /** The script; it has no inline source map. */
  code: string;
  /** Source map of `code`; each entry of `sources` is an absolute path. */
  sourceMap: RawSourceMap;
}

/**
 * Extends or changes the bundler's configuration, for instance to add interceptor modules.
 *
 * @experimental Plugins are an experimental feature; their interface may change.
 */
export interface BundlerPlugin {
  /** Name of the plugin, for logs and errors. */
  readonly name: string;
  /** Returns the options to bundle with, given the options so far; plugins are applied in order. */
  configureBundler?(options: BundleOptions): BundleOptions;
}

/** Options of {@link bundleWorkflowCode}. */
export interface BundleOptions {
  /**
   * Path of the module whose exported functions are the workflows: a file, or a directory with an index file.
   * A relative path is resolved from the current working directory.
   */
  workflowsPath: string;
  /**
   * Modules that export a workflow `interceptors` factory, applied in order to every workflow: absolute paths,
   * package names, or paths relative to the directory of `workflowsPath`. Default: none.
   */
  workflowInterceptorModules?: string[];
  /** Logger for a debug line with the size and duration of each bundle, and for esbuild's warnings. Default: none. */
  logger?: Logger;
  /**
   * Path of a module with a `payloadConverter` export, used instead of the default payload converter inside the
   * workflow. Default: the default payload converter.
   */
  payloadConverterPath?: string;
  /**
   * Path of a module with a `failureConverter` export, used instead of the default failure converter inside the
   * workflow. Default: the default failure converter.
   */
  failureConverterPath?: string;
  /**
   * Modules (and their subpaths) to replace with an empty module instead of bundling them, typically Node
   * built-ins imported by code that workflows never run. They must not be used at run time. Default: none.
   */
  ignoreModules?: string[];
  /**
   * Modules to load before the workflows module each time the user's modules are instantiated, named like
   * `workflowInterceptorModules`. Default: none.
   */
  preloadModules?: string[];
  /**
   * Not supported: Kairos bundles with esbuild, so there is no webpack configuration to change. Passing it throws
   * a `TypeError`. Typed loosely so that code written for the official SDK still compiles.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  webpackConfigHook?: (config: any) => any;
  /** Plugins whose `configureBundler` adjusts these options before bundling. Default: none. */
  plugins?: BundlerPlugin[];
}

/** Bundles already built in this process, kept while the files they were built from are unchanged. */
const bundleCache = new ContentHashCache<WorkflowBundleWithSourceMap>(16);

/** Bundles workflow code for the worker's isolates; {@link bundleWorkflowCode} is the usual way to use it. */
export class WorkflowCodeBundler {
  readonly logger?: Logger;
  readonly workflowsPath: string;
  readonly workflowInterceptorModules: string[];
  protected readonly payloadConverterPath?: string;
  protected readonly failureConverterPath?: string;
  protected readonly ignoreModules: string[];
  protected readonly preloadModules: string[];
  protected readonly plugins: BundlerPlugin[];

  constructor(options: BundleOptions) {
    const plugins = options.plugins ?? [];
    const configured = plugins.reduce((opts, plugin) => plugin.configureBundler?.(opts) ?? opts, options);
    if (configured.webpackConfigHook !== undefined) {
      throw new TypeError(
        'webpackConfigHook is not supported: Kairos bundles workflow code with esbuild, not webpack, so there is ' +
          'no webpack configuration to change. Remove the option. To keep a module out of the bundle, list it in ' +
          '`ignoreModules` (it becomes an empty module); to load modules before the workflows, use ' +
          '`preloadModules`; to replace the data converters inside workflows, use `payloadConverterPath` and ' +
          '`failureConverterPath`.',
      );
    }
    this.logger = configured.logger;
    this.workflowsPath = path.resolve(configured.workflowsPath);
    this.workflowInterceptorModules = [...(configured.workflowInterceptorModules ?? [])];
    this.payloadConverterPath = configured.payloadConverterPath
      ? path.resolve(configured.payloadConverterPath)
      : undefined;
    this.failureConverterPath = configured.failureConverterPath
      ? path.resolve(configured.failureConverterPath)
      : undefined;
    this.ignoreModules = [...(configured.ignoreModules ?? [])];
    this.preloadModules = [...(configured.preloadModules ?? [])];
    this.plugins = plugins;
  }

  /**
   * Builds the bundle, or returns the one built earlier in this process with the same options if none of its
   * input files has changed since.
   */
  async createBundle(): Promise<WorkflowBundleWithSourceMap> {
    const started = performance.now();
    const workingDir = process.cwd();
    const cacheKey = JSON.stringify([
      workingDir,
      this.workflowsPath,
      this.workflowInterceptorModules,
      this.payloadConverterPath,
      this.failureConverterPath,
      this.ignoreModules,
      this.preloadModules,
    ]);
    const cached = await bundleCache.get(cacheKey);
    if (cached !== undefined) {
      this.logger?.debug('Reusing the cached workflow bundle: no input file changed', {
        sizeBytes: cached.code.length,
        durationMs: Math.round(performance.now() - started),
      });
      return cached;
    }
    const { bundle, inputFiles } = await this.build(workingDir);
    await bundleCache.set(cacheKey, bundle, withConfigFiles(inputFiles));
    const durationMs = Math.round(performance.now() - started);
    this.logger?.debug(`Workflow bundle created: ${(bundle.code.length / 1024).toFixed(1)} KiB in ${durationMs} ms`, {
      sizeBytes: bundle.code.length,
      durationMs,
    });
    return bundle;
  }

  /** Runs esbuild; returns the bundle and the absolute paths of the files it read. */
  private async build(workingDir: string): Promise<{ bundle: WorkflowBundleWithSourceMap; inputFiles: string[] }> {
    // A path that is not on disk as given (say, without its extension) is left for esbuild to resolve.
    const isDirectory = await stat(this.workflowsPath).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    const resolveDir = isDirectory ? this.workflowsPath : path.dirname(this.workflowsPath);
    const entryPath = path.join(resolveDir, 'kairos-workflow-entrypoint.js');
    const outputFile = path.join(resolveDir, BUNDLE_FILE_NAME);
    const modules: EntrypointModules = {
      workflowsPath: this.workflowsPath,
      workflowInterceptorModules: this.workflowInterceptorModules,
      payloadConverterPath: this.payloadConverterPath,
      failureConverterPath: this.failureConverterPath,
      preloadModules: this.preloadModules,
    };
    const disallowed: DisallowedImport[] = [];

    let result: esbuild.BuildResult<{ metafile: true; write: false }>;
    try {
      result = await esbuild.build({
        entryPoints: [ENTRY_SPECIFIER],
        absWorkingDir: workingDir,
        outfile: outputFile,
        write: false,
        bundle: true,
        metafile: true,
        logLevel: 'silent',
        // CommonJS output: shared modules stay `require(...)` calls, which the banner binds to the runtime.
        format: 'cjs',
        platform: 'neutral',
        mainFields: ['module', 'main'],
        conditions: ['browser', 'module'],
        resolveExtensions: ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'],
        // The isolate tracks cancellation scopes through Promise.prototype.then, which native await bypasses.
        target: 'es2022',
        supported: { 'async-await': false, 'async-generator': false, 'for-await': false },
        // Scope hoisting may rename clashing declarations; error classes and workflows keep their own names.
        keepNames: true,
        // Third-party code often branches on it; webpack (used by the official SDK) sets it the same way.
        define: { 'process.env.NODE_ENV': '"development"' },
        sourcemap: 'external',
        sourcesContent: true,
        // The banner and footer wrap the whole bundle in the factory, so the source map accounts for them.
        banner: {
          js:
            'globalThis.__KAIROS_USER_FACTORY__ = function () {\n' +
            `var require = globalThis.__KAIROS__.require, ${USER_MODULES_VARIABLE};`,
        },
        footer: { js: `return ${USER_MODULES_VARIABLE};\n};` },
        plugins: [
          workflowResolverPlugin({
            entryPath,
            entryContents: generateEntrypoint(modules),
            resolveDir,
            ignoreModules: this.ignoreModules,
            onDisallowedImport: (found) => disallowed.push(found),
          }),
        ],
      });
    } catch (error) {
      throw this.buildFailure(error, modules, entryPath);
    }

    if (disallowed.length > 0) {
      throw disallowedImportsError(disallowed, result.metafile, entryPath, workingDir);
    }
    for (const warning of result.warnings) {
      this.logger?.warn(`Workflow bundle warning: ${formatBuildMessage(warning)}`);
    }
    const code = result.outputFiles.find((file) => file.path === outputFile)?.text;
    const mapText = result.outputFiles.find((file) => file.path === `${outputFile}.map`)?.text;
    if (code === undefined || mapText === undefined) {
      throw new WorkflowBundleError('esbuild produced no workflow bundle; this is a bug in Kairos');
    }
    const inputFiles = Object.keys(result.metafile.inputs)
      .filter((key) => !/^[\w-]+:/.test(key) && key !== '<runtime>')
      .map((key) => path.resolve(workingDir, key));
    return {
      bundle: {
        code: shareIsolateModules(
          cheapKeepNames(shareInteropNamespaces(code)),
          sharedModuleKeys(code, result.metafile, workingDir),
        ),
        sourceMap: absoluteSourceMap(mapText, outputFile, VIRTUAL_NAMESPACE),
      },
      inputFiles,
    };
  }

  /** Turns esbuild's failure into a {@link WorkflowBundleError} that lists every error. */
  private buildFailure(error: unknown, modules: EntrypointModules, entryPath: string): WorkflowBundleError {
    const errors = (error as Partial<esbuild.BuildFailure>).errors;
    if (!Array.isArray(errors)) {
      return new WorkflowBundleError(`Failed to bundle workflow code: ${error}`, { cause: error });
    }
    for (const message of errors) {
      const missing = missingConverterExport(message.text, modules);
      // esbuild names the importing file; only the entrypoint imports the converters by name.
      if (missing !== undefined && message.location?.file.endsWith(entryPath)) {
        return new WorkflowBundleError(
          `${missing.option} ${missing.path} has no export named '${missing.exportName}': export the converter ` +
            `instance from that module, e.g. \`export const ${missing.exportName} = ...\``,
          { cause: error },
        );
      }
    }
    return new WorkflowBundleError(
      `Failed to bundle workflow code from ${this.workflowsPath}:\n` +
        errors.map((message) => `  ${formatBuildMessage(message)}`).join('\n'),
      { cause: error },
    );
  }
}

/**
 * Bundles the workflows at `options.workflowsPath`, with their interceptors and converters, into a script for
 * `WorkerOptions.workflowBundle`. Building the bundle ahead of time shortens worker start-up; replaying histories
 * needs the same interceptors and converters that ran when the histories were written.
 */
export async function bundleWorkflowCode(options: BundleOptions): Promise<WorkflowBundleWithSourceMap> {
  return new WorkflowCodeBundler(options).createBundle();
}

/** @deprecated Workflow interceptor modules added by default (none: logging is built in). */
export const defaultWorkflowInterceptorModules: string[] = [];

/**
 * Makes the bundle's CommonJS interop helper (`__toESM`, which copies every export of a required module onto a
 * new object) use the runtime's memoising version when there is one: the shared modules are the same objects for
 * every run, so their namespace views are built once per isolate context instead of once per run. The
 * replacement stays on the helper's own line, so the source map is unaffected.
 */
function shareInteropNamespaces(code: string): string {
  if (!/^var __toESM = /m.test(code)) return code;
  return code
    .replace(/^var __toESM = /m, 'var __toESM_esbuild = ')
    .replace(
      'var require = globalThis.__KAIROS__.require',
      'var __toESM = function (m, n, t) { return (globalThis.__KAIROS__.toESM || __toESM_esbuild)(m, n, t); }, ' +
        'require = globalThis.__KAIROS__.require',
    );
}
