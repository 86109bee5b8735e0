/**
 * The workflow runtime script: `@kairos/workflow`'s runtime entry bundled into one classic script for the
 * isolate. The package build writes it next to this module (`runtime-bundle.js` + `.map`); when running from
 * sources (tests) it is bundled on first use instead.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

/** The runtime script and its source map. */
export interface RuntimeScript {
  code: string;
  sourceMap: string;
  /** The file name the script is evaluated under (what stack frames show before mapping). */
  filename: string;
}

export const RUNTIME_FILENAME = 'kairos-workflow-runtime.js';

/** esbuild options shared by the build script and the on-demand build. */
export function runtimeBuildOptions(entry: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    mainFields: ['main'],
    target: 'es2022',
    // Async functions become generators driven by `then`, which carries the workflow context across awaits.
    supported: { 'async-await': false, 'async-generator': false, 'for-await': false },
    sourcemap: 'external',
    sourcesContent: true,
    write: false,
    outfile: path.join(path.dirname(entry), RUNTIME_FILENAME),
    logLevel: 'silent',
    legalComments: 'none',
  };
}

/** Rewrites a source map's sources to absolute paths (relative to the output file's directory). */
export function absolutizeSourceMap(mapText: string, outDir: string): string {
  const map = JSON.parse(mapText) as { sources: string[] };
  map.sources = map.sources.map((s) => (path.isAbsolute(s) ? s : path.resolve(outDir, s)));
  return JSON.stringify(map);
}

let cached: RuntimeScript | undefined;

/** Loads (or builds) the runtime script. */
export function loadRuntimeScript(): RuntimeScript {
  if (cached) return cached;
  const prebuilt = path.join(__dirname, 'runtime-bundle.js');
  if (fs.existsSync(prebuilt) && fs.existsSync(`${prebuilt}.map`)) {
    cached = {
      code: fs.readFileSync(prebuilt, 'utf8'),
      sourceMap: fs.readFileSync(`${prebuilt}.map`, 'utf8'),
      filename: RUNTIME_FILENAME,
    };
    return cached;
  }

  const esbuild = require('esbuild') as typeof import('esbuild');
  const entry = require.resolve('@kairos/workflow/lib/runtime.js');
  const result = esbuild.buildSync(runtimeBuildOptions(entry));
  const js = result.outputFiles?.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles?.find((f) => f.path.endsWith('.map'));
  if (!js || !map) throw new Error('Building the workflow runtime produced no output');
  cached = {
    code: stripSourceMapComment(js.text),
    sourceMap: absolutizeSourceMap(map.text, path.dirname(js.path)),
    filename: RUNTIME_FILENAME,
  };
  return cached;
}

/** Removes the trailing `//# sourceMappingURL=` comment esbuild adds. */
export function stripSourceMapComment(code: string): string {
  return code.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n');
}
