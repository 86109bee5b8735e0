#!/usr/bin/env node
// Checks every public package.json against the publishing rules in package-rules.mjs and that every deep import
// of an @kairos package in the workspace resolves through its exports map. `--fix` rewrites the derived fields
// first (run it after a merge that touched a package.json, then `pnpm install` to update the lockfile).
import path from 'node:path';
import {
  ROOT,
  checkPackage,
  checkPlatformPackages,
  fixPackage,
  publicPackageDirs,
  unresolvedDeepImports,
} from './package-rules.mjs';

const fix = process.argv.includes('--fix');
let failed = 0;
for (const dir of publicPackageDirs()) {
  if (fix && fixPackage(dir)) console.log(`rewrote ${path.relative(ROOT, dir)}/package.json`);
  for (const problem of checkPackage(dir)) {
    console.error(`${path.relative(ROOT, dir)}/package.json: ${problem}`);
    failed++;
  }
}
for (const problem of [...checkPlatformPackages(), ...unresolvedDeepImports()]) {
  console.error(problem);
  failed++;
}
if (failed) {
  console.error(`\n${failed} problem(s); \`node scripts/check-packages.mjs --fix\` rewrites the derived fields`);
  process.exit(1);
}
console.log(`${publicPackageDirs().length} public packages follow the publishing rules`);
