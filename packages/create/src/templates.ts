/**
 * Where the examples a project is created from live: `templates/` inside the published package (copied there
 * from the repository's `examples/` when the package is packed), or `examples/` itself when the package runs
 * from a checkout of the repository.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGE_ROOT = path.resolve(__dirname, '..');

/** Files and folders of an example that are not part of a new project. */
export const SKIPPED = new Set(['node_modules', '.turbo', 'lib', 'coverage']);

/** The folder holding one folder per example. */
export function templatesDir(): string {
  const repository = path.resolve(PACKAGE_ROOT, '..', '..');
  const checkout = path.join(repository, 'examples');
  // In a checkout the examples themselves are the truth (a `templates/` left by a local pack may be stale).
  if (fs.existsSync(path.join(repository, 'pnpm-workspace.yaml')) && fs.existsSync(checkout)) return checkout;
  const packed = path.join(PACKAGE_ROOT, 'templates');
  if (fs.existsSync(packed)) return packed;
  throw new Error(`no examples found: neither ${packed} nor ${checkout} exists`);
}

/** The names of the examples, sorted. */
export function listExamples(dir = templatesDir()): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort();
}

/** Copies `from` into `to` (which may not exist yet), leaving out {@link SKIPPED} names. */
export function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isFile()) fs.copyFileSync(source, target);
  }
}
