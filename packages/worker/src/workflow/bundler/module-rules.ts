/**
 * Which import specifiers a workflow bundle may contain, and what happens to each: shared with the isolate's
 * runtime, replaced by an empty module, rejected, or bundled like any other module.
 *
 * @module
 */
import { builtinModules } from 'node:module';
import { PROVIDED_BUILTINS, SHARED_MODULES } from '@kairos/workflow/lib/shared-modules';

/** Node built-ins that workflow code may import; the isolate provides its own `assert`, `url` and `util`. */
export const allowedBuiltinModules: string[] = ['assert', 'url', 'util'];

/** Every other Node built-in, both bare (`fs`) and with the `node:` prefix (`node:fs`). */
export const disallowedBuiltinModules: string[] = [
  ...new Set(
    builtinModules
      .map((name) => name.replace(/^node:/, ''))
      .filter((name) => !allowedBuiltinModules.includes(name))
      .flatMap((name) => [name, `node:${name}`]),
  ),
];

/**
 * Modules that must not reach the workflow isolate: Node built-ins other than {@link allowedBuiltinModules} and
 * the Kairos packages that only work in Node (each including its subpaths).
 */
export const disallowedModules: string[] = [
  ...disallowedBuiltinModules,
  '@kairos/activity',
  '@kairos/client',
  '@kairos/worker',
  '@kairos/testing',
  '@kairos/core-bridge',
  '@kairos/common/lib/internal-non-workflow',
];

/** True when `userModule` is one of `modules` or a subpath of one (`fs/promises` matches `fs`). */
export function moduleMatches(userModule: string, modules: readonly string[]): boolean {
  return modules.some((name) => userModule === name || userModule.startsWith(`${name}/`));
}

/** What the bundler does with one import specifier. */
export type ImportRule =
  /** Left to the isolate's runtime: `require(path)` at run time, with `path` as listed in `SHARED_MODULES`. */
  | { kind: 'shared'; path: string }
  /** Listed in `ignoreModules`: resolves to an empty module. */
  | { kind: 'ignored' }
  /** A Node built-in or a Node-only package: fails the bundle. */
  | { kind: 'disallowed' }
  /** Resolved and bundled normally. */
  | { kind: 'bundle' };

const sharedModules = new Set(SHARED_MODULES);
const providedBuiltins = new Set(PROVIDED_BUILTINS);

/** The `SHARED_MODULES` entry that `specifier` names, tolerating a `node:` prefix on built-ins and a `.js` suffix. */
export function sharedModulePath(specifier: string): string | undefined {
  let name = specifier;
  if (name.startsWith('node:')) {
    name = name.slice('node:'.length);
    if (!providedBuiltins.has(name)) return undefined;
  }
  if (sharedModules.has(name)) return name;
  if (name.endsWith('.js') && sharedModules.has(name.slice(0, -'.js'.length))) return name.slice(0, -'.js'.length);
  return undefined;
}

/**
 * Decides what happens to `specifier`. `ignoreModules` wins over everything else (also for built-ins in either
 * spelling), so users can stub even a module the isolate would provide.
 */
export function classifyImport(specifier: string, ignoreModules: readonly string[]): ImportRule {
  const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  if (moduleMatches(specifier, ignoreModules) || moduleMatches(bare, ignoreModules)) return { kind: 'ignored' };
  const shared = sharedModulePath(specifier);
  if (shared !== undefined) return { kind: 'shared', path: shared };
  // `node:` names only ever mean built-ins, including ones newer than this Node's `builtinModules`.
  if (specifier.startsWith('node:') || moduleMatches(specifier, disallowedModules)) return { kind: 'disallowed' };
  return { kind: 'bundle' };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * An esbuild `onResolve` filter that lets through every specifier {@link classifyImport} may treat specially and
 * few others, so ordinary relative imports never cross into JavaScript. Written for Go's regexp (no lookaround).
 */
export function specialImportFilter(ignoreModules: readonly string[]): RegExp {
  const names = new Set([...SHARED_MODULES, ...disallowedModules, ...ignoreModules]);
  const alternatives = [...names].map(escapeRegExp).sort();
  return new RegExp(`^(?:node:.*|(?:${alternatives.join('|')})(?:[/.].*)?)$`);
}
