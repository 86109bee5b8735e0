// Run with `node --test scripts/`: the real packages follow the rules, and each rule catches a package that breaks it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  ROOT,
  checkPackage,
  checkPlatformPackages,
  filesInclude,
  fixPackage,
  privatePackageNames,
  publicPackageDirs,
  resolveExport,
  unresolvedDeepImports,
} from './package-rules.mjs';

const scratchRoots = [];
function scratchRoot() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'package-rules-'));
  scratchRoots.push(root);
  return root;
}
after(() => {
  for (const root of scratchRoots) fs.rmSync(root, { recursive: true, force: true });
});

test('every public package follows the publishing rules', () => {
  const dirs = publicPackageDirs();
  assert.ok(dirs.length >= 13, `found only ${dirs.length} public packages`);
  for (const dir of dirs) assert.deepEqual(checkPackage(dir), [], dir);
});

test("core-bridge's platform packages, napi targets, optional dependencies and loader agree", () => {
  assert.deepEqual(checkPlatformPackages(), []);
  const root = scratchRoot();
  const bridge = path.join(root, 'packages', 'core-bridge');
  fs.cpSync(path.join(ROOT, 'packages', 'core-bridge', 'npm'), path.join(bridge, 'npm'), { recursive: true });
  fs.mkdirSync(path.join(bridge, 'src'));
  fs.copyFileSync(
    path.join(ROOT, 'packages/core-bridge/src/native-loader.ts'),
    path.join(bridge, 'src/native-loader.ts'),
  );
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages/core-bridge/package.json'), 'utf8'));
  delete pkg.optionalDependencies['@kairos/core-bridge-darwin-x64'];
  fs.writeFileSync(path.join(bridge, 'package.json'), JSON.stringify(pkg));
  fs.rmSync(path.join(bridge, 'npm', 'win32-x64-msvc'), { recursive: true });
  const problems = checkPlatformPackages(root);
  assert.ok(
    problems.some((p) => p.includes('optionalDependencies must be exactly')),
    JSON.stringify(problems),
  );
  assert.ok(
    problems.some((p) => p.includes('each napi target needs a folder')),
    JSON.stringify(problems),
  );
});

test("every deep import of an @kairos package in the workspace resolves through that package's exports", () => {
  assert.deepEqual(unresolvedDeepImports(), []);
});

/** A scratch monorepo with one package, `@kairos/common`-like, that follows the rules after --fix. */
function scratchPackage(pkg, sources = { 'index.ts': 'export const a = 1;\n', 'time.ts': 'export const t = 1;\n' }) {
  const root = scratchRoot();
  const dir = path.join(root, 'packages', 'common');
  for (const [file, text] of Object.entries(sources)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'src', file)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src', file), text);
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  return { root, dir };
}

const basePkg = {
  name: '@kairos/common',
  version: '0.1.0',
  description: 'x',
  license: 'MIT',
  dependencies: { '@kairos/proto': 'workspace:*', protobufjs: '8.8.1', long: '^5.3.2' },
};

test('private packages such as @kairos/test-support are not checked, and no public package depends on one', () => {
  const testSupport = path.join(ROOT, 'packages', 'test-support');
  assert.ok(!publicPackageDirs().includes(testSupport), 'test-support is treated as a public package');
  assert.ok(privatePackageNames().has('@kairos/test-support'));
  const { root, dir } = scratchPackage({ ...basePkg, dependencies: { '@kairos/test-support': 'workspace:*' } });
  fs.mkdirSync(path.join(root, 'packages', 'test-support'));
  fs.writeFileSync(
    path.join(root, 'packages', 'test-support', 'package.json'),
    JSON.stringify({ name: '@kairos/test-support', private: true }),
  );
  fixPackage(dir, root);
  assert.deepEqual(checkPackage(dir, root), [
    'dependencies.@kairos/test-support is a private package, never published: a devDependency at most',
  ]);
});

test('--fix turns a workspace-only package.json into a publishable one', () => {
  const { root, dir } = scratchPackage(basePkg);
  assert.ok(checkPackage(dir, root).length > 5);
  assert.equal(fixPackage(dir, root), true);
  assert.deepEqual(checkPackage(dir, root), []);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  assert.equal(pkg.dependencies.protobufjs, '^8.8.1');
  assert.equal(pkg.dependencies['@kairos/proto'], 'workspace:*');
  assert.equal(fixPackage(dir, root), false, 'a second --fix changes nothing');
});

test('each rule reports a package that breaks it', () => {
  const { root, dir } = scratchPackage(basePkg, {
    'index.ts': 'export const a = 1;\n',
    'converter/index.ts': 'export const c = 1;\n',
  });
  fixPackage(dir, root);
  const good = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const breakages = [
    [(p) => (p.dependencies.protobufjs = '8.8.1'), /caret range/],
    [(p) => (p.dependencies['@kairos/proto'] = '0.1.0'), /workspace:\*/],
    [(p) => (p.files = ['lib', 'src']), /files must be/],
    [(p) => delete p.exports['./lib/converter'], /exports must map/],
    [(p) => delete p.engines, /engines/],
    [(p) => delete p.repository, /repository/],
    [(p) => delete p.publishConfig, /publishConfig/],
    [(p) => delete p.sideEffects, /sideEffects must be false/],
    [(p) => (p.license = 'ISC'), /license/],
    [(p) => (p.types = 'index.d.ts'), /types/],
    [(p) => (p.peerDependencies = { long: '^5.3.2' }), /both a dependency and a peer/],
    [(p) => (p.peerDependencies = { '@kairos/client': 'workspace:*' }), /workspace:>=x\.y\.z/],
  ];
  for (const [mutate, expected] of breakages) {
    const pkg = JSON.parse(JSON.stringify(good));
    mutate(pkg);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
    const problems = checkPackage(dir, root);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${mutate} → ${JSON.stringify(problems)}`,
    );
  }
});

test('sideEffects: false is refused when a module writes a global on import', () => {
  const { root, dir } = scratchPackage(basePkg, {
    'index.ts': "import './polyfill';\n",
    'polyfill.ts': 'globalThis.x = 1;\n',
  });
  fixPackage(dir, root);
  const problems = checkPackage(dir, root);
  assert.ok(
    problems.some((p) => p.includes("index.ts:1: import './polyfill'")),
    JSON.stringify(problems),
  );
  assert.ok(
    problems.some((p) => p.includes('polyfill.ts:1: globalThis.x = 1')),
    JSON.stringify(problems),
  );
});

test('resolveExport follows Node: exact keys first, then the pattern with the longest prefix and key', () => {
  const map = {
    '.': './lib/index.js',
    './lib/bundler': { types: './lib/bundler/index.d.ts', default: './lib/bundler/index.js' },
    './lib/*.js': './lib/*.js',
    './lib/*': './lib/*.js',
  };
  assert.equal(resolveExport(map, '.'), './lib/index.js');
  assert.equal(resolveExport(map, './lib/bundler'), './lib/bundler/index.js');
  assert.equal(resolveExport(map, './lib/time'), './lib/time.js');
  assert.equal(resolveExport(map, './lib/time.js'), './lib/time.js');
  assert.equal(resolveExport(map, './lib/a/b'), './lib/a/b.js');
  assert.equal(resolveExport(map, './src/time'), undefined);
});

test('filesInclude reads prefixes and ! globs as npm does', () => {
  const files = ['lib', '!lib/**/*.map', 'lib/workflow/runtime-bundle.js.map'];
  assert.equal(filesInclude(files, './lib/index.js'), true);
  assert.equal(filesInclude(files, 'lib/a/b.js.map'), false);
  assert.equal(filesInclude(files, 'lib/index.js.map'), false);
  assert.equal(filesInclude(files, 'lib/workflow/runtime-bundle.js.map'), true);
  assert.equal(filesInclude(files, 'src/index.ts'), false);
});
