#!/usr/bin/env node
// Build step: turns every .proto file under protos/ into
//   generated/root.js          protobufjs static code (CommonJS, no comments, no indentation, each namespace,
//                              message, enum and service defined on first access: see lazyDefinitions)
//   generated/root.d.ts        TypeScript declarations for it (pbts, from a commented build)
//   generated/descriptor.json  the reflection descriptor (for proto3 JSON and for tooling), on one line
//   generated/services.json    every service's methods, their request and response types named in full (what a
//                              gRPC server needs to define its services, without reading the whole descriptor)
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

/**
 * Rewrites pbjs static code so that loading it is cheap: every `owner.Name = (function() { ... })();` (a namespace,
 * message, enum or service) becomes a property that runs that function on first access and then holds its value,
 * so a process pays only for the types it touches (the Temporal API has hundreds; a server or client uses a few
 * dozen at start). Leading indentation is dropped too (it is 40% of the file, all of which is read and hashed on
 * every start). The result behaves the same: the properties are enumerable, and assignable like plain ones.
 */
function lazyDefinitions(source) {
  const lines = source.split('\n');
  const open = /^(\s*)([\w$]+)\.([\w$]+) = \(function\(\) \{$/;
  const indents = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = open.exec(line);
    if (m) {
      indents.push(m[1]);
      lines[i] = `$lazy(${m[2]}, ${JSON.stringify(m[3])}, function() {`;
    } else if (indents.length > 0 && line === `${indents[indents.length - 1]}})();`) {
      indents.pop();
      lines[i] = '});';
    } else {
      lines[i] = line.trimStart();
    }
  }
  if (indents.length > 0) throw new Error('generated code: a definition does not end where expected');
  const anchor = lines.findIndex((l) => l.startsWith('var $root = '));
  if (anchor < 0) throw new Error('generated code: no $root');
  lines.splice(
    anchor,
    0,
    'function $lazy(owner, name, define) {',
    'var property = function(value) { return { value: value, writable: true, enumerable: true, configurable: true }; };',
    '$Object.defineProperty(owner, name, {',
    'configurable: true,',
    'enumerable: true,',
    'get: function() { var value = define(); $Object.defineProperty(owner, name, property(value)); return value; },',
    'set: function(value) { $Object.defineProperty(owner, name, property(value)); }',
    '});',
    '}',
  );
  return lines.join('\n');
}

/** Resolves a type reference as protobuf does: from the referring scope outwards, or in full with a leading dot. */
function resolveType(names, reference, scope) {
  if (reference.startsWith('.')) return names.has(reference.slice(1)) ? reference.slice(1) : undefined;
  for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
    const candidate = s ? `${s}.${reference}` : reference;
    if (names.has(candidate)) return candidate;
    if (!s) return undefined;
  }
}

/** `{ [service full name]: [{ name, requestType, responseType, requestStream, responseStream }] }` of a descriptor. */
function serviceMethods(descriptor) {
  const nodes = new Map();
  const walk = (node, prefix) => {
    for (const [name, child] of Object.entries(node.nested ?? {})) {
      const full = prefix ? `${prefix}.${name}` : name;
      nodes.set(full, child);
      walk(child, full);
    }
  };
  walk(descriptor, '');
  const services = {};
  for (const [full, node] of nodes) {
    if (!node.methods) continue;
    services[full] = Object.entries(node.methods).map(([name, m]) => {
      const type = (reference) => {
        const resolved = resolveType(nodes, reference, full);
        if (!resolved) throw new Error(`${full}.${name}: cannot resolve type ${reference}`);
        return resolved;
      };
      return {
        name,
        requestType: type(m.requestType),
        responseType: type(m.responseType),
        requestStream: !!m.requestStream,
        responseStream: !!m.responseStream,
      };
    });
  }
  return services;
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
    const plain = path.join(tmp, 'root-plain.js');
    await run(pbjs, ['-t', 'static-module', ...common, '--no-comments', '-o', plain, ...inputs]);
    fs.writeFileSync(path.join(outDir, 'root.js'), lazyDefinitions(fs.readFileSync(plain, 'utf8')));
    await run(pbts, ['-o', path.join(outDir, 'root.d.ts'), commented]);
    const descriptor = path.join(tmp, 'descriptor.json');
    await run(pbjs, ['-t', 'json', '-p', protoDir, '-o', descriptor, ...inputs]);
    // Without pbjs's indentation: a third of the size, and parsed that much faster by whatever loads it at start.
    const parsed = JSON.parse(fs.readFileSync(descriptor, 'utf8'));
    fs.writeFileSync(path.join(outDir, 'descriptor.json'), JSON.stringify(parsed));
    fs.writeFileSync(path.join(outDir, 'services.json'), JSON.stringify(serviceMethods(parsed)));
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
