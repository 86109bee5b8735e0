/**
 * Holds `@kairos/workflow`, `@kairos/activity` and `@kairos/worker` to the public surface of the official
 * `@temporalio/*` 1.24 packages (test-only devDependencies): every value and type the official package exports
 * from its index and from the deep `lib/*` paths applications import must exist here under the same name, and
 * enum-like constants must have the same keys and values.
 *
 * A name may be missing only if it is listed in {@link DELIBERATE_GAPS} with the reason; the same list is in the
 * "Differences" section of each package's README. The test fails when a missing name is not listed, when a listed
 * name is no longer missing, and when a listed name is not in the README.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

jest.setTimeout(120_000);

type PackageName = 'workflow' | 'activity' | 'worker';

/** One module of the official surface and where its Kairos counterpart lives. */
interface ModulePair {
  pkg: PackageName;
  /** The official import specifier, e.g. `@temporalio/workflow/lib/flags`. */
  official: string;
  /** The official declaration file. */
  officialDts: string;
  /** Our source file (`packages/<pkg>/src/<path minus lib/>.ts`). */
  ours: string;
}

/** Deep import paths that real applications use, per package (relative to the package root). */
const DEEP_PATHS: Record<PackageName, string[]> = {
  workflow: [
    'lib/interfaces',
    'lib/errors',
    'lib/flags',
    'lib/cancellation-scope',
    'lib/interceptors',
    'lib/internals',
    'lib/sinks',
    'lib/logs',
    'lib/workflow',
    'lib/update-scope',
    'lib/stack-helpers',
    'lib/trigger',
    'lib/global-attributes',
    'lib/nexus',
    'lib/pkg',
  ],
  activity: [],
  worker: [
    'lib/workflow/bundler',
    'lib/worker-options',
    'lib/replay',
    'lib/errors',
    'lib/logger',
    'lib/runtime',
    'lib/connection',
    'lib/sinks',
    'lib/interceptors',
    'lib/pkg',
  ],
};

/**
 * Names of the official surface that Kairos does not export on purpose, as `<official module>#<name>` → reason.
 * Keep in sync with the "Differences" sections of packages/workflow/README.md and packages/worker/README.md.
 */
const DELIBERATE_GAPS: Record<string, string> = {
  '@temporalio/workflow/lib/internals#ActivationHandler':
    'typed against the official coresdk activation jobs; Kairos activations are kairos.core.* messages',
  '@temporalio/workflow/lib/internals#ActivationHandlerFunction':
    'typed against the official coresdk activation jobs; Kairos activations are kairos.core.* messages',
  '@temporalio/workflow/lib/internals#PromiseStackStore':
    'the official stack-trace queries track promises with V8 promise hooks; Kairos captures stacks at await points',
  '@temporalio/workflow/lib/internals#Stack':
    'the official stack-trace queries track promises with V8 promise hooks; Kairos captures stacks at await points',
  '@temporalio/workflow/lib/cancellation-scope#registerSleepImplementation':
    'breaks an import cycle inside the official runtime; Kairos has no such cycle and nothing to register',
  '@temporalio/worker/lib/worker-options#WebpackConfiguration':
    'Kairos bundles workflow code with esbuild; there is no webpack configuration (webpackConfigHook throws)',
  '@temporalio/worker/lib/worker-options#CompiledWorkerOptionsWithBuildId':
    'an intermediate of the official option compilation for its native bridge; Kairos compiles options in one step',
  '@temporalio/worker/lib/worker-options#WorkerOptionsWithDefaults':
    'an intermediate of the official option compilation for its native bridge; Kairos compiles options in one step',
  '@temporalio/worker/lib/worker-options#toNativeWorkerOptions':
    'converts options for the official native bridge; the Kairos core takes its own kairos.core.* options',
  '@temporalio/worker/lib/worker-options#toNativeTaskPollerBehavior':
    'converts options for the official native bridge; the Kairos core takes its own kairos.core.* options',
  '@temporalio/worker/lib/connection#InternalNativeConnection':
    'exposes the official native client handle; the Kairos core-bridge has a different binding',
  '@temporalio/worker/lib/connection#extractNativeClient':
    'exposes the official native client handle; the Kairos core-bridge has a different binding',
  '@temporalio/worker/lib/connection#extractReferenceHolders':
    'exposes the official native client handle; the Kairos core-bridge has a different binding',
};

/** Enum-like constants the brief names explicitly; the test also compares every other one it finds. */
const REQUIRED_ENUMS: Array<[string, string]> = [
  ['@temporalio/workflow', 'ActivityCancellationType'],
  ['@temporalio/workflow', 'ParentClosePolicy'],
  ['@temporalio/workflow', 'ChildWorkflowCancellationType'],
  ['@temporalio/workflow', 'NexusOperationCancellationType'],
  ['@temporalio/workflow', 'WorkflowIdReusePolicy'],
  ['@temporalio/workflow', 'WorkflowIdConflictPolicy'],
];

const workerRoot = path.resolve(__dirname, '..');
const packagesRoot = path.resolve(workerRoot, '..');

function officialRoot(pkg: PackageName): string {
  return path.dirname(fs.realpathSync(require.resolve(`@temporalio/${pkg}/package.json`, { paths: [workerRoot] })));
}

function modulePairs(): ModulePair[] {
  const pairs: ModulePair[] = [];
  for (const pkg of ['workflow', 'activity', 'worker'] as const) {
    for (const deep of ['lib/index', ...DEEP_PATHS[pkg]]) {
      const officialDts = path.join(officialRoot(pkg), `${deep}.d.ts`);
      // Only paths that exist in the official package are part of the contract.
      if (!fs.existsSync(officialDts)) continue;
      pairs.push({
        pkg,
        official: deep === 'lib/index' ? `@temporalio/${pkg}` : `@temporalio/${pkg}/${deep}`,
        officialDts,
        ours: path.join(packagesRoot, pkg, 'src', `${deep.replace(/^lib\//, '')}.ts`),
      });
    }
  }
  return pairs;
}

const PAIRS = modulePairs();

/** Every exported name (types, interfaces and values) of each file, from the TypeScript checker. */
function exportedNamesByFile(files: string[]): Map<string, string[]> {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const result = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`TypeScript did not load ${file}`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    const names = moduleSymbol ? checker.getExportsOfModule(moduleSymbol).map((s) => s.name) : [];
    result.set(file, [...new Set(names)].sort());
  }
  return result;
}

function gapKey(pair: ModulePair, name: string): string {
  return `${pair.official}#${name}`;
}

function unlisted(pair: ModulePair, missing: string[]): string[] {
  return missing.filter((name) => !(gapKey(pair, name) in DELIBERATE_GAPS));
}

function loadOfficial(specifier: string): Record<string, unknown> {
  return require(require.resolve(specifier, { paths: [workerRoot] }));
}

function loadOurs(file: string): Record<string, unknown> {
  return require(file);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A plain object of functions and classes, such as the worker's `errors` or the workflow's `log`. */
function isNamespace(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'function');
}

function isEnumLike(value: unknown): value is Record<string, string | number | undefined> {
  return (
    isPlainObject(value) &&
    Object.keys(value).length > 0 &&
    Object.values(value).every((v) => v === undefined || typeof v === 'string' || typeof v === 'number')
  );
}

let typeNames: Map<string, string[]>;
beforeAll(() => {
  const files = PAIRS.flatMap((pair) => [pair.officialDts, ...(fs.existsSync(pair.ours) ? [pair.ours] : [])]);
  typeNames = exportedNamesByFile(files);
});

describe.each(PAIRS.map((pair) => [pair.official, pair] as const))('%s', (_official, pair) => {
  it('has a Kairos counterpart at the same path', () => {
    const file = path.relative(packagesRoot, pair.ours);
    expect({ file, exists: fs.existsSync(pair.ours) }).toEqual({ file, exists: true });
  });

  it('exports every official name (types, interfaces and values)', () => {
    if (!fs.existsSync(pair.ours)) throw new Error(`missing ${pair.ours}`);
    const ours = new Set(typeNames.get(pair.ours));
    const missing = (typeNames.get(pair.officialDts) ?? []).filter((name) => !ours.has(name));
    expect(unlisted(pair, missing)).toEqual([]);
  });

  it('exports every official runtime value', () => {
    if (!fs.existsSync(pair.ours)) throw new Error(`missing ${pair.ours}`);
    const ours = loadOurs(pair.ours);
    const missing = Object.keys(loadOfficial(pair.official)).filter((name) => !(name in ours));
    expect(unlisted(pair, missing)).toEqual([]);
  });

  it('has the same keys and values in enum-like constants', () => {
    if (!fs.existsSync(pair.ours)) throw new Error(`missing ${pair.ours}`);
    const theirs = loadOfficial(pair.official);
    const ours = loadOurs(pair.ours);
    const differing: string[] = [];
    for (const [name, value] of Object.entries(theirs)) {
      if (!(name in ours)) continue; // reported by the test above
      if (isEnumLike(value)) {
        if (!isEnumLike(ours[name]) || !equalRecords(value, ours[name] as Record<string, unknown>))
          differing.push(name);
      } else if (isNamespace(value)) {
        // Namespaces such as `errors` or `log`: at least the official members.
        const members = Object.keys(ours[name] ?? {});
        const lacking = Object.keys(value).filter((member) => !members.includes(member));
        if (lacking.length > 0) differing.push(`${name} lacks ${lacking.join(', ')}`);
      }
    }
    expect(differing).toEqual([]);
  });
});

function equalRecords(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => k in a && k in b && a[k] === b[k]);
}

describe('enum-like constants', () => {
  it.each(REQUIRED_ENUMS)('%s exports %s with the same keys and values', (specifier, name) => {
    const pair = PAIRS.find((p) => p.official === specifier);
    if (!pair) throw new Error(`no module pair for ${specifier}`);
    const theirs = loadOfficial(specifier)[name];
    expect(isEnumLike(theirs)).toBe(true);
    expect(loadOurs(pair.ours)[name]).toEqual(theirs);
  });

  it('HandlerUnfinishedPolicy (common, used by update and signal handler options) matches', () => {
    const theirs = loadOfficial('@temporalio/common').HandlerUnfinishedPolicy;
    const ours = require('@kairos/common').HandlerUnfinishedPolicy;
    expect(ours).toEqual(theirs);
  });

  it('SdkFlags has the same flags with the same ids and defaults', () => {
    const summary = (flags: Record<string, { id: number; default: boolean }>) =>
      Object.fromEntries(Object.entries(flags).map(([name, flag]) => [name, { id: flag.id, default: flag.default }]));
    const theirs = loadOfficial('@temporalio/workflow/lib/flags').SdkFlags as Record<string, never>;
    const ours = loadOurs(path.join(packagesRoot, 'workflow/src/flags.ts')).SdkFlags as Record<string, never>;
    expect(summary(ours)).toEqual(summary(theirs));
  });
});

describe('the list of deliberate gaps', () => {
  const entries = Object.entries(DELIBERATE_GAPS).map(([key, reason]) => {
    const [module, name] = key.split('#');
    return { key, module, name, reason };
  });

  it.each(entries.map((e) => [e.key, e] as const))('%s is still a gap', (_key, entry) => {
    const pair = PAIRS.find((p) => p.official === entry.module);
    if (!pair) throw new Error(`${entry.module} is not one of the compared modules`);
    const official = typeNames.get(pair.officialDts) ?? [];
    const ours = fs.existsSync(pair.ours) ? (typeNames.get(pair.ours) ?? []) : [];
    expect({ officialExportsIt: official.includes(entry.name), kairosExportsIt: ours.includes(entry.name) }).toEqual({
      officialExportsIt: true,
      kairosExportsIt: false,
    });
  });

  it.each(entries.map((e) => [e.key, e] as const))('%s is documented in the README', (_key, entry) => {
    const pair = PAIRS.find((p) => p.official === entry.module);
    if (!pair) throw new Error(`${entry.module} is not one of the compared modules`);
    const differences = readmeSection(pair.pkg, 'Differences');
    expect(differences).toContain(`\`${entry.name}\``);
    expect(differences).toContain(`\`${entry.module}\``);
  });
});

/** The text of a `## <title>` section of a package README, up to the next `## ` heading. */
function readmeSection(pkg: PackageName, title: string): string {
  const readme = fs.readFileSync(path.join(packagesRoot, pkg, 'README.md'), 'utf8');
  const start = readme.search(new RegExp(`^## ${title}`, 'm'));
  if (start < 0) return '';
  const rest = readme.slice(start + 3);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}
