/**
 * The source map of a workflow bundle, with every source named by its absolute path.
 *
 * @module
 */
import * as path from 'node:path';

/** A source map (revision 3) as a plain object. */
export interface RawSourceMap {
  version: number;
  /** Name of the generated file. */
  file?: string;
  sourceRoot?: string;
  /** Absolute paths of the original files. */
  sources: string[];
  /** Contents of the original files, in the order of `sources`. */
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
}

/**
 * Parses esbuild's source map and rewrites `sources`, which esbuild writes relative to the output file's
 * directory, to absolute paths; the made-up modules of `virtualNamespace` already have absolute paths and only
 * lose their namespace prefix.
 */
export function absoluteSourceMap(text: string, outputFile: string, virtualNamespace: string): RawSourceMap {
  const map = JSON.parse(text) as RawSourceMap;
  const outputDir = path.dirname(outputFile);
  const prefix = `${virtualNamespace}:`;
  map.sources = map.sources.map((source) => {
    if (source.startsWith(prefix)) return source.slice(prefix.length);
    // Other URLs (from the source maps of third-party packages) are kept as they are.
    if (/^[a-z][\w+.-]+:/i.test(source)) return source;
    return path.resolve(outputDir, source);
  });
  delete map.sourceRoot;
  map.file = path.basename(outputFile);
  return map;
}
