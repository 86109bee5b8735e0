// Small helpers the worker benchmarks share.
'use strict';

/** The value after `--name` on the command line, or `fallback`. */
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Requires a module the way `from` (a package directory) sees it. */
function requireFrom(from, id) {
  return require(require.resolve(id, { paths: [from] }));
}

/** The median of `values` (the mean of the middle two for an even count). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

module.exports = { arg, requireFrom, median };
