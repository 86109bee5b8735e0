#!/usr/bin/env node
// Build step: turns every .proto file under protos/ into
//   generated/root.js          protobufjs static code (CommonJS, no comments: smaller and faster to load)
//   generated/root.d.ts        TypeScript declarations for it (pbts, from a commented build)
//   generated/descriptor.json  the reflection descriptor (for proto3 JSON and for tooling)
// Skips the work when the inputs have not changed since the last build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const os = require('node:os');
const { pbjs, pbts } = require('protobufjs-cli');

const pkgDir = path.join(__dirname, '..');
const protoDir = path.join(pkgDir, 'protos');
const outDir = path.join(pkgDir, 'generated');

function listProtos(dir, base = dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listProtos(full, base));
    else if (entry.name.endsWith('.proto')) out.push(path.relative(base, full));
  }
  return out.sort();
}

function run(tool, args) {
  return new Promise((resolve, reject) => {
    tool.main(args, (err, output) => (err ? reject(err) : resolve(output)));
  });
}

async function main() {
  const files = listProtos(protoDir);
  const hash = crypto.createHash('sha256');
  hash.update(fs.readFileSync(__filename));
  for (const f of files) hash.update(f).update(fs.readFileSync(path.join(protoDir, f)));
  const digest = hash.digest('hex');
  const stamp = path.join(outDir, '.inputs-sha256');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) {
    console.log(`protos unchanged (${files.length} files), generated/ is up to date`);
    return;
  }
  fs.mkdirSync(outDir, { recursive: true });
  const common = ['-w', 'commonjs', '--no-verify', '--no-delimited', '-p', protoDir];
  const inputs = files.map((f) => path.join(protoDir, f));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kairos-proto-'));
  try {
    const commented = path.join(tmp, 'root.js');
    await run(pbjs, ['-t', 'static-module', ...common, '-o', commented, ...inputs]);
    await run(pbjs, ['-t', 'static-module', ...common, '--no-comments', '-o', path.join(outDir, 'root.js'), ...inputs]);
    await run(pbts, ['-o', path.join(outDir, 'root.d.ts'), commented]);
    await run(pbjs, ['-t', 'json', '-p', protoDir, '-o', path.join(outDir, 'descriptor.json'), ...inputs]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.writeFileSync(stamp, digest);
  console.log(`compiled ${files.length} proto files into generated/`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
