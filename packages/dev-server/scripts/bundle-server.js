#!/usr/bin/env node
// Build step after tsc: bundles lib/server.js with what it loads (grpc-js, protobufjs, long and @kairos/proto's
// generated code) into lib/server.bundle.js, which kairos-server loads instead of ~150 separate modules (see
// loadServer in src/cli.ts). Left out, and loaded from node_modules when first needed: the SQLite driver (native),
// the reflection libraries (only for a reflection call), and the schema descriptor (JSON.parse reads it faster
// than V8 compiles it as an object literal).
'use strict';
const path = require('node:path');
const esbuild = require('esbuild');

const lib = path.join(__dirname, '..', 'lib');

esbuild
  .build({
    entryPoints: [path.join(lib, 'server.js')],
    outfile: path.join(lib, 'server.bundle.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['better-sqlite3', '@grpc/proto-loader', '@grpc/reflection', '@kairos/proto/generated/descriptor.json'],
    // Whitespace only (names stay, so stack traces still name functions): the generated code is mostly
    // indentation, and every start reads all of it.
    minifyWhitespace: true,
    logLevel: 'warning',
  })
  .then(() => {
    // kairos-server reads the bundle as Latin-1 when it is ASCII (faster than UTF-8); esbuild escapes non-ASCII
    // text, but not in regular expression literals: write those as \u escapes.
    const bytes = require('node:fs').readFileSync(path.join(lib, 'server.bundle.js'));
    const at = bytes.findIndex((b) => b > 0x7f);
    if (at >= 0) {
      const line = bytes.subarray(0, at).toString('latin1').split('\n').length;
      console.warn(`server.bundle.js is not ASCII (line ${line}): kairos-server will read it as UTF-8, more slowly`);
    }
  })
  .catch(() => process.exit(1));
