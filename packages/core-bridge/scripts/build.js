#!/usr/bin/env node
// Builds the core's napi-rs addon with @napi-rs/cli: `core-bridge.<platform>.node` next to package.json (the loader
// uses a local build first), a copy in npm/<platform>/ (the platform package that is published with it), and the
// TypeScript typings of the #[napi] items in src/native.d.ts.
//
//   node scripts/build.js                  release build for this machine
//   node scripts/build.js --debug          unoptimised, faster to build
//   node scripts/build.js --target T      another Rust target triple (the release workflow builds each platform)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkgDir = path.join(__dirname, '..');
const argv = process.argv.slice(2);
const debug = argv.includes('--debug') || process.env.KAIROS_CORE_BRIDGE_PROFILE === 'debug';
const targetIndex = argv.indexOf('--target');
const target = targetIndex >= 0 ? argv[targetIndex + 1] : undefined;

const napiPkg = require.resolve('@napi-rs/cli/package.json');
const napiCli = path.join(path.dirname(napiPkg), require(napiPkg).bin.napi);
const args = [
  napiCli,
  'build',
  '--platform',
  '--package',
  'kairos-core-bridge',
  '--no-js',
  '--dts',
  'src/native.d.ts',
  '--output-dir',
  '.',
  ...(debug ? [] : ['--release']),
  ...(target ? ['--target', target] : []),
];
const result = spawnSync(process.execPath, args, { cwd: pkgDir, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`napi ${args.slice(1).join(' ')} failed`);
  process.exit(result.status ?? 1);
}

// napi names the file after the target's platform: core-bridge.linux-x64-gnu.node, core-bridge.darwin-arm64.node, ...
const { napi } = require('../package.json');
const built = fs
  .readdirSync(pkgDir)
  .filter((f) => /^core-bridge\..+\.node$/.test(f))
  .map((f) => ({ f, mtime: fs.statSync(path.join(pkgDir, f)).mtimeMs }))
  .sort((a, b) => b.mtime - a.mtime)[0]?.f;
if (!built) {
  console.error('napi build wrote no core-bridge.<platform>.node');
  process.exit(1);
}
const platform = built.slice('core-bridge.'.length, -'.node'.length);
const npmDir = path.join(pkgDir, 'npm', platform);
if (!fs.existsSync(npmDir)) {
  console.error(`${platform} has no platform package in npm/ (napi.targets: ${napi.targets.join(', ')})`);
  process.exit(1);
}
fs.copyFileSync(path.join(pkgDir, built), path.join(npmDir, built));
console.log(`built ${built} and copied it to npm/${platform}/`);
