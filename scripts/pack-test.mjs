#!/usr/bin/env node
// Installs Kairos like a user: packs every public package with `pnpm pack`, installs the tarballs with npm into fresh
// folders outside the workspace (the @kairos/* dependencies of a tarball resolve to the other tarballs through npm
// `overrides`, everything else comes from the registry), and runs code from them. Needs the packages built.
//
//   client-dev-server  @kairos/client + @kairos/dev-server with only node and npm on PATH (no cargo, C++ compiler
//                      or make): a client starts a workflow on the installed in-memory `kairos-server`; a database
//                      file without better-sqlite3 fails with an error naming the package to install.
//   client-proto       @kairos/client + @kairos/proto alone, against the workspace's dev server: one @grpc/grpc-js,
//                      one protobufjs for every @kairos package (plus @grpc/proto-loader's protobufjs 7, never
//                      loaded); then with the `overrides` entry the proto README gives users, one protobufjs in all.
//   worker-testing     @kairos/worker + @kairos/testing with no cargo on PATH (the core comes prebuilt; isolated-vm
//                      compiles from source, so a C++ compiler stays): the hello-world worker and a time-skipping
//                      test written with node:test.
//
// Usage: node scripts/pack-test.mjs [scenario...]   (all three by default). KAIROS_PACK_TEST_KEEP=1 keeps the folders.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ROOT, platformPackageDirs, publicPackageDirs, readJson } from './package-rules.mjs';

const FIXTURES = path.join(ROOT, 'scripts', 'pack-test');
const SCENARIOS = ['client-dev-server', 'client-proto', 'worker-testing'];
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : SCENARIOS;
for (const name of wanted) if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario ${name}: ${SCENARIOS}`);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-pack-test-'));
const report = { packages: [], installs: [] };

/** Runs a command, failing with its output when it fails. */
function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

function which(name, pathVar) {
  for (const dir of pathVar.split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The environment of a user's shell: no pnpm or workspace variables, a PATH of our choosing. */
function userEnv(pathVar, extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|PNPM_|NODE_PATH$|INIT_CWD$|TURBO_)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, PATH: pathVar, ...extra };
}

/** A PATH with only node, npm and sh (npm runs install scripts with sh): no compiler, make or cargo. */
function nodeOnlyPath() {
  const bin = path.join(work, 'node-only-bin');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  const npmCli = fs.realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim());
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync(fs.realpathSync('/bin/sh'), path.join(bin, 'sh'));
  return bin;
}

/** The system PATH without the folders that hold cargo or rustc. */
function pathWithoutCargo() {
  return process.env.PATH.split(path.delimiter)
    .filter((dir) => dir && !fs.existsSync(path.join(dir, 'cargo')) && !fs.existsSync(path.join(dir, 'rustc')))
    .filter((dir) => !dir.includes(`${path.sep}node_modules${path.sep}`))
    .join(path.delimiter);
}

/** This machine's napi-rs platform name (linux-x64-gnu, darwin-arm64, ...). */
function hostPlatformName() {
  const loader = path.join(ROOT, 'packages', 'core-bridge', 'lib', 'native-loader.js');
  return createRequire(import.meta.url)(loader).currentPlatform();
}

function packAll() {
  const dest = path.join(work, 'tarballs');
  fs.mkdirSync(dest);
  const tarballs = {};
  // The platform packages of the other machines are packed without their binaries (only the release workflow builds
  // those), so that npm reads their os and cpu and skips them, as it does with the published ones.
  const hostPlatform = `core-bridge.${hostPlatformName()}.node`;
  for (const dir of [...publicPackageDirs(), ...platformPackageDirs()]) {
    const { name, version, main } = readJson(path.join(dir, 'package.json'));
    if (main === hostPlatform)
      assert.ok(fs.existsSync(path.join(dir, main)), `${name} has no ${main}: build core-bridge`);
    const files = new Set(fs.readdirSync(dest));
    run('pnpm', ['pack', '--pack-destination', dest], { cwd: dir });
    const tgz = fs.readdirSync(dest).find((f) => !files.has(f));
    assert.ok(tgz, `pnpm pack wrote no tarball for ${name}`);
    tarballs[name] = path.join(dest, tgz);
    const entries = run('tar', ['-tzf', tarballs[name]]).trim().split('\n');
    assert.ok(!entries.some((e) => /^package\/(src|test)\//.test(e)), `${name} ships src/ or test/`);
    assert.ok(!entries.some((e) => /\.tsbuildinfo$/.test(e)), `${name} ships a tsbuildinfo`);
    if (!name.startsWith('@kairos/core-bridge-')) {
      assert.ok(!entries.some((e) => /\.(node|rs)$/.test(e)), `${name} ships a native binary or Rust sources`);
    }
    const manifest = JSON.parse(run('tar', ['-xzOf', tarballs[name], 'package/package.json']));
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dep, spec] of Object.entries(manifest[field] ?? {})) {
        assert.ok(!spec.startsWith('workspace:'), `${name} ${field}.${dep} is still ${spec} in the tarball`);
        if (dep.startsWith('@kairos/') && field !== 'peerDependencies') assert.equal(spec, version);
      }
    }
    report.packages.push({
      name,
      tarball: tgz,
      packedKiB: fs.statSync(tarballs[name]).size / 1024,
      files: entries.length,
    });
  }
  return tarballs;
}

/** A fresh project folder whose dependencies are tarballs; every @kairos package resolves to its tarball. */
function installProject(label, tarballs, direct, pathVar, extraEnv = {}, registryDeps = {}) {
  const dir = path.join(work, label);
  fs.mkdirSync(dir);
  const spec = (name) => `file:${tarballs[name]}`;
  const pkg = {
    name: `pack-test-${label}`,
    private: true,
    dependencies: { ...Object.fromEntries(direct.map((name) => [name, spec(name)])), ...registryDeps },
    overrides: Object.fromEntries(Object.keys(tarballs).map((name) => [name, spec(name)])),
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const started = process.hrtime.bigint();
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: userEnv(pathVar, extraEnv) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const installed = fs.readdirSync(path.join(dir, 'node_modules', '@kairos'));
  for (const name of installed) {
    const where = path.join(dir, 'node_modules', '@kairos', name);
    assert.ok(!fs.lstatSync(where).isSymbolicLink(), `@kairos/${name} is a link, not an installed copy`);
    const lock = readJson(path.join(dir, 'package-lock.json')).packages[`node_modules/@kairos/${name}`];
    assert.ok(lock.resolved?.startsWith('file:'), `@kairos/${name} resolved to ${lock.resolved}, not its tarball`);
  }
  const count = Object.keys(readJson(path.join(dir, 'package-lock.json')).packages).length - 1;
  report.installs.push({ label, direct: direct.join(' + '), seconds, packages: count, kairos: installed.length });
  console.log(`installed ${direct.join(' + ')} in ${seconds.toFixed(1)} s (${count} packages)`);
  return dir;
}

function copyFixtures(dir, names) {
  for (const name of names) fs.copyFileSync(path.join(FIXTURES, name), path.join(dir, name));
}

/** Starts a dev server CLI on a free port and resolves with its address once it listens. */
function startServer(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, 'start-dev', '--port', '0'], {
      ...options,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ address: m[1], stop: () => child.kill('SIGTERM') });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => reject(new Error(`the dev server exited (${code}) before listening:\n${out}`)));
    child.on('error', reject);
  });
}

async function clientAndDevServer(tarballs) {
  const bin = nodeOnlyPath();
  for (const tool of ['cargo', 'c++', 'g++', 'gcc', 'cc', 'make', 'clang']) {
    assert.equal(which(tool, bin), undefined, `${tool} is on the restricted PATH`);
  }
  const dir = installProject('client-dev-server', tarballs, ['@kairos/client', '@kairos/dev-server'], bin);
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules', 'better-sqlite3')), 'better-sqlite3 was installed');
  copyFixtures(dir, ['client.js']);
  const env = userEnv(bin);
  const kairosServer = path.join(dir, 'node_modules', '.bin', 'kairos-server');
  const server = await startServer(kairosServer, [], { cwd: dir, env });
  try {
    console.log(run('node', ['client.js', server.address], { cwd: dir, env }).trim());
  } finally {
    server.stop();
  }
  const db = path.join(dir, 'kairos.db');
  const refused = spawnSync(kairosServer, ['start-dev', '--port', '0', '--db-filename', db], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  assert.equal(
    refused.status,
    1,
    `kairos-server with a database file and no driver: ${refused.stdout}${refused.stderr}`,
  );
  assert.match(
    refused.stderr,
    /cannot open database file .*kairos\.db: the SQLite driver better-sqlite3 is not installed/,
  );
  assert.match(refused.stderr, /npm install better-sqlite3@\^12/);
  assert.match(refused.stderr, /C\+\+ compiler/);
  console.log(`a database file without the driver: ${refused.stderr.trim()}`);
}

/** Every installed copy of a package: its folders under any node_modules, relative to the project. */
function installedCopies(dir, name) {
  const copies = [];
  const walk = (nodeModules) => {
    if (!fs.existsSync(nodeModules)) return;
    for (const entry of fs.readdirSync(nodeModules)) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@')
        ? fs.readdirSync(path.join(nodeModules, entry)).map((sub) => `${entry}/${sub}`)
        : [entry];
      for (const pkgName of names) {
        const pkgDir = path.join(nodeModules, pkgName);
        if (pkgName === name)
          copies.push(`${path.relative(dir, pkgDir)}@${readJson(path.join(pkgDir, 'package.json')).version}`);
        walk(path.join(pkgDir, 'node_modules'));
      }
    }
  };
  walk(path.join(dir, 'node_modules'));
  return copies;
}

/** `npm ls` of grpc-js and protobufjs in `dir`, printed; fails when npm finds the tree invalid. */
function printNpmLs(dir, env) {
  const npmLs = spawnSync('npm', ['ls', '@grpc/grpc-js', 'protobufjs', '--all'], { cwd: dir, env, encoding: 'utf8' });
  console.log(npmLs.stdout.trim());
  assert.equal(npmLs.status, 0, `npm ls found an invalid tree:\n${npmLs.stderr}`);
}

async function clientAndProto(tarballs) {
  const bin = nodeOnlyPath();
  const env = userEnv(bin);
  const dir = installProject('client-proto', tarballs, ['@kairos/client', '@kairos/proto'], bin);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'node_modules', '@kairos')).sort(), ['client', 'common', 'proto']);
  printNpmLs(dir, env);
  const grpc = installedCopies(dir, '@grpc/grpc-js');
  assert.equal(grpc.length, 1, `@grpc/grpc-js is installed ${grpc.length} times: ${grpc}`);
  // One protobufjs serves every @kairos package. @grpc/grpc-js depends on @grpc/proto-loader, which still asks for
  // protobufjs ^7 (our generated code needs 8), so npm puts a second copy under it; the client never loads it, which
  // the fixture checks.
  const protobufjs = installedCopies(dir, 'protobufjs');
  const ours = protobufjs.filter((copy) => !copy.startsWith('node_modules/@grpc/proto-loader/'));
  assert.deepEqual(
    ours.map((copy) => copy.slice(0, copy.lastIndexOf('@'))),
    ['node_modules/protobufjs'],
    `protobufjs outside @grpc/proto-loader: ${protobufjs}`,
  );
  assert.ok(protobufjs.length <= 2, `protobufjs is installed ${protobufjs.length} times: ${protobufjs}`);
  console.log(`@grpc/grpc-js: ${grpc.join(', ')}; protobufjs: ${protobufjs.join(', ')}`);
  copyFixtures(dir, ['client.js']);
  const server = await startServer(process.execPath, [path.join(ROOT, 'packages', 'dev-server', 'lib', 'cli.js')], {
    cwd: ROOT,
  });
  try {
    console.log(run('node', ['client.js', server.address], { cwd: dir, env }).trim());
    // What the proto README tells a user who wants one copy: an `overrides` entry with @kairos/proto's range, so
    // that @grpc/proto-loader gets the same protobufjs. Then the whole tree holds exactly one.
    const range = readJson(path.join(ROOT, 'packages', 'proto', 'package.json')).dependencies.protobufjs;
    const pkgFile = path.join(dir, 'package.json');
    const pkg = readJson(pkgFile);
    pkg.overrides.protobufjs = range;
    fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
    const started = process.hrtime.bigint();
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`installed again with overrides.protobufjs = ${range} in ${seconds.toFixed(1)} s`);
    printNpmLs(dir, env);
    const single = installedCopies(dir, 'protobufjs');
    assert.equal(single.length, 1, `protobufjs is installed ${single.length} times with the override: ${single}`);
    assert.equal(installedCopies(dir, '@grpc/grpc-js').length, 1);
    console.log(`with the override, protobufjs: ${single.join(', ')}`);
    // @grpc/proto-loader runs on protobufjs 8 then: it reads the Kairos schema (as the dev server's reflection does).
    const loaderCheck = `const d = require('@grpc/proto-loader').fromJSON(require('@kairos/proto/generated/descriptor.json'));
      if (!d['temporal.api.workflowservice.v1.WorkflowService']) throw new Error('no WorkflowService');
      console.log('@grpc/proto-loader ' + require('@grpc/proto-loader/package.json').version + ' on protobufjs ' +
        require('protobufjs/package.json').version + ' loaded ' + Object.keys(d).length + ' definitions')`;
    console.log(run('node', ['-e', loaderCheck], { cwd: dir, env }).trim());
    console.log(run('node', ['client.js', server.address], { cwd: dir, env }).trim());
  } finally {
    server.stop();
  }
}

async function workerAndTesting(tarballs) {
  const pathVar = pathWithoutCargo();
  assert.equal(which('cargo', pathVar), undefined, 'cargo is on the PATH');
  // isolated-vm compiles here (its prebuilt binaries come from outside the registry) against the local Node headers.
  const extraEnv = fs.existsSync('/usr/include/node/node.h') ? { npm_config_nodedir: '/usr' } : {};
  const dir = installProject(
    'worker-testing',
    tarballs,
    ['@kairos/worker', '@kairos/testing', '@kairos/workflow', '@kairos/activity'],
    pathVar,
    extraEnv,
    // to type-check a TypeScript file against the installed typings
    { typescript: '6.0.3', '@types/node': '^20.19.43' },
  );
  const platformPackages = fs
    .readdirSync(path.join(dir, 'node_modules', '@kairos'))
    .filter((n) => n.startsWith('core-bridge-'));
  assert.deepEqual(platformPackages, [`core-bridge-${hostPlatformName()}`], "npm installs only this platform's core");
  copyFixtures(dir, ['workflows.js', 'activities.js', 'worker.js', 'time-skipping.test.js']);
  const env = userEnv(pathVar);
  copyFixtures(dir, ['check-types.ts']);
  const tsc = path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  const tscArgs = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022'];
  run('node', [tsc, ...tscArgs, '--types', 'node', 'check-types.ts'], { cwd: dir, env });
  console.log('check-types.ts type-checks against the installed typings (no skipLibCheck)');
  console.log(run('node', ['worker.js'], { cwd: dir, env }).trim());
  const tested = run('node', ['--test', 'time-skipping.test.js'], { cwd: dir, env });
  assert.match(tested, /# pass 1/);
  assert.match(tested, /# fail 0/);
  console.log('time-skipping test passed');
}

function printReport() {
  console.log('\npackage                              packed KiB  files');
  for (const p of report.packages) {
    console.log(`${p.name.padEnd(36)} ${p.packedKiB.toFixed(1).padStart(10)}  ${String(p.files).padStart(5)}`);
  }
  console.log('\ninstall (npm, from tarballs)                                             seconds  packages');
  for (const i of report.installs) {
    console.log(`${i.direct.padEnd(72)} ${i.seconds.toFixed(1).padStart(7)}  ${String(i.packages).padStart(8)}`);
  }
  if (process.argv.includes('--json') || process.env.KAIROS_PACK_TEST_JSON) {
    fs.writeFileSync(path.join(work, 'report.json'), JSON.stringify(report, null, 2));
  }
}

let ok = false;
try {
  const tarballs = packAll();
  if (wanted.includes('client-dev-server')) await clientAndDevServer(tarballs);
  if (wanted.includes('client-proto')) await clientAndProto(tarballs);
  if (wanted.includes('worker-testing')) await workerAndTesting(tarballs);
  ok = true;
} finally {
  printReport();
  if (process.env.KAIROS_PACK_TEST_KEEP) console.log(`\nkept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
  console.log(ok ? '\npack test passed' : '\npack test FAILED');
}
