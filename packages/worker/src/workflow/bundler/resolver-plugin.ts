/**
 * The esbuild plugin that gives a workflow bundle its shape: it serves the generated entrypoint, leaves the
 * modules the isolate shares to its run-time `require`, stubs ignored modules and records disallowed imports
 * together with the file that imported them.
 *
 * @module
 */
import * as path from 'node:path';
import type { Plugin } from 'esbuild';
import { classifyImport, specialImportFilter } from './module-rules';

/** esbuild namespace of the modules the plugin makes up (the entrypoint and the stubs). */
export const VIRTUAL_NAMESPACE = 'kairos';

/** The entry point specifier handed to esbuild; the plugin resolves it to the generated entrypoint. */
export const ENTRY_SPECIFIER = 'kairos-workflow-entrypoint';

/** A disallowed import found while bundling. */
export interface DisallowedImport {
  /** The import specifier as written, e.g. `node:fs`. */
  specifier: string;
  /** Absolute path of the importing file (for the entrypoint, its made-up path). */
  importer: string;
  /** esbuild namespace of the importer: `file`, or {@link VIRTUAL_NAMESPACE} for the entrypoint. */
  importerNamespace: string;
}

export interface ResolverPluginOptions {
  /** Absolute made-up path of the entrypoint; also names the entrypoint in the source map. */
  entryPath: string;
  /** Source of the entrypoint. */
  entryContents: string;
  /** Where the entrypoint's imports resolve from. */
  resolveDir: string;
  /** Specifiers (and their subpaths) that resolve to an empty module. */
  ignoreModules: readonly string[];
  /** Receives each disallowed import; the build itself goes on so that every one of them is reported at once. */
  onDisallowedImport(found: DisallowedImport): void;
}

/** File name safe form of a specifier, for the made-up path of its stub module. */
function stubName(specifier: string): string {
  return specifier.replace(/[^\w@.-]+/g, '_') + '.js';
}

/** Creates the plugin; see the module documentation. */
export function workflowResolverPlugin(options: ResolverPluginOptions): Plugin {
  const { entryPath, entryContents, resolveDir, ignoreModules, onDisallowedImport } = options;
  return {
    name: 'kairos-workflow-resolver',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${ENTRY_SPECIFIER}$`) }, (args) =>
        args.kind === 'entry-point' ? { path: entryPath, namespace: VIRTUAL_NAMESPACE } : undefined,
      );

      build.onResolve({ filter: specialImportFilter(ignoreModules) }, (args) => {
        const rule = classifyImport(args.path, ignoreModules);
        switch (rule.kind) {
          case 'shared':
            return { path: rule.path, external: true };
          case 'ignored':
            return {
              path: path.join(resolveDir, 'kairos-ignored-modules', stubName(args.path)),
              namespace: VIRTUAL_NAMESPACE,
            };
          case 'disallowed':
            onDisallowedImport({ specifier: args.path, importer: args.importer, importerNamespace: args.namespace });
            return {
              path: path.join(resolveDir, 'kairos-disallowed-modules', stubName(args.path)),
              namespace: VIRTUAL_NAMESPACE,
            };
          case 'bundle':
            return undefined;
        }
      });

      build.onLoad({ filter: /.*/, namespace: VIRTUAL_NAMESPACE }, (args) =>
        args.path === entryPath
          ? { contents: entryContents, resolveDir, loader: 'js' }
          : // `module.exports` makes a CommonJS module, so any named import from it is quietly `undefined`.
            { contents: 'module.exports = {};\n', loader: 'js' },
      );
    },
  };
}
