/**
 * The error a failed workflow bundle throws, and the messages that explain what to change.
 *
 * @module
 */
import * as path from 'node:path';
import type { Message, Metafile } from 'esbuild';
import { VIRTUAL_NAMESPACE, type DisallowedImport } from './resolver-plugin';

/** Thrown when workflow code cannot be bundled: a disallowed import, a syntax error, a module that is not found. */
export class WorkflowBundleError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkflowBundleError';
  }
}

/** The key esbuild's metafile uses for a file: its path relative to the working directory, `/`-separated. */
function metafileKey(file: string, namespace: string, workingDir: string): string {
  if (namespace !== 'file') return `${namespace}:${file}`;
  return path.relative(workingDir, file).split(path.sep).join('/');
}

/**
 * For each module reachable from `entryKey`, the module that first imported it on a shortest import path; the
 * modules the entrypoint imports have the entrypoint as parent.
 */
function importParents(metafile: Metafile, entryKey: string): Map<string, string> {
  const parents = new Map<string, string>();
  const queue = [entryKey];
  const seen = new Set(queue);
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const imported of metafile.inputs[next]?.imports ?? []) {
      if (imported.external || seen.has(imported.path)) continue;
      seen.add(imported.path);
      parents.set(imported.path, next);
      queue.push(imported.path);
    }
  }
  return parents;
}

/** `'fs' imported by src/helpers/io.ts ← src/workflows.ts`: the import chain back to a module the bundle starts from. */
function describeImport(found: DisallowedImport, parents: Map<string, string>, entryKey: string, workingDir: string) {
  const importerKey = metafileKey(found.importer, found.importerNamespace, workingDir);
  if (importerKey === entryKey) {
    return `'${found.specifier}' named in the bundle options (preloadModules or workflowInterceptorModules)`;
  }
  const chain = [importerKey];
  for (let parent = parents.get(importerKey); parent !== undefined && parent !== entryKey;) {
    chain.push(parent);
    parent = parents.get(parent);
  }
  return `'${found.specifier}' imported by ${chain.join(' ← ')}`;
}

/** The error for a bundle whose code imports disallowed modules, one line per import with its chain. */
export function disallowedImportsError(
  found: readonly DisallowedImport[],
  metafile: Metafile,
  entryPath: string,
  workingDir: string,
): WorkflowBundleError {
  const entryKey = metafileKey(entryPath, VIRTUAL_NAMESPACE, workingDir);
  const parents = importParents(metafile, entryKey);
  const lines = [...new Set(found.map((f) => describeImport(f, parents, entryKey, workingDir)))].sort();
  const kairosPackages = found.some((f) => f.specifier.startsWith('@kairos/'));
  const message = [
    'Workflow code imports modules that cannot run in the workflow sandbox:',
    ...lines.map((line) => `  - ${line}`),
    'Workflows run in a deterministic sandbox without Node.js APIs or I/O (only assert, url and util are provided).',
    'Move the code that needs these modules into an activity and call it from the workflow through proxyActivities().',
    'If a module is imported but never used while a workflow runs (say, by a helper file that also serves ' +
      "non-workflow code), list it in the bundle's `ignoreModules` option to replace it with an empty module.",
    ...(kairosPackages
      ? [
          'Kairos packages other than @kairos/workflow and @kairos/common run only in Node: ' +
            "import just their types, with 'import type'.",
        ]
      : []),
  ].join('\n');
  return new WorkflowBundleError(message);
}

/** One esbuild message as `file:line:column: text`. */
export function formatBuildMessage(message: Message): string {
  const { location } = message;
  const where =
    location === null
      ? ''
      : location.file.startsWith(`${VIRTUAL_NAMESPACE}:`)
        ? 'in the modules named by the bundle options: '
        : `${location.file}:${location.line}:${location.column + 1}: `;
  const notes = message.notes.map((note) => `\n    ${note.text}`).join('');
  return `${where}${message.text}${notes}`;
}
