import * as fs from 'node:fs';
import * as path from 'node:path';

// The official package's `lib/` layout, which users deep-import (`@temporalio/common/lib/time`...).
const officialLib = path.join(path.dirname(require.resolve('@temporalio/common')), '.');
const ourSrc = path.join(__dirname, '..', 'src');

/**
 * Parts of the official package that Kairos does not provide (yet): the experimental external payload storage
 * (ExternalStorage, its runner, visitor, metrics and the concurrency helpers it uses) and the generated payload
 * visitor walkers of `internal-non-workflow`, plus an accidental `_` export.
 */
const NOT_PROVIDED_MODULES = new Set([
  'concurrency/limit',
  'concurrency/semaphore',
  'converter/extstore',
  'internal-non-workflow/external-storage-metrics',
  'internal-non-workflow/external-storage-runner',
  'internal-non-workflow/external-storage-visitor',
  'internal-non-workflow/extstore-helpers',
  'internal-non-workflow/payload-visitor',
]);
const NOT_PROVIDED_EXPORTS: Record<string, RegExp> = {
  index: /^(ExternalStorage|StorageDriverClaim)$/,
  'internal-non-workflow/index':
    /^(isReferencePayload|decodeReferencePayload|encodeReferencePayload|ExternalStorageMetricsAccumulator|ExternalStorageRunner|extstoreStoreOptions|extstoreInboundOptions|visit|walk\w+)$/,
  'search-attributes': /^_$/,
};

function officialModules(dir = officialLib, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return officialModules(path.join(dir, entry.name), `${prefix}${entry.name}/`);
    return entry.name.endsWith('.js') ? [`${prefix}${entry.name.slice(0, -3)}`] : [];
  });
}

const modules = officialModules().filter((name) => !NOT_PROVIDED_MODULES.has(name));

describe('deep-import layout and exports', () => {
  test('covers every module of the official lib/ directory but the documented exceptions', () => {
    expect(modules.length).toBeGreaterThan(40);
    const missing = modules.filter(
      (name) => !fs.existsSync(path.join(ourSrc, `${name}.ts`)) && !fs.existsSync(path.join(ourSrc, name, 'index.ts')),
    );
    expect(missing).toEqual([]);
  });

  test.each(modules)('lib/%s exports every runtime name the official module exports', (name) => {
    const theirs = require(path.join(officialLib, name)) as Record<string, unknown>;
    const ours = require(path.join(ourSrc, name)) as Record<string, unknown>;
    const skip = NOT_PROVIDED_EXPORTS[name];
    const missing = Object.keys(theirs).filter((key) => !(key in ours) && !(skip && skip.test(key)));
    expect(missing).toEqual([]);
  });

  test.each(modules)('lib/%s exports values of the same kind as the official module', (name) => {
    const theirs = require(path.join(officialLib, name)) as Record<string, unknown>;
    const ours = require(path.join(ourSrc, name)) as Record<string, unknown>;
    const kinds = (exports: Record<string, unknown>, keys: string[]): Record<string, string> =>
      Object.fromEntries(keys.map((key) => [key, typeof exports[key]]));
    const shared = Object.keys(theirs).filter((key) => key in ours && key !== '__esModule');
    expect(kinds(ours, shared)).toEqual(kinds(theirs, shared));
  });
});
