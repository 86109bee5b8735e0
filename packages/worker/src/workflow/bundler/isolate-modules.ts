/**
 * Modules evaluated once per isolate context instead of once per workflow run.
 *
 * The bundle evaluates the user's modules afresh for every run, so that no run sees another's module state. A
 * library whose workflow-side modules hold no such state (interceptor modules, say) can say so in its
 * package.json, and its CommonJS modules are then evaluated by the first run that needs them and shared, frozen,
 * by the later runs of the same context:
 *
 * ```json
 * { "kairos": { "sharedWorkflowModules": ["lib/workflow-interceptors.js", "lib/workflow/"] } }
 * ```
 *
 * Entries are paths relative to the package directory; one ending in `/` names every file below that directory.
 * Such a module must not keep per-run state at module level nor call the workflow API while it is evaluated. A
 * module is shared only if everything it imports is shared too (another such module, or a module of the
 * runtime): a shared module holding on to a per-run module would hand one run's state to the next.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';

/** The package.json field (under `kairos`) that lists a package's shared workflow modules. */
export const SHARED_WORKFLOW_MODULES_FIELD = 'sharedWorkflowModules';

/** Name of the bundle-local helper that wraps a shared module (see `shareIsolateModules`). */
const ISOLATE_MODULE_HELPER = '__kairosIsolateModule';

interface PackageInfo {
  dir: string;
  shared: readonly string[];
}

/** Reads the nearest package.json of each directory once per bundle. */
class PackageLookup {
  private readonly byDir = new Map<string, PackageInfo | undefined>();

  of(file: string): PackageInfo | undefined {
    return this.lookup(path.dirname(file));
  }

  private lookup(dir: string): PackageInfo | undefined {
    if (this.byDir.has(dir)) return this.byDir.get(dir);
    let found: PackageInfo | undefined;
    let text: string | undefined;
    try {
      text = readFileSync(path.join(dir, 'package.json'), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      found = { dir, shared: sharedEntries(text) };
    } else {
      const parent = path.dirname(dir);
      found = parent === dir ? undefined : this.lookup(parent);
    }
    this.byDir.set(dir, found);
    return found;
  }
}

function sharedEntries(packageJson: string): readonly string[] {
  try {
    const entries = (JSON.parse(packageJson) as { kairos?: Record<string, unknown> }).kairos?.[
      SHARED_WORKFLOW_MODULES_FIELD
    ];
    return Array.isArray(entries) ? entries.filter((e): e is string => typeof e === 'string') : [];
  } catch {
    return [];
  }
}

function isDeclaredShared(file: string, pkg: PackageInfo): boolean {
  const relative = path.relative(pkg.dir, file).split(path.sep).join('/');
  return pkg.shared.some((entry) => {
    const normalized = entry.replace(/^\.\//, '');
    return normalized.endsWith('/') ? relative.startsWith(normalized) : relative === normalized;
  });
}

/**
 * The bundle's CommonJS-wrapped modules (keys of esbuild's `__commonJS`, paths relative to the working directory)
 * that may be evaluated once per context: declared shared by their package, wrapped in the output, and importing
 * only other such modules or modules left to the runtime.
 */
export function sharedModuleKeys(code: string, metafile: Metafile, workingDir: string): Set<string> {
  const wrapped = new Set<string>();
  for (const match of code.matchAll(/__commonJS\(\{\n\s*"((?:[^"\\]|\\.)*)"\(/g))
    wrapped.add(JSON.parse(`"${match[1]}"`));
  if (wrapped.size === 0) return wrapped;
  const packages = new PackageLookup();
  const candidates = new Set<string>();
  for (const key of wrapped) {
    if (metafile.inputs[key] === undefined || /^[\w-]+:/.test(key)) continue;
    const file = path.resolve(workingDir, key);
    const pkg = packages.of(file);
    if (pkg !== undefined && pkg.shared.length > 0 && isDeclaredShared(file, pkg)) candidates.add(key);
  }
  // Drop modules that import a per-run module, until none is left to drop.
  for (let changed = true; changed;) {
    changed = false;
    for (const key of candidates) {
      const perRunImport = metafile.inputs[key].imports.some((imp) => !imp.external && !candidates.has(imp.path));
      if (perRunImport) {
        candidates.delete(key);
        changed = true;
      }
    }
  }
  return candidates;
}

/**
 * Makes the shared modules' `__commonJS` wrappers use the runtime's per-context cache (falling back to esbuild's
 * per-run helper with an older runtime). Each replacement stays on its line, so the source map is unaffected.
 */
export function shareIsolateModules(code: string, keys: ReadonlySet<string>): string {
  if (keys.size === 0) return code;
  const rewritten = code.replace(/__commonJS\(\{(\n\s*)"((?:[^"\\]|\\.)*)"\(/g, (whole, space: string, key: string) =>
    keys.has(JSON.parse(`"${key}"`)) ? `${ISOLATE_MODULE_HELPER}({${space}"${key}"(` : whole,
  );
  // Declared at the start of the banner's second line, inside the factory.
  return rewritten.replace(
    /^(globalThis\.__KAIROS_USER_FACTORY__ = function \(\) \{\n)/,
    `$1var ${ISOLATE_MODULE_HELPER} = function (cb) { return (globalThis.__KAIROS__.isolateModule || __commonJS)(cb); }; `,
  );
}

/**
 * Makes esbuild's `__name` helper (added by `keepNames`) skip functions and classes that already have the name it
 * would give them, the usual case: redefining `name` on every function each time a run evaluates the bundle costs
 * more than the check.
 */
export function cheapKeepNames(code: string): string {
  return code.replace(
    /^var __name = \(target, value\) => __defProp\(target, "name", \{ value, configurable: true \}\);$/m,
    'var __name = (target, value) => target.name === value ? target : __defProp(target, "name", { value, configurable: true });',
  );
}
