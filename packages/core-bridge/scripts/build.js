#!/usr/bin/env node
// Builds the napi-rs cdylib with cargo and copies it to index.node next to package.json.
// `--debug` (or KAIROS_CORE_BRIDGE_PROFILE=debug) builds the unoptimised profile.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const pkgDir = path.join(__dirname, '..');
const debug = process.argv.includes('--debug') || process.env.KAIROS_CORE_BRIDGE_PROFILE === 'debug';
const args = ['build', '-p', 'kairos-core-bridge', ...(debug ? [] : ['--release'])];
const result = spawnSync('cargo', args, { cwd: pkgDir, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`cargo ${args.join(' ')} failed`);
  process.exit(result.status ?? 1);
}
const libName = {
  linux: 'libkairos_core_bridge.so',
  darwin: 'libkairos_core_bridge.dylib',
  win32: 'kairos_core_bridge.dll',
}[process.platform];
if (!libName) {
  console.error(`unsupported platform ${process.platform}`);
  process.exit(1);
}
const built = path.join(pkgDir, 'target', debug ? 'debug' : 'release', libName);
const target = path.join(pkgDir, 'index.node');
fs.copyFileSync(built, `${target}.tmp`);
fs.renameSync(`${target}.tmp`, target);
console.log(`copied ${path.relative(pkgDir, built)} to index.node`);
