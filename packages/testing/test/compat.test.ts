/**
 * Holds `@kairos/testing` to the public surface of `@temporalio/testing` 1.24 (a test-only devDependency): every
 * name the official package exports from its index and its `lib/*` modules exists here under the same name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '..');
const officialLib = path.join(
  path.dirname(fs.realpathSync(require.resolve('@temporalio/testing/package.json', { paths: [root] }))),
  'lib',
);
const MODULES = [
  'index',
  'client',
  'testing-workflow-environment',
  'mocking-activity-environment',
  'ephemeral-server',
  'assert-to-failure-interceptor',
  'utils',
  'pkg',
];
/** Official names left out on purpose, as `<module>#<name>` → why. */
const DELIBERATE_GAPS: Record<string, string> = {
  'ephemeral-server#toNativeEphemeralServerConfig':
    'converts options for the official native bridge, which downloads and runs the server; Kairos starts its own',
};

function exportedNames(files: string[]): Map<string, string[]> {
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
  const names = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`TypeScript did not load ${file}`);
    const symbol = checker.getSymbolAtLocation(source);
    names.set(file, symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []);
  }
  return names;
}

let names: Map<string, string[]>;
beforeAll(() => {
  const files = MODULES.flatMap((m) => [path.join(officialLib, `${m}.d.ts`), path.join(root, 'src', `${m}.ts`)]);
  names = exportedNames(files);
});

describe.each(MODULES)('lib/%s', (module) => {
  const officialFile = path.join(officialLib, `${module}.d.ts`);
  const ourFile = path.join(root, 'src', `${module}.ts`);

  it('exports every official name (types, interfaces and values)', () => {
    const ours = new Set(names.get(ourFile));
    const missing = (names.get(officialFile) ?? [])
      .filter((name) => !ours.has(name))
      .filter((name) => !(`${module}#${name}` in DELIBERATE_GAPS));
    expect(missing).toEqual([]);
  });

  it('exports every official runtime value', () => {
    const theirs = require(path.join(officialLib, module));
    const ours = require(ourFile);
    const missing = Object.keys(theirs)
      .filter((name) => !(name in ours))
      .filter((name) => !(`${module}#${name}` in DELIBERATE_GAPS));
    expect(missing).toEqual([]);
  });
});

it('gives MockActivityEnvironment the same default activity info', () => {
  const theirs = require(path.join(officialLib, 'mocking-activity-environment')).defaultActivityInfo;
  const ours = require('../src').defaultActivityInfo;
  expect({ ...ours, taskToken: Buffer.from(ours.taskToken) }).toEqual({
    ...theirs,
    taskToken: Buffer.from(theirs.taskToken),
  });
});
