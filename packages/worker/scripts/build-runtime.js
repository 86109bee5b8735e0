// Bundles the workflow runtime (`@kairos/workflow/lib/runtime.js`) into lib/workflow/runtime-bundle.js, the
// script the worker evaluates in every isolate context.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const { runtimeBuildOptions, absolutizeSourceMap, stripSourceMapComment } = require('../lib/workflow/runtime-script');

const entry = require.resolve('@kairos/workflow/lib/runtime.js');
const result = esbuild.buildSync(runtimeBuildOptions(entry));
const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
const out = path.join(__dirname, '..', 'lib', 'workflow', 'runtime-bundle.js');
fs.writeFileSync(out, stripSourceMapComment(js.text));
fs.writeFileSync(`${out}.map`, absolutizeSourceMap(map.text, path.dirname(js.path)));
console.log(`workflow runtime: ${(js.text.length / 1024).toFixed(0)} KiB -> ${path.relative(process.cwd(), out)}`);
