// The two SDKs the worker benchmark compares, behind one shape: Kairos (`packages/worker/lib`, built by
// `pnpm build`) and the official TypeScript SDK 1.24 (`@temporalio/*`, devDependencies of bench).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { requireFrom } = require('./util');

const WORKFLOWS_DIR = path.join(__dirname, 'workflows');
const KAIROS_WORKER_DIR = path.resolve(__dirname, '..', '..', 'packages', 'worker');
/** `@kairos/interceptors-otel`, for the benchmarks that trace. */
const INTERCEPTORS_OTEL_DIR = path.resolve(KAIROS_WORKER_DIR, '..', 'interceptors-otel');

function loadKairos() {
  const lib = path.join(KAIROS_WORKER_DIR, 'lib');
  if (!fs.existsSync(path.join(lib, 'workflow', 'runtime-bundle.js'))) {
    throw new Error(
      `${lib} is not built: run \`pnpm build\` (or \`cd packages/worker && npx tsc -p tsconfig.build.json && ` +
        'node scripts/build-runtime.js`) first',
    );
  }
  const worker = require(lib);
  return {
    name: 'kairos',
    worker,
    client: requireFrom(KAIROS_WORKER_DIR, '@kairos/client'),
    historyFromJSON: requireFrom(KAIROS_WORKER_DIR, '@kairos/common/lib/proto-utils').historyFromJSON,
    workflowsPath: path.join(WORKFLOWS_DIR, 'kairos.ts'),
  };
}

function loadOfficial() {
  const worker = require('@temporalio/worker');
  return {
    name: 'official',
    worker,
    client: require('@temporalio/client'),
    historyFromJSON: requireFrom(
      path.dirname(require.resolve('@temporalio/worker')),
      '@temporalio/common/lib/proto-utils',
    ).historyFromJSON,
    workflowsPath: path.join(WORKFLOWS_DIR, 'official.ts'),
  };
}

/** Loads one SDK and installs its runtime with a quiet logger. */
function loadSdk(name) {
  const sdk = name === 'kairos' ? loadKairos() : name === 'official' ? loadOfficial() : undefined;
  if (!sdk) throw new Error(`unknown SDK ${JSON.stringify(name)} (kairos or official)`);
  const { Runtime, DefaultLogger } = sdk.worker;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  sdk.quietLogger = new DefaultLogger('ERROR');
  return sdk;
}

/** Throws unless the Kairos workflow file is the official one with the import scope changed. */
function checkTwins() {
  const official = fs.readFileSync(path.join(WORKFLOWS_DIR, 'official.ts'), 'utf8');
  const kairos = fs.readFileSync(path.join(WORKFLOWS_DIR, 'kairos.ts'), 'utf8');
  if (official.replace(/(['"])@temporalio\//g, '$1@kairos/') !== kairos) {
    throw new Error(
      'bench/worker/workflows/kairos.ts must be official.ts with @temporalio/ changed to @kairos/ and nothing else',
    );
  }
  return official.split('\n').length - 1;
}

module.exports = { loadSdk, checkTwins, KAIROS_WORKER_DIR, INTERCEPTORS_OTEL_DIR };
